// libFuzzer target: every byte string a client could send as a request frame goes through the
// header parser and, when it names an API Herald serves, through that API's request decoder.
// Neither may crash, hang or read out of bounds; they may only accept or reject.
#include <cstddef>
#include <cstdint>

#include "kafka/header.h"
#include "kafka/messages/all.h"
#include "kafka/schema.h"

namespace herald::kafka {
namespace {

template <typename T>
void DecodeAs(ByteView body, Version v) {
  auto decoded = Decode<T>(body, v);
  if (decoded.ok()) {
    // What decodes must encode again.
    Buffer out;
    FrameWriter w(out, nullptr);
    Write(w, *decoded, v);
  }
}

void DecodeBody(ApiKey key, ByteView body, Version v) {
  switch (key) {
    case ApiKey::kProduce: return DecodeAs<ProduceRequest>(body, v);
    case ApiKey::kFetch: return DecodeAs<FetchRequest>(body, v);
    case ApiKey::kListOffsets: return DecodeAs<ListOffsetsRequest>(body, v);
    case ApiKey::kMetadata: return DecodeAs<MetadataRequest>(body, v);
    case ApiKey::kOffsetCommit: return DecodeAs<OffsetCommitRequest>(body, v);
    case ApiKey::kOffsetFetch: return DecodeAs<OffsetFetchRequest>(body, v);
    case ApiKey::kFindCoordinator: return DecodeAs<FindCoordinatorRequest>(body, v);
    case ApiKey::kJoinGroup: return DecodeAs<JoinGroupRequest>(body, v);
    case ApiKey::kHeartbeat: return DecodeAs<HeartbeatRequest>(body, v);
    case ApiKey::kLeaveGroup: return DecodeAs<LeaveGroupRequest>(body, v);
    case ApiKey::kSyncGroup: return DecodeAs<SyncGroupRequest>(body, v);
    case ApiKey::kDescribeGroups: return DecodeAs<DescribeGroupsRequest>(body, v);
    case ApiKey::kListGroups: return DecodeAs<ListGroupsRequest>(body, v);
    case ApiKey::kApiVersions: return DecodeAs<ApiVersionsRequest>(body, v);
    case ApiKey::kCreateTopics: return DecodeAs<CreateTopicsRequest>(body, v);
    case ApiKey::kDeleteTopics: return DecodeAs<DeleteTopicsRequest>(body, v);
    case ApiKey::kDeleteRecords: return DecodeAs<DeleteRecordsRequest>(body, v);
    case ApiKey::kInitProducerId: return DecodeAs<InitProducerIdRequest>(body, v);
    case ApiKey::kOffsetForLeaderEpoch: return DecodeAs<OffsetForLeaderEpochRequest>(body, v);
    case ApiKey::kDescribeConfigs: return DecodeAs<DescribeConfigsRequest>(body, v);
    case ApiKey::kAlterConfigs: return DecodeAs<AlterConfigsRequest>(body, v);
    case ApiKey::kCreatePartitions: return DecodeAs<CreatePartitionsRequest>(body, v);
    case ApiKey::kDeleteGroups: return DecodeAs<DeleteGroupsRequest>(body, v);
    case ApiKey::kDescribeLogDirs:
      return DecodeAs<DescribeLogDirsRequest>(body, v);
    case ApiKey::kElectLeaders:
      return DecodeAs<ElectLeadersRequest>(body, v);
    case ApiKey::kIncrementalAlterConfigs:
      return DecodeAs<IncrementalAlterConfigsRequest>(body, v);
    case ApiKey::kListPartitionReassignments:
      return DecodeAs<ListPartitionReassignmentsRequest>(body, v);
    case ApiKey::kOffsetDelete:
      return DecodeAs<OffsetDeleteRequest>(body, v);
    case ApiKey::kDescribeProducers:
      return DecodeAs<DescribeProducersRequest>(body, v);
    case ApiKey::kDescribeCluster:
      return DecodeAs<DescribeClusterRequest>(body, v);
    case ApiKey::kAddPartitionsToTxn:
      return DecodeAs<AddPartitionsToTxnRequest>(body, v);
    case ApiKey::kAddOffsetsToTxn:
      return DecodeAs<AddOffsetsToTxnRequest>(body, v);
    case ApiKey::kEndTxn:
      return DecodeAs<EndTxnRequest>(body, v);
    case ApiKey::kTxnOffsetCommit:
      return DecodeAs<TxnOffsetCommitRequest>(body, v);
    case ApiKey::kDescribeTransactions:
      return DecodeAs<DescribeTransactionsRequest>(body, v);
    case ApiKey::kListTransactions:
      return DecodeAs<ListTransactionsRequest>(body, v);
    case ApiKey::kSaslHandshake:
      return DecodeAs<SaslHandshakeRequest>(body, v);
    case ApiKey::kSaslAuthenticate:
      return DecodeAs<SaslAuthenticateRequest>(body, v);
    case ApiKey::kDescribeAcls:
      return DecodeAs<DescribeAclsRequest>(body, v);
    case ApiKey::kCreateAcls:
      return DecodeAs<CreateAclsRequest>(body, v);
    case ApiKey::kDeleteAcls:
      return DecodeAs<DeleteAclsRequest>(body, v);
    case ApiKey::kDescribeUserScramCredentials:
      return DecodeAs<DescribeUserScramCredentialsRequest>(body, v);
    case ApiKey::kAlterUserScramCredentials:
      return DecodeAs<AlterUserScramCredentialsRequest>(body, v);
  }
}

}  // namespace
}  // namespace herald::kafka

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace herald::kafka;
  herald::ByteView frame(data, size);
  auto parsed = ParseRequest(frame);
  if (!parsed.ok() || parsed->api == nullptr) return 0;
  const int16_t v = parsed->header.api_version;
  if (v < parsed->api->min_version || v > parsed->api->max_version) return 0;
  DecodeBody(parsed->api->key, frame.subspan(parsed->body_offset), Version{v, parsed->flexible});
  return 0;
}
