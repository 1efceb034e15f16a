// ListOffsets: the earliest (-2) or latest (-1) offset of a partition, or the first offset whose
// record time is at or after a timestamp. OffsetForLeaderEpoch: where an epoch ends.
#include "kafka/handler_list.h"
#include "kafka/handlers.h"
#include "kafka/messages/list_offsets.h"
#include "kafka/messages/offset_for_leader_epoch.h"

namespace herald::kafka::handlers {

void ListOffsets(broker::Broker& broker, RequestContext ctx, Respond done) {
  auto request = DecodeRequest<ListOffsetsRequest>(ctx.body, ctx.version());
  if (!request.ok()) return RejectMalformed(ctx, request.status(), done);
  if (!WithinPartitionLimit(broker, ctx,
                            PartitionEntries(request->topics, &ListOffsetsRequestTopic::partitions),
                            done)) {
    return;
  }
  const int16_t version = ctx.request.header.api_version;
  constexpr int64_t kLatest = -1, kEarliest = -2;
  ListOffsetsResponse response;
  for (const auto& t : request->topics) {
    ListOffsetsResponseTopic topic{t.name, {}};
    for (const auto& p : t.partitions) {
      ListOffsetsResponsePartition out;
      out.partition_index = p.partition_index;
      auto log = broker.GetLog(t.name, p.partition_index);
      if (!log.ok()) {
        out.error_code = Code(ErrorFor(log.status()));  // unknown, or offline
      } else if (p.timestamp == kLatest || p.timestamp == kEarliest) {
        out.offset = p.timestamp == kLatest ? (*log)->end_offset() : (*log)->log_start_offset();
        out.timestamp = -1;
      } else {
        auto found = (*log)->OffsetForTimestamp(p.timestamp);
        if (!found.ok()) {
          out.error_code = Code(ErrorCode::kKafkaStorageError);
        } else if (found->has_value()) {
          out.offset = (*found)->offset;
          out.timestamp = (*found)->timestamp;
        } else {
          out.offset = -1;  // no record that late
          out.timestamp = -1;
        }
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
  constexpr int32_t kEpoch = 0;
  OffsetForLeaderEpochResponse response;
  for (const auto& t : request->topics) {
    OffsetForLeaderEpochResponseTopic topic{t.topic, {}};
    for (const auto& p : t.partitions) {
      OffsetForLeaderEpochResponsePartition out;
      out.partition = p.partition;
      auto log = broker.GetLog(t.topic, p.partition);
      if (!log.ok()) {
        out.error_code = Code(ErrorFor(log.status()));  // unknown, or offline
      } else if (p.current_leader_epoch > kEpoch) {
        out.error_code = Code(ErrorCode::kUnknownLeaderEpoch);
      } else if (p.leader_epoch > kEpoch) {
        out.leader_epoch = -1;
        out.end_offset = -1;
      } else {
        out.leader_epoch = kEpoch;
        out.end_offset = (*log)->end_offset();
      }
      topic.partitions.push_back(std::move(out));
    }
    response.topics.push_back(std::move(topic));
  }
  done(EncodeResponse(response, ctx.version()));
}

}  // namespace herald::kafka::handlers
