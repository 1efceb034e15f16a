// Topic administration: CreateTopics, DeleteTopics, CreatePartitions, DescribeConfigs,
// AlterConfigs, IncrementalAlterConfigs, DeleteRecords. Each first makes the authorization checks
// Kafka makes (KafkaApis, and ControllerApis for the topic APIs a KRaft broker forwards), with its
// errors, before anything is looked up or changed.
#include <charconv>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/ranges.h>

#include "base/log.h"
#include "broker/config_synonyms.h"
#include "kafka/handler_list.h"
#include "kafka/handlers.h"
#include "kafka/messages/alter_configs.h"
#include "kafka/messages/create_partitions.h"
#include "kafka/messages/create_topics.h"
#include "kafka/messages/delete_records.h"
#include "kafka/messages/delete_topics.h"
#include "kafka/messages/describe_configs.h"
#include "kafka/messages/incremental_alter_configs.h"

namespace herald::kafka::handlers {

namespace {

// Runs `handle(ctx, done)` on the broker's admin thread; an exception closes the connection.
template <typename Handle>
void RunOnAdminThread(broker::Broker& broker, RequestContext ctx, Respond done, Handle handle) {
  broker.RunAdmin([ctx = std::move(ctx), done = std::move(done), handle]() mutable {
    const RequestContext kept = ctx;  // for the answer if the handler throws
    Respond answer = done;
    try {
      handle(std::move(ctx), std::move(done));
    } catch (const std::exception& e) {
      RejectMalformed(kept, Internal("{}", e.what()), answer);
    }
  });
}

}  // namespace

void OnAdminThread(broker::Broker& broker, RequestContext ctx, Respond done,
                   void (*handler)(broker::Broker&, RequestContext, Respond)) {
  RunOnAdminThread(broker, std::move(ctx), std::move(done),
                   [&broker, handler](RequestContext c, Respond d) {
                     handler(broker, std::move(c), std::move(d));
                   });
}

void OnAdminThread(Services& services, RequestContext ctx, Respond done, ServiceHandler handler) {
  RunOnAdminThread(services.broker, std::move(ctx), std::move(done),
                   [services, handler](RequestContext c, Respond d) mutable {
                     handler(services, std::move(c), std::move(d));
                   });
}

namespace {

using broker::AclOperation;

// Every config of a topic as DescribeConfigs answers it: an override as it was set ("delete,
// compact" stays so), its source (the first synonym's, as Kafka reports it: the override, a
// server.properties setting, or a default), the synonyms and documentation when asked, the type.
std::vector<DescribeConfigsResponseConfig> TopicConfigs(const broker::Broker& broker,
                                                        const storage::TopicInfo& info,
                                                        bool with_synonyms,
                                                        bool with_documentation) {
  std::vector<DescribeConfigsResponseConfig> out;
  for (const auto& [key, value] : info.config.ToMap()) {
    DescribeConfigsResponseConfig c;
    c.name = key;
    std::optional<std::string> override_value;
    if (auto set = info.overrides.find(key); set != info.overrides.end()) {
      override_value = set->second;
    }
    c.value = override_value.value_or(value);
    const std::vector<broker::ConfigSynonym> synonyms =
        broker::TopicConfigSynonyms(key, override_value, broker.options().topic_default_settings);
    const broker::ConfigSource source =
        synonyms.empty() ? broker::ConfigSource::kDefault : synonyms.front().source;
    c.config_source = static_cast<int8_t>(source);
    c.is_default = source == broker::ConfigSource::kDefault;
    if (with_synonyms) {
      for (const auto& s : synonyms) {
        c.synonyms.push_back({s.name, s.value, static_cast<int8_t>(s.source)});
      }
    }
    const storage::ConfigDoc doc = storage::DescribeTopicConfig(key);
    c.config_type = static_cast<int8_t>(doc.type);
    if (with_documentation) c.documentation = std::string(doc.documentation);
    out.push_back(std::move(c));
  }
  return out;
}

// The broker's settings as DescribeConfigs answers them for its id. None can be changed while it
// runs, so each is read-only.
std::vector<DescribeConfigsResponseConfig> BrokerConfigs(const broker::Broker& broker,
                                                         bool with_synonyms,
                                                         bool with_documentation) {
  const broker::BrokerOptions& o = broker.options();
  std::vector<DescribeConfigsResponseConfig> out;
  for (auto& b : broker::BrokerConfigs(o.node_id, o.settings, o.topic_default_settings)) {
    DescribeConfigsResponseConfig c;
    c.name = std::move(b.name);
    c.value = std::move(b.value);
    c.read_only = true;
    c.config_source = static_cast<int8_t>(b.source);
    c.is_default = b.source == broker::ConfigSource::kDefault;
    if (with_synonyms) {
      for (auto& s : b.synonyms) {
        c.synonyms.push_back({std::move(s.name), std::move(s.value), static_cast<int8_t>(s.source)});
      }
    }
    c.config_type = static_cast<int8_t>(b.type);
    if (with_documentation) c.documentation = std::move(b.documentation);
    out.push_back(std::move(c));
  }
  return out;
}

// A broker resource names this broker's id or, for the cluster's defaults, nothing; Kafka's
// messages otherwise.
Status CheckBrokerName(const broker::Broker& broker, const std::string& name) {
  if (name.empty()) return Status::Ok();
  std::string_view digits = name;
  // As Java's Integer.parseInt: an optional sign, then digits only.
  if (digits.size() > 1 && digits.front() == '+' && digits[1] != '-') digits.remove_prefix(1);
  int32_t id = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size()) {
    return InvalidArgument("Broker id must be an integer, but it is: {}", name);
  }
  if (id != broker.options().node_id) {
    return InvalidArgument("Unexpected broker id, expected {} or empty string, but received {}",
                           broker.options().node_id, name);
  }
  return Status::Ok();
}

// A broker resource in AlterConfigs or IncrementalAlterConfigs: a Herald broker's settings are
// fixed while it runs, so any change is refused as Kafka refuses a setting it cannot update
// dynamically; an empty change is accepted.
broker::TopicError ChangeBrokerConfigs(const broker::Broker& broker, const std::string& name,
                                       const std::vector<std::string>& configs) {
  if (Status named = CheckBrokerName(broker, name); !named.ok()) {
    return {ErrorCode::kInvalidRequest, named.message()};
  }
  if (configs.empty()) return {};
  return {
      ErrorCode::kInvalidRequest,
      fmt::format("Cannot update these configs dynamically: Set({})", fmt::join(configs, ", "))};
}

// As Kafka (ControllerApis.createTopics): CREATE on the cluster or on the topic, else
// TOPIC_AUTHORIZATION_FAILED; a topic made is described (v5+: partitions, replication factor,
// configs) only with DESCRIBE_CONFIGS on it.
void CreateTopicsNow(broker::Broker& broker, RequestContext ctx, Respond done) {
  auto request = DecodeRequest<CreateTopicsRequest>(ctx.body, ctx.version());
  if (!request.ok()) return RejectMalformed(ctx, request.status(), done);
  const bool create_any = AuthorizedOnCluster(broker, ctx, AclOperation::kCreate, kQuiet);
  CreateTopicsResponse response;
  for (const auto& t : request->topics) {
    CreateTopicsResponseTopic out;
    out.name = t.name;
    int32_t partitions = t.num_partitions;
    if (!t.assignments.empty()) partitions = static_cast<int32_t>(t.assignments.size());
    if (partitions == -1) partitions = broker.options().num_partitions;
    std::map<std::string, std::string> configs;
    for (const auto& c : t.configs) {
      if (c.value) configs[c.name] = *c.value;
    }
    broker::TopicError error;
    if (!create_any && !AuthorizedOnTopic(broker, ctx, AclOperation::kCreate, t.name)) {
      error = {ErrorCode::kTopicAuthorizationFailed, "Authorization failed."};
    } else if (t.replication_factor == 0 || t.replication_factor < -1) {
      error = {ErrorCode::kInvalidReplicationFactor, "Replication factor must be larger than 0."};
    } else {
      // One node: any replication factor is served as 1.
      error = broker.CreateTopic(t.name, partitions, configs, request->validate_only);
    }
    if (!error.ok()) {
      out.error_code = Code(error.code);
      out.error_message = std::move(error.message);
    } else if (ctx.request.header.api_version >= 5) {
      // v5+ describes the topic made (or, validating only, the one that would be).
      auto made = [&]() -> Result<storage::TopicInfo> {
        if (!request->validate_only) return broker.DescribeTopic(t.name);
        HERALD_ASSIGN_OR_RETURN(auto config, broker.ConfigWith(configs));
        return storage::TopicInfo{t.name, Uuid{}, partitions, configs, std::move(config)};
      };
      if (auto info = made(); info.ok()) {
        out.topic_id = info->id;
        if (AuthorizedOnTopic(broker, ctx, AclOperation::kDescribeConfigs, t.name, kQuiet)) {
          out.num_partitions = info->partitions;
          out.replication_factor = 1;
          out.configs.emplace();
          for (auto& c : TopicConfigs(broker, *info, /*with_synonyms=*/false,
                                      /*with_documentation=*/false)) {
            out.configs->push_back({std::move(c.name), std::move(c.value), c.read_only,
                                    c.config_source, c.is_sensitive});
          }
        }
      }
    }
    response.topics.push_back(std::move(out));
  }
  done(EncodeResponse(response, ctx.version()));
}

}  // namespace

void CreateTopics(broker::Broker& broker, RequestContext ctx, Respond done) {
  OnAdminThread(broker, std::move(ctx), std::move(done), CreateTopicsNow);
}

namespace {

// v6 names each topic by name or by id (both, neither, or one named twice: INVALID_REQUEST); an
// id no topic has is UNKNOWN_TOPIC_ID. The answer carries the name and the id of each topic found.
// As Kafka (ControllerApis.deleteTopics): DELETE on the cluster or on the topic, checked before a
// name is looked up, else TOPIC_AUTHORIZATION_FAILED (without the topic's id); a topic named by an
// id is refused without its name too unless the principal may DESCRIBE it.
void DeleteTopicsNow(broker::Broker& broker, RequestContext ctx, Respond done) {
  auto request = DecodeRequest<DeleteTopicsRequest>(ctx.body, ctx.version());
  if (!request.ok()) return RejectMalformed(ctx, request.status(), done);
  const bool delete_any = AuthorizedOnCluster(broker, ctx, AclOperation::kDelete, kQuiet);
  auto may = [&](AclOperation op, const std::string& name,
                 broker::OnDenial on_denial = broker::OnDenial::kAudit) {
    return delete_any || AuthorizedOnTopic(broker, ctx, op, name, on_denial);
  };
  const broker::TopicError refused{ErrorCode::kTopicAuthorizationFailed,
                                   "Topic authorization failed."};
  if (ctx.request.header.api_version < 6) {
    for (auto& name : request->topic_names) request->topics.push_back({std::move(name), Uuid{}});
  }
  // A name or an id named twice is refused on every entry that names it, as Kafka refuses it.
  std::map<std::string, int> names;
  std::map<Uuid, int> ids;
  for (const auto& t : request->topics) {
    if (t.name) ++names[*t.name];
    if (t.topic_id != Uuid{}) ++ids[t.topic_id];
  }
  DeleteTopicsResponse response;
  for (const auto& t : request->topics) {
    DeleteTopicsResponseTopic out;
    out.name = t.name;
    out.topic_id = t.topic_id;
    broker::TopicError error;
    if (t.name && t.topic_id != Uuid{}) {
      error = {ErrorCode::kInvalidRequest, "You may not specify both topic name and topic id."};
    } else if (!t.name && t.topic_id == Uuid{}) {
      error = {ErrorCode::kInvalidRequest, "Neither topic name nor id were specified."};
    } else if (t.name && names[*t.name] > 1) {
      error = {ErrorCode::kInvalidRequest, "Duplicate topic name."};
    } else if (!t.name && ids[t.topic_id] > 1) {
      error = {ErrorCode::kInvalidRequest, "Duplicate topic ID."};
    } else if (!t.name) {
      if (auto name = broker.TopicName(t.topic_id); name.ok()) {
        out.name = std::move(name).value();
        if (!may(AclOperation::kDelete, *out.name)) {
          if (!may(AclOperation::kDescribe, *out.name, kQuiet)) out.name = std::nullopt;
          error = refused;
        }
      } else {
        error = {ErrorCode::kUnknownTopicId, name.status().message()};
      }
    } else if (!may(AclOperation::kDelete, *t.name)) {
      error = refused;
    } else if (auto info = broker.DescribeTopic(*t.name); info.ok()) {
      out.topic_id = info->id;
    }
    if (error.ok()) error = broker.DeleteTopic(*out.name);
    if (!error.ok()) {
      out.error_code = Code(error.code);
      out.error_message = std::move(error.message);
    }
    response.responses.push_back(std::move(out));
  }
  done(EncodeResponse(response, ctx.version()));
}

}  // namespace

void DeleteTopics(broker::Broker& broker, RequestContext ctx, Respond done) {
  OnAdminThread(broker, std::move(ctx), std::move(done), DeleteTopicsNow);
}

}  // namespace herald::kafka::handlers

namespace herald::kafka::handlers {
namespace {

constexpr int8_t kTopicResource = 2;
constexpr int8_t kBrokerResource = 4;

// Whether the principal may `op` (DESCRIBE_CONFIGS, ALTER_CONFIGS) a config resource, as Kafka
// checks it before anything else: a topic's on the topic (else TOPIC_AUTHORIZATION_FAILED), the
// broker's on the cluster (else CLUSTER_AUTHORIZATION_FAILED). Another type passes, to be refused
// as such.
broker::TopicError ConfigAccess(const broker::Broker& broker, const RequestContext& ctx,
                                AclOperation op, int8_t type, const std::string& name) {
  if (type == kTopicResource && !AuthorizedOnTopic(broker, ctx, op, name)) {
    return {ErrorCode::kTopicAuthorizationFailed, "Topic authorization failed."};
  }
  if (type == kBrokerResource && !AuthorizedOnCluster(broker, ctx, op)) {
    return {ErrorCode::kClusterAuthorizationFailed, "Cluster authorization failed."};
  }
  return {};
}

}  // namespace

namespace {

// As Kafka (ControllerApis.createPartitions): ALTER on the topic, else TOPIC_AUTHORIZATION_FAILED.
void CreatePartitionsNow(broker::Broker& broker, RequestContext ctx, Respond done) {
  auto request = DecodeRequest<CreatePartitionsRequest>(ctx.body, ctx.version());
  if (!request.ok()) return RejectMalformed(ctx, request.status(), done);
  CreatePartitionsResponse response;
  for (const auto& t : request->topics) {
    CreatePartitionsResponseResult out;
    out.name = t.name;
    broker::TopicError error =
        AuthorizedOnTopic(broker, ctx, AclOperation::kAlter, t.name)
            ? broker.CreatePartitions(t.name, t.count, request->validate_only)
            : broker::TopicError{ErrorCode::kTopicAuthorizationFailed,
                                 "Topic authorization failed."};
    if (!error.ok()) {
      out.error_code = Code(error.code);
      out.error_message = std::move(error.message);
    }
    response.results.push_back(std::move(out));
  }
  done(EncodeResponse(response, ctx.version()));
}

}  // namespace

void CreatePartitions(broker::Broker& broker, RequestContext ctx, Respond done) {
  OnAdminThread(broker, std::move(ctx), std::move(done), CreatePartitionsNow);
}

// As KafkaApis.handleDescribeConfigsRequest: DESCRIBE_CONFIGS on the topic, or on the cluster for
// the broker (ConfigAccess).
void DescribeConfigs(broker::Broker& broker, RequestContext ctx, Respond done) {
  auto request = DecodeRequest<DescribeConfigsRequest>(ctx.body, ctx.version());
  if (!request.ok()) return RejectMalformed(ctx, request.status(), done);
  const bool v0 = ctx.request.header.api_version == 0;
  DescribeConfigsResponse response;
  for (const auto& resource : request->resources) {
    DescribeConfigsResponseResult out;
    out.resource_type = resource.resource_type;
    out.resource_name = resource.resource_name;
    auto wanted = [&](const std::string& key) {
      if (!resource.configuration_keys || resource.configuration_keys->empty()) return true;
      for (const auto& k : *resource.configuration_keys) {
        if (k == key) return true;
      }
      return false;
    };
    if (broker::TopicError refused =
            ConfigAccess(broker, ctx, AclOperation::kDescribeConfigs, resource.resource_type,
                         resource.resource_name);
        !refused.ok()) {
      out.error_code = Code(refused.code);
      out.error_message = std::move(refused.message);
    } else if (resource.resource_type == kTopicResource) {
      auto info = broker.DescribeTopic(resource.resource_name);
      if (!info.ok()) {
        out.error_code = Code(ErrorCode::kUnknownTopicOrPartition);
        out.error_message = info.status().message();
      } else {
        for (auto& c : TopicConfigs(broker, *info, request->include_synonyms,
                                    request->include_documentation)) {
          if (!wanted(c.name)) continue;
          if (v0) c.config_source = -1;
          out.configs.push_back(std::move(c));
        }
      }
    } else if (resource.resource_type == kBrokerResource) {
      if (Status named = CheckBrokerName(broker, resource.resource_name); !named.ok()) {
        out.error_code = Code(ErrorCode::kInvalidRequest);
        out.error_message = named.message();
      } else if (!resource.resource_name.empty()) {
        for (auto& c : BrokerConfigs(broker, request->include_synonyms,
                                     request->include_documentation)) {
          if (!wanted(c.name)) continue;
          if (v0) c.config_source = -1;
          out.configs.push_back(std::move(c));
        }
      }
      // The cluster's defaults (an empty name) are the dynamic ones, which Herald has none of.
    } else {
      out.error_code = Code(ErrorCode::kInvalidRequest);
      out.error_message = fmt::format("resource type {} is not supported", resource.resource_type);
    }
    response.results.push_back(std::move(out));
  }
  done(EncodeResponse(response, ctx.version()));
}

namespace {

// ALTER_CONFIGS on the topic, or on the cluster for the broker (ConfigAccess), as
// KafkaApis.handleAlterConfigsRequest.
void AlterConfigsNow(broker::Broker& broker, RequestContext ctx, Respond done) {
  auto request = DecodeRequest<AlterConfigsRequest>(ctx.body, ctx.version());
  if (!request.ok()) return RejectMalformed(ctx, request.status(), done);
  AlterConfigsResponse response;
  for (const auto& resource : request->resources) {
    AlterConfigsResponseResource out;
    out.resource_type = resource.resource_type;
    out.resource_name = resource.resource_name;
    if (broker::TopicError refused =
            ConfigAccess(broker, ctx, AclOperation::kAlterConfigs, resource.resource_type,
                         resource.resource_name);
        !refused.ok()) {
      out.error_code = Code(refused.code);
      out.error_message = std::move(refused.message);
    } else if (resource.resource_type == kBrokerResource) {
      std::vector<std::string> names;
      for (const auto& c : resource.configs) names.push_back(c.name);
      broker::TopicError error = ChangeBrokerConfigs(broker, resource.resource_name, names);
      if (!error.ok()) {
        out.error_code = Code(error.code);
        out.error_message = std::move(error.message);
      }
    } else if (resource.resource_type != kTopicResource) {
      out.error_code = Code(ErrorCode::kInvalidRequest);
      out.error_message = "only topic and broker configs can be altered";
    } else {
      // AlterConfigs replaces the topic's whole set of overrides.
      std::map<std::string, std::string> overrides;
      for (const auto& c : resource.configs) {
        if (c.value) overrides[c.name] = *c.value;
      }
      broker::TopicError error =
          broker.AlterTopicConfig(resource.resource_name, overrides, request->validate_only);
      if (!error.ok()) {
        out.error_code = Code(error.code);
        out.error_message = std::move(error.message);
      }
    }
    response.responses.push_back(std::move(out));
  }
  done(EncodeResponse(response, ctx.version()));
}

// As AlterConfigs, but each config is set, deleted, appended to or subtracted from, and the
// topic's other overrides stay (Broker::UpdateTopicConfig). An operation Kafka does not define is
// INVALID_REQUEST for its resource. Authorized as AlterConfigs, after the duplicates are refused
// (KafkaApis.handleIncrementalAlterConfigsRequest).
void IncrementalAlterConfigsNow(broker::Broker& broker, RequestContext ctx, Respond done) {
  auto request = DecodeRequest<IncrementalAlterConfigsRequest>(ctx.body, ctx.version());
  if (!request.ok()) return RejectMalformed(ctx, request.status(), done);
  IncrementalAlterConfigsResponse response;
  // As Kafka: a resource named more than once is refused, every time it appears.
  std::map<std::pair<int8_t, std::string>, int> seen;
  for (const auto& resource : request->resources) {
    ++seen[{resource.resource_type, resource.resource_name}];
  }
  for (const auto& resource : request->resources) {
    IncrementalAlterConfigsResponseResource& out = response.responses.emplace_back();
    out.resource_type = resource.resource_type;
    out.resource_name = resource.resource_name;
    broker::TopicError error;
    if (seen[{resource.resource_type, resource.resource_name}] > 1) {
      error = {ErrorCode::kInvalidRequest, "each resource may appear only once"};
    } else if (broker::TopicError refused =
                   ConfigAccess(broker, ctx, AclOperation::kAlterConfigs, resource.resource_type,
                                resource.resource_name);
               !refused.ok()) {
      error = std::move(refused);
    } else if (resource.resource_type == kBrokerResource) {
      std::vector<std::string> names;
      for (const auto& c : resource.configs) names.push_back(c.name);
      error = ChangeBrokerConfigs(broker, resource.resource_name, names);
    } else if (resource.resource_type != kTopicResource) {
      error = {ErrorCode::kInvalidRequest, "only topic and broker configs can be altered"};
    } else {
      std::vector<broker::ConfigChange> changes;
      for (const auto& c : resource.configs) {
        if (c.config_operation < 0 || c.config_operation > 3) {
          error = {ErrorCode::kInvalidRequest,
                   fmt::format("config '{}': unknown operation {}", c.name, c.config_operation)};
          break;
        }
        changes.push_back(
            {c.name, static_cast<broker::ConfigChange::Op>(c.config_operation), c.value});
      }
      if (error.ok()) {
        error = broker.UpdateTopicConfig(resource.resource_name, changes, request->validate_only);
      }
    }
    if (!error.ok()) {
      out.error_code = Code(error.code);
      out.error_message = std::move(error.message);
    }
  }
  done(EncodeResponse(response, ctx.version()));
}

// DeleteRecords syncs the new log start to disk. As KafkaApis.handleDeleteRecordsRequest, DELETE
// on the topic is checked before its partitions are looked up: else TOPIC_AUTHORIZATION_FAILED.
void DeleteRecordsNow(broker::Broker& broker, RequestContext ctx, Respond done) {
  auto request = DecodeRequest<DeleteRecordsRequest>(ctx.body, ctx.version());
  if (!request.ok()) return RejectMalformed(ctx, request.status(), done);
  DeleteRecordsResponse response;
  for (const auto& t : request->topics) {
    DeleteRecordsResponseTopic topic{t.name, {}};
    const bool deletable = AuthorizedOnTopic(broker, ctx, AclOperation::kDelete, t.name);
    for (const auto& p : t.partitions) {
      DeleteRecordsResponsePartition out;
      out.partition_index = p.partition_index;
      out.low_watermark = -1;
      if (!deletable) {
        out.error_code = Code(ErrorCode::kTopicAuthorizationFailed);
        topic.partitions.push_back(std::move(out));
        continue;
      }
      auto log = broker.GetLog(t.name, p.partition_index);
      if (!log.ok()) {
        out.error_code = Code(ErrorFor(log.status()));  // unknown, or offline
      } else if (broker::Broker::IsInternalTopic(t.name)) {
        out.error_code = Code(ErrorCode::kTopicAuthorizationFailed);
      } else if (!(*log)->config().cleanup_delete) {
        // As Kafka: records of a topic whose cleanup.policy lacks "delete" stay.
        out.error_code = Code(ErrorCode::kPolicyViolation);
      } else if (p.offset < -1) {
        out.error_code = Code(ErrorCode::kOffsetOutOfRange);
      } else {
        int64_t before = p.offset == -1 ? (*log)->end_offset() : p.offset;
        Status s = (*log)->DeleteRecordsBefore(before);
        if (!s.ok()) {
          out.error_code = Code(ErrorFor(s));
        } else {
          out.low_watermark = (*log)->log_start_offset();
        }
      }
      topic.partitions.push_back(std::move(out));
    }
    response.topics.push_back(std::move(topic));
  }
  done(EncodeResponse(response, ctx.version()));
}

}  // namespace

void AlterConfigs(broker::Broker& broker, RequestContext ctx, Respond done) {
  OnAdminThread(broker, std::move(ctx), std::move(done), AlterConfigsNow);
}

void IncrementalAlterConfigs(broker::Broker& broker, RequestContext ctx, Respond done) {
  OnAdminThread(broker, std::move(ctx), std::move(done), IncrementalAlterConfigsNow);
}

void DeleteRecords(broker::Broker& broker, RequestContext ctx, Respond done) {
  OnAdminThread(broker, std::move(ctx), std::move(done), DeleteRecordsNow);
}

}  // namespace herald::kafka::handlers
