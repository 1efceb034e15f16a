// Fetch: read each partition from its offset, and long-poll: hold the answer until min_bytes are
// there or max_wait_ms has passed, woken by appends. Sessionless (session id 0). From v13 topics
// are named by id: an id no topic has is UNKNOWN_TOPIC_ID on each of its partitions. Each topic
// needs READ, else its partitions are TOPIC_AUTHORIZATION_FAILED with no records, whether or not
// it exists, as Kafka answers consumers (KafkaApis.handleFetchRequest). With a fetch quota
// (broker/quotas.h), an answer that would put the principal over it carries no records and a
// throttle_time_ms, and the connection reads nothing more for as long.
#include <algorithm>
#include <atomic>
#include <cstdint>

#include "base/log.h"
#include "kafka/handler_list.h"
#include "kafka/handlers.h"
#include "kafka/messages/fetch.h"

namespace herald::kafka::handlers {
namespace {

using broker::AclOperation;

class FetchOperation : public std::enable_shared_from_this<FetchOperation> {
 public:
  FetchOperation(broker::Broker& broker, RequestContext ctx, FetchRequest request, Respond done)
      : broker_(broker),
        ctx_(std::move(ctx)),
        request_(std::move(request)),
        done_(std::move(done)),
        timer_(ctx_.executor) {
    for (const auto& t : request_.topics) {
      // Asked once per request (an unknown id is answered UNKNOWN_TOPIC_ID instead).
      readable_.push_back(t.topic.empty() ||
                          AuthorizedOnTopic(broker_, ctx_, AclOperation::kRead, t.topic));
      for (const auto& p : t.partitions) partitions_.emplace_back(t.topic, p.partition);
    }
  }

  void Start() {
    uint64_t bytes = 0;
    bool errors = false;
    FetchResponse response = Collect(bytes, errors);
    if (errors || bytes >= static_cast<uint64_t>(std::max(request_.min_bytes, 1)) ||
        request_.max_wait_ms <= 0 || partitions_.empty()) {
      return Answer(std::move(response));
    }
    auto self = shared_from_this();
    timer_.expires_after(std::chrono::milliseconds(request_.max_wait_ms));
    timer_.async_wait([self](const boost::system::error_code& ec) {
      if (!ec) self->Complete();  // time is up: answer with what there is, no error
    });
    Watch();
  }

 private:
  // Runs on the connection's strand, as do OnAppend, Complete and Answer.
  void Watch() {
    auto self = shared_from_this();
    watch_id_ = broker_.WatchAppends(partitions_, [self] {
      boost::asio::post(self->ctx_.executor, [self] {
        self->watch_id_ = 0;  // a watch fires once
        self->OnAppend();
      });
    });
    // Data may have landed between the first read and the watch.
    OnAppend();
  }

  void OnAppend() {
    if (answered_) return;
    uint64_t bytes = 0;
    bool errors = false;
    FetchResponse response = Collect(bytes, errors);
    if (errors || bytes >= static_cast<uint64_t>(request_.min_bytes)) {
      Answer(std::move(response));
      return;
    }
    if (watch_id_ == 0) Watch();  // a wake that found too little: watch again
  }

  void Complete() {
    if (answered_) return;
    uint64_t bytes = 0;
    bool errors = false;
    Answer(Collect(bytes, errors));
  }

  void Answer(FetchResponse response) {
    if (answered_.exchange(true)) return;
    if (watch_id_ != 0) broker_.Unwatch(watch_id_);
    timer_.cancel();
    const int64_t throttle = Throttle(response);
    response.throttle_time_ms = static_cast<int32_t>(throttle);
    Response r = EncodeResponse(response, ctx_.version(), /*splice=*/true);
    r.throttle_ms = throttle;
    done_(std::move(r));
  }

  // The principal's fetch quota: the response's record bytes count against it; over it, as Kafka
  // (KIP-219), the answer carries no records (they are not counted then) and a throttle time.
  int64_t Throttle(FetchResponse& response) {
    broker::ClientQuotas& quotas = broker_.quotas();
    if (quotas.Quota(broker::QuotaType::kFetch) <= 0) return 0;
    int64_t bytes = 0;
    for (const auto& t : response.responses) {
      for (const auto& p : t.partitions) {
        for (const auto& slice : p.records.slices) bytes += static_cast<int64_t>(slice.size);
      }
    }
    const int64_t throttle = quotas.Record(broker::QuotaType::kFetch, ctx_.principal, bytes);
    // A first batch larger than any answer may be (KIP-74 serves it whole) would be refused for
    // ever: it is served, and throttled.
    if (throttle > 0 && bytes <= quotas.MaxBytesPerResponse(broker::QuotaType::kFetch)) {
      quotas.Unrecord(broker::QuotaType::kFetch, ctx_.principal, bytes);
      for (auto& t : response.responses) {
        for (auto& p : t.partitions) {
          p.records.slices.clear();
          if (p.aborted_transactions) p.aborted_transactions->clear();
        }
      }
    }
    return throttle;
  }

  FetchResponse Collect(uint64_t& bytes, bool& errors) {
    FetchResponse response;
    const int16_t version = ctx_.request.header.api_version;
    uint64_t budget = static_cast<uint64_t>(std::max(request_.max_bytes, 0));
    for (size_t i = 0; i < request_.topics.size(); ++i) {
      const auto& t = request_.topics[i];
      FetchResponseTopic topic{t.topic, t.topic_id, {}};
      for (const auto& p : t.partitions) {
        FetchResponsePartition out;
        out.partition_index = p.partition;
        auto refuse = [&](ErrorCode e) {
          out.error_code = Code(e);
          out.high_watermark = -1;  // as Kafka answers a partition it does not serve
          out.aborted_transactions = std::nullopt;
          errors = true;
          topic.partitions.push_back(std::move(out));
        };
        if (t.topic.empty()) {  // v13+: no topic has this id (names are never empty)
          refuse(ErrorCode::kUnknownTopicId);
          continue;
        }
        if (!readable_[i]) {  // before existence: a refusal tells nothing of the topic
          refuse(ErrorCode::kTopicAuthorizationFailed);
          continue;
        }
        auto log = broker_.GetLog(t.topic, p.partition);
        if (!log.ok()) {
          // Unknown, or offline (KAFKA_STORAGE_ERROR from Fetch v6, as Kafka answers).
          refuse(log.status().code() == StatusCode::kNotFound || version < 6
                     ? ErrorCode::kUnknownTopicOrPartition
                     : ErrorCode::kKafkaStorageError);
          continue;
        }
        if (ErrorCode e = CheckLeaderEpoch(p.current_leader_epoch); e != ErrorCode::kNone) {
          refuse(e);
          continue;
        }
        out.high_watermark = (*log)->end_offset();
        out.last_stable_offset = out.high_watermark;
        out.log_start_offset = (*log)->log_start_offset();
        // read_committed: nothing at or past the last stable offset (the first record of a
        // transaction still open), with the aborted transactions the records served hold.
        const bool committed = request_.isolation_level == 1;
        if (committed) {
          auto stable = broker_.LastStableOffset({t.topic, p.partition}, *log);
          if (!stable.ok()) {
            refuse(version >= 6 ? ErrorCode::kKafkaStorageError : ErrorCode::kUnknownServerError);
            continue;
          }
          out.last_stable_offset = *stable;
          // The end may have moved on since it was read; the stable offset never passes it.
          out.high_watermark = std::max(out.high_watermark, *stable);
        }
        // KIP-74: the response holds at most max_bytes, but the first partition with data
        // returns at least one batch (Read's), however large.
        uint64_t limit =
            std::min<uint64_t>(static_cast<uint64_t>(std::max(p.partition_max_bytes, 0)), budget);
        if (limit == 0 && bytes > 0) {
          topic.partitions.push_back(std::move(out));
          continue;
        }
        auto slice = (*log)->Read(p.fetch_offset, std::max<uint64_t>(limit, 1),
                                  committed ? out.last_stable_offset : INT64_MAX);
        if (!slice.ok()) {
          if (slice.status().code() == StatusCode::kOutOfRange) {
            out.error_code = Code(ErrorCode::kOffsetOutOfRange);
          } else {
            out.error_code = Code(version >= 6 ? ErrorCode::kKafkaStorageError
                                               : ErrorCode::kUnknownServerError);
            LogError("fetch_failed", {{"topic", t.topic}, {"partition", p.partition},
                                      {"offset", p.fetch_offset}},
                     slice.status().ToString());
          }
          errors = true;
        } else if (!slice->empty()) {
          if (LogEnabled(LogLevel::kDebug)) {
            LogDebug("message_consumed", {{"topic", t.topic},
                                          {"partition", p.partition},
                                          {"offset", p.fetch_offset},
                                          {"bytes", slice->size},
                                          {"peer", ctx_.peer}});
          }
          bytes += slice->size;
          budget = budget > slice->size ? budget - slice->size : 0;
          if (committed) {
            for (const auto& txn : (*log)->AbortedTxns(p.fetch_offset, out.last_stable_offset)) {
              out.aborted_transactions->push_back({txn.producer_id, txn.first_offset});
            }
          }
          out.records.slices.push_back(std::move(slice).value());
        }
        topic.partitions.push_back(std::move(out));
      }
      response.responses.push_back(std::move(topic));
    }
    return response;
  }

  broker::Broker& broker_;
  RequestContext ctx_;
  FetchRequest request_;
  Respond done_;
  boost::asio::steady_timer timer_;
  std::vector<broker::TopicPartition> partitions_;
  std::vector<bool> readable_;  // per request topic: whether the principal may READ it
  uint64_t watch_id_ = 0;
  std::atomic<bool> answered_{false};
};

}  // namespace

void Fetch(broker::Broker& broker, RequestContext ctx, Respond done) {
  auto request = DecodeRequest<FetchRequest>(ctx.body, ctx.version());
  if (!request.ok()) return RejectMalformed(ctx, request.status(), done);
  if (!WithinPartitionLimit(broker, ctx,
                            PartitionEntries(request->topics, &FetchRequestTopic::partitions),
                            done)) {
    return;
  }
  if (ctx.request.header.api_version >= 13) {
    for (auto& t : request->topics) {
      auto name = broker.TopicName(t.topic_id);
      if (name.ok()) t.topic = std::move(name).value();
    }
  }
  // The broker's caps (fetch.max.bytes; a long-poll's longest wait) bound what a client may ask.
  const auto& options = broker.options();
  request->max_bytes = std::min(request->max_bytes, options.fetch_max_bytes);
  // With a fetch quota, no answer may be so large that it alone stays above the quota.
  request->max_bytes = static_cast<int32_t>(std::min<int64_t>(
      request->max_bytes, broker.quotas().MaxBytesPerResponse(broker::QuotaType::kFetch)));
  request->max_wait_ms = std::min(request->max_wait_ms, options.fetch_max_wait_ms);
  auto op = std::make_shared<FetchOperation>(broker, std::move(ctx), std::move(request).value(),
                                             std::move(done));
  op->Start();
}

}  // namespace herald::kafka::handlers
