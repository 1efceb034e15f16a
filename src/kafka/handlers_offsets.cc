// ListOffsets: the earliest (-2, and -4: every record is local) or latest (-1) offset of a
// partition, the record with the largest timestamp (-3), or the first offset whose record time is
// at or after a timestamp; for read_committed (v2+), the latest is the last stable offset and
// nothing at or past it is found, as in Kafka. OffsetForLeaderEpoch: where an epoch ends.
//
// Authorization, as Kafka's (KafkaApis.handleListOffsetRequest,
// handleOffsetForLeaderEpochRequest): each topic needs DESCRIBE (OffsetForLeaderEpoch: or
// CLUSTER_ACTION on the cluster, a follower's), else its partitions are TOPIC_AUTHORIZATION_FAILED,
// whether or not it exists.
#include <optional>

#include "kafka/handler_list.h"
#include "kafka/handlers.h"
#include "kafka/messages/list_offsets.h"
#include "kafka/messages/offset_for_leader_epoch.h"

namespace herald::kafka::handlers {
namespace {

using broker::AclOperation;

}  // namespace

void ListOffsets(broker::Broker& broker, RequestContext ctx, Respond done) {
  auto request = DecodeRequest<ListOffsetsRequest>(ctx.body, ctx.version());
  if (!request.ok()) return RejectMalformed(ctx, request.status(), done);
  if (!WithinPartitionLimit(broker, ctx,
                            PartitionEntries(request->topics, &ListOffsetsRequestTopic::partitions),
                            done)) {
    return;
  }
  const int16_t version = ctx.request.header.api_version;
  constexpr int64_t kLatest = -1, kEarliest = -2, kMaxTimestamp = -3, kEarliestLocal = -4;
  const bool committed = request->isolation_level == 1;
  ListOffsetsResponse response;
  for (const auto& t : request->topics) {
    ListOffsetsResponseTopic topic{t.name, {}};
    const bool describable = AuthorizedOnTopic(broker, ctx, AclOperation::kDescribe, t.name);
    for (const auto& p : t.partitions) {
      ListOffsetsResponsePartition out;
      out.partition_index = p.partition_index;
      auto log = broker.GetLog(t.name, p.partition_index);
      std::optional<storage::TimestampOffset> found;
      if (!describable) {
        out.error_code = Code(ErrorCode::kTopicAuthorizationFailed);  // exists or not
      } else if (!log.ok()) {
        out.error_code = Code(ErrorFor(log.status()));  // unknown, or offline
      } else if (ErrorCode e = CheckLeaderEpoch(p.current_leader_epoch); e != ErrorCode::kNone) {
        out.error_code = Code(e);
      } else if (auto fetchable = committed
                                      ? broker.LastStableOffset({t.name, p.partition_index}, *log)
                                      : Result<int64_t>((*log)->end_offset());
                 !fetchable.ok()) {
        out.error_code = Code(ErrorCode::kKafkaStorageError);
      } else if (p.timestamp == kLatest) {
        found = storage::TimestampOffset{*fetchable, -1};
      } else if (p.timestamp == kEarliest || p.timestamp == kEarliestLocal) {
        found = storage::TimestampOffset{(*log)->log_start_offset(), -1};
      } else {
        // -3: the first record at the log's largest timestamp.
        const int64_t at = p.timestamp == kMaxTimestamp ? (*log)->max_timestamp() : p.timestamp;
        auto first = (*log)->OffsetForTimestamp(at);
        if (!first.ok()) {
          out.error_code = Code(ErrorCode::kKafkaStorageError);
        } else if (*first && (*first)->offset < *fetchable) {
          found = *first;  // else none: no record that late (offset -1)
        }
      }
      if (found) {
        out.offset = found->offset;
        out.timestamp = found->timestamp;
        out.leader_epoch = kLeaderEpoch;
      }
      if (version == 0 && out.error_code == 0) {
        // v0 answers a list of offsets (we have one per query) instead of offset/timestamp.
        if (out.offset >= 0 && p.max_num_offsets > 0) out.old_style_offsets = {out.offset};
      }
      topic.partitions.push_back(std::move(out));
    }
    response.topics.push_back(std::move(topic));
  }
  done(EncodeResponse(response, ctx.version()));
}

}  // namespace herald::kafka::handlers

namespace herald::kafka::handlers {

// One node, one leader epoch (0) that never changes: its end is the log's end. A future epoch
// is answered with -1/-1, as Kafka does.
void OffsetForLeaderEpoch(broker::Broker& broker, RequestContext ctx, Respond done) {
  auto request = DecodeRequest<OffsetForLeaderEpochRequest>(ctx.body, ctx.version());
  if (!request.ok()) return RejectMalformed(ctx, request.status(), done);
  OffsetForLeaderEpochResponse response;
  const bool cluster_action =
      AuthorizedOnCluster(broker, ctx, AclOperation::kClusterAction, kQuiet);
  for (const auto& t : request->topics) {
    OffsetForLeaderEpochResponseTopic topic{t.topic, {}};
    const bool describable =
        cluster_action || AuthorizedOnTopic(broker, ctx, AclOperation::kDescribe, t.topic);
    for (const auto& p : t.partitions) {
      OffsetForLeaderEpochResponsePartition out;
      out.partition = p.partition;
      auto log = broker.GetLog(t.topic, p.partition);
      if (!describable) {
        out.error_code = Code(ErrorCode::kTopicAuthorizationFailed);  // exists or not
      } else if (!log.ok()) {
        out.error_code = Code(ErrorFor(log.status()));  // unknown, or offline
      } else if (ErrorCode e = CheckLeaderEpoch(p.current_leader_epoch); e != ErrorCode::kNone) {
        out.error_code = Code(e);
      } else if (p.leader_epoch > kLeaderEpoch) {
        out.leader_epoch = -1;
        out.end_offset = -1;
      } else {
        out.leader_epoch = kLeaderEpoch;
        out.end_offset = (*log)->end_offset();
      }
      topic.partitions.push_back(std::move(out));
    }
    response.topics.push_back(std::move(topic));
  }
  done(EncodeResponse(response, ctx.version()));
}

}  // namespace herald::kafka::handlers
