// ApiVersions, Metadata and DescribeCluster: what a client asks first.
//
// Authorization, as Kafka's (KafkaApis.handleTopicMetadataRequest, AuthHelper): Metadata lists
// only the topics the principal may DESCRIBE; a topic asked for without DESCRIBE is answered
// TOPIC_AUTHORIZATION_FAILED, whether or not it exists, and is not created; auto-creating a topic
// needs CREATE on the cluster or on the topic, else TOPIC_AUTHORIZATION_FAILED. DescribeCluster
// needs nothing. Authorized operations, when asked for, are those the principal may do (cluster
// ones: none without DESCRIBE on the cluster); without an authorizer, every one.
#include <algorithm>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "base/log.h"
#include "kafka/handler_list.h"
#include "kafka/handlers.h"
#include "kafka/messages/api_versions.h"
#include "kafka/messages/describe_cluster.h"
#include "kafka/messages/metadata.h"

namespace herald::kafka::handlers {
namespace {

using broker::AclOperation;
using broker::ResourceType;

// Kafka's rule for client software names and versions: [a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?
bool ValidSoftwareField(const std::string& s) {
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  if (s.empty() || !alnum(s.front()) || !alnum(s.back())) return false;
  for (char c : s) {
    if (!alnum(c) && c != '-' && c != '.') return false;
  }
  return true;
}

// The bit field of the operations among `supported` (those of the resource's type) the principal
// may do on the resource, as Kafka's AuthHelper.authorizedOperations.
int32_t AuthorizedOperations(const broker::Broker& broker, const RequestContext& ctx,
                             int32_t supported, ResourceType type, std::string_view name) {
  int32_t allowed = 0;
  for (int code = 0; code < 31; ++code) {
    const int32_t bit = int32_t{1} << code;
    if ((supported & bit) != 0 &&
        Authorized(broker, ctx, static_cast<AclOperation>(code), type, name, kQuiet)) {
      allowed |= bit;
    }
  }
  return allowed;
}

// As Kafka answers cluster_authorized_operations: none without DESCRIBE on the cluster.
int32_t ClusterOperations(const broker::Broker& broker, const RequestContext& ctx) {
  if (!AuthorizedOnCluster(broker, ctx, AclOperation::kDescribe, kQuiet)) return 0;
  return AuthorizedOperations(broker, ctx, kClusterOperations, ResourceType::kCluster,
                              broker::kClusterResourceName);
}

}  // namespace

void ApiVersions(broker::Broker&, RequestContext ctx, Respond done) {
  const ApiInfo& self = *FindApi(static_cast<int16_t>(ApiKey::kApiVersions));
  const int16_t version = ctx.request.header.api_version;
  ApiVersionsResponse response;
  if (version < self.min_version || version > self.max_version) {
    // KIP-511: an unknown version gets a v0 body with UNSUPPORTED_VERSION and our own range, so
    // the client can retry at a version we speak.
    response.error_code = Code(ErrorCode::kUnsupportedVersion);
    response.api_keys.push_back({static_cast<int16_t>(self.key), self.min_version,
                                 self.max_version});
    done(EncodeResponse(response, Version{0, false}));
    return;
  }
  auto request = DecodeRequest<ApiVersionsRequest>(ctx.body, ctx.version());
  if (!request.ok()) return RejectMalformed(ctx, request.status(), done);
  if (version >= 3 && (!ValidSoftwareField(request->client_software_name) ||
                       !ValidSoftwareField(request->client_software_version))) {
    response.error_code = Code(ErrorCode::kInvalidRequest);
  }
  for (const auto& api : kApis) {
    response.api_keys.push_back({static_cast<int16_t>(api.key), api.min_version, api.max_version});
  }
  done(EncodeResponse(response, ctx.version()));
}

void Metadata(broker::Broker& broker, RequestContext ctx, Respond done) {
  auto request = DecodeRequest<MetadataRequest>(ctx.body, ctx.version());
  if (!request.ok()) return RejectMalformed(ctx, request.status(), done);
  const int16_t version = ctx.request.header.api_version;
  const auto& options = broker.options();

  MetadataResponse response;
  const auto [host, port] = AdvertisedEndpoint(broker, ctx);
  response.brokers.push_back({options.node_id, host, port, std::nullopt});
  response.cluster_id = broker.cluster_id();
  response.controller_id = options.node_id;

  // v0: an empty list means every topic; v1+: null means every topic, empty means none. v12
  // names topics by id: an unknown id is answered UNKNOWN_TOPIC_ID without a name. Before v12,
  // an id is INVALID_REQUEST for every topic asked for, as Kafka answers it.
  auto refuse = [&](ErrorCode e, const MetadataRequestTopic& asked) {
    MetadataResponseTopic topic;
    topic.error_code = Code(e);
    topic.name = asked.name;
    topic.topic_id = asked.topic_id;
    response.topics.push_back(std::move(topic));
  };
  auto by_name = [](const MetadataRequestTopic& t) { return t.topic_id == Uuid{} && t.name; };
  if (version < 12 && request->topics && !std::ranges::all_of(*request->topics, by_name)) {
    for (const auto& asked : *request->topics) refuse(ErrorCode::kInvalidRequest, asked);
    return done(EncodeResponse(response, ctx.version()));
  }
  std::vector<std::string> names;
  std::set<std::string> by_id;  // found by id: never auto-created if deleted meanwhile
  bool all = !request->topics || (version == 0 && request->topics->empty());
  auto describable = [&](const std::string& name) {
    return AuthorizedOnTopic(broker, ctx, AclOperation::kDescribe, name);
  };
  if (all) {
    for (const auto& t : broker.ListTopics()) {
      if (AuthorizedOnTopic(broker, ctx, AclOperation::kDescribe, t.name, kQuiet)) {
        names.push_back(t.name);
      }
    }
  } else {
    for (const auto& t : *request->topics) {
      if (by_name(t)) {
        if (!describable(*t.name)) {  // without its id: nothing tells whether it exists
          refuse(ErrorCode::kTopicAuthorizationFailed, t);
          continue;
        }
        names.push_back(*t.name);
      } else if (auto name = broker.TopicName(t.topic_id); name.ok()) {
        if (!describable(*name)) {  // an id is not secret: answered with it, without the name
          refuse(ErrorCode::kTopicAuthorizationFailed, {t.topic_id, std::nullopt});
          continue;
        }
        names.push_back(*name);
        by_id.insert(*name);
      } else {
        // Neither a name nor an id is INVALID_REQUEST; the name of an unknown id is null.
        refuse(t.topic_id == Uuid{} ? ErrorCode::kInvalidRequest : ErrorCode::kUnknownTopicId,
               {t.topic_id, std::nullopt});
      }
    }
  }
  // AllowAutoTopicCreation exists from v4; before it, asking for a topic may create it.
  const bool may_create = !all && (version < 4 || request->allow_auto_topic_creation);
  if (request->include_cluster_authorized_operations) {
    response.cluster_authorized_operations = ClusterOperations(broker, ctx);
  }

  std::set<std::pair<std::string, int32_t>> offline;
  for (const auto& o : broker.OfflinePartitions()) offline.insert({o.topic, o.partition});

  for (const auto& name : names) {
    MetadataResponseTopic topic;
    topic.name = name;
    topic.is_internal = name.starts_with("__");
    const bool create = may_create && !by_id.contains(name);
    if (create && options.auto_create_topics && !broker.HasTopic(name) &&
        !AuthorizedOnCluster(broker, ctx, AclOperation::kCreate, kQuiet) &&
        !AuthorizedOnTopic(broker, ctx, AclOperation::kCreate, name)) {
      topic.error_code = Code(ErrorCode::kTopicAuthorizationFailed);  // may not auto-create it
      response.topics.push_back(std::move(topic));
      continue;
    }
    if (request->include_topic_authorized_operations) {
      topic.topic_authorized_operations =
          AuthorizedOperations(broker, ctx, kTopicOperations, ResourceType::kTopic, name);
    }
    auto ensured = broker.EnsureTopic(name, create);
    if (!ensured.ok()) {
      topic.error_code = Code(ensured.status().code() == StatusCode::kInvalidArgument
                                  ? ErrorCode::kInvalidTopicException
                                  : ErrorCode::kUnknownTopicOrPartition);
    } else if (*ensured) {
      // Just created: Kafka answers LEADER_NOT_AVAILABLE first and clients retry.
      topic.error_code = Code(ErrorCode::kLeaderNotAvailable);
    } else if (auto info = broker.DescribeTopic(name); info.ok()) {
      topic.topic_id = info->id;
      for (int32_t p = 0; p < info->partitions; ++p) {
        MetadataResponsePartition partition;
        partition.partition_index = p;
        partition.leader_id = options.node_id;
        partition.leader_epoch = kLeaderEpoch;
        partition.replica_nodes = {options.node_id};
        partition.isr_nodes = {options.node_id};
        if (offline.contains({name, p})) {
          // As Kafka answers for a partition whose only replica's log directory is offline: no
          // leader, the replica listed offline. Clients wait for a leader instead of sending.
          partition.error_code = Code(ErrorCode::kLeaderNotAvailable);
          partition.leader_id = -1;
          partition.isr_nodes.clear();
          partition.offline_replicas = {options.node_id};
        }
        topic.partitions.push_back(std::move(partition));
      }
    } else {
      topic.error_code = Code(ErrorCode::kUnknownTopicOrPartition);  // deleted meanwhile
    }
    response.topics.push_back(std::move(topic));
  }
  done(EncodeResponse(response, ctx.version()));
}

// The node as the only broker and the controller, as Metadata describes it. A request for a
// controller's endpoint (v1's endpoint type 2) is MISMATCHED_ENDPOINT_TYPE and any other type
// UNSUPPORTED_ENDPOINT_TYPE, as a Kafka broker answers them. As Kafka's, it needs no permission;
// authorized operations, when asked for, are those of the principal on the cluster.
void DescribeCluster(broker::Broker& broker, RequestContext ctx, Respond done) {
  auto request = DecodeRequest<DescribeClusterRequest>(ctx.body, ctx.version());
  if (!request.ok()) return RejectMalformed(ctx, request.status(), done);
  DescribeClusterResponse response;
  if (request->endpoint_type != kBrokerEndpointType) {
    const bool controller = request->endpoint_type == kControllerEndpointType;
    response.error_code =
        Code(controller ? ErrorCode::kMismatchedEndpointType : ErrorCode::kUnsupportedEndpointType);
    response.error_message =
        controller ? "the request was sent to a broker's endpoint" : "unknown endpoint type";
    response.endpoint_type = request->endpoint_type;
    return done(EncodeResponse(response, ctx.version()));
  }
  const auto& options = broker.options();
  response.cluster_id = broker.cluster_id();
  response.controller_id = options.node_id;
  const auto [host, port] = AdvertisedEndpoint(broker, ctx);
  response.brokers.push_back({options.node_id, host, port, std::nullopt});
  if (request->include_cluster_authorized_operations) {
    response.cluster_authorized_operations = ClusterOperations(broker, ctx);
  }
  done(EncodeResponse(response, ctx.version()));
}

}  // namespace herald::kafka::handlers
