// Admin: topics (create, delete, add partitions, configs, delete records) and consumer groups
// (list, describe, committed offsets, delete), each call one RunAdminOp (client/rdkafka_util.h).
#include "client/kafka_client.h"

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "client/rdkafka_util.h"

namespace herald::client {

namespace {

// The first failed topic result, as a Status.
Status TopicResultsStatus(const rd_kafka_topic_result_t** results, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    rd_kafka_resp_err_t err = rd_kafka_topic_result_error(results[i]);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* text = rd_kafka_topic_result_error_string(results[i]);
      return KafkaStatus(err, fmt::format("topic '{}'", rd_kafka_topic_result_name(results[i])),
                         text != nullptr ? text : "");
    }
  }
  return Status::Ok();
}

Status GroupResultsStatus(const rd_kafka_group_result_t** results, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    const std::string context = fmt::format("group '{}'", rd_kafka_group_result_name(results[i]));
    HERALD_RETURN_IF_ERROR(KafkaStatus(rd_kafka_group_result_error(results[i]), context));
    for (const auto& tp : FromPartitionList(rd_kafka_group_result_partitions(results[i]))) {
      if (!tp.status.ok()) return tp.status.WithContext(context);
    }
  }
  return Status::Ok();
}

struct ConfigResourceDeleter {
  void operator()(rd_kafka_ConfigResource_t* r) const { rd_kafka_ConfigResource_destroy(r); }
};
using ConfigResourcePtr = std::unique_ptr<rd_kafka_ConfigResource_t, ConfigResourceDeleter>;

std::string StateName(rd_kafka_consumer_group_state_t state) {
  return rd_kafka_consumer_group_state_name(state);
}

}  // namespace

Result<Admin> Admin::Create(const ClientOptions& options) {
  HERALD_ASSIGN_OR_RETURN(auto client, Client::Internals::Create(RD_KAFKA_PRODUCER, options));
  return Admin(std::move(client));
}

Status Admin::CreateTopic(const NewTopic& topic) {
  char err[512];
  std::unique_ptr<rd_kafka_NewTopic_t, Deleter<rd_kafka_NewTopic_destroy>> nt(rd_kafka_NewTopic_new(
      topic.name.c_str(), topic.partitions, topic.replication_factor, err, sizeof(err)));
  if (!nt) return InvalidArgument("topic '{}': {}", topic.name, err);
  for (const auto& [key, value] : topic.configs) {
    HERALD_RETURN_IF_ERROR(
        KafkaStatus(rd_kafka_NewTopic_set_config(nt.get(), key.c_str(), value.c_str()),
                    fmt::format("topic '{}' config {}", topic.name, key)));
  }
  rd_kafka_NewTopic_t* array[] = {nt.get()};
  HERALD_ASSIGN_OR_RETURN(EventPtr event,
                          RunAdminOp(*client_, RD_KAFKA_ADMIN_OP_CREATETOPICS,
                                     fmt::format("creating topic '{}'", topic.name),
                                     [&](const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                                       rd_kafka_CreateTopics(client_->get(), array, 1, o, q);
                                     }));
  size_t n = 0;
  const rd_kafka_topic_result_t** results =
      rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event.get()), &n);
  return TopicResultsStatus(results, n);
}

Status Admin::DeleteTopic(const std::string& topic) {
  std::unique_ptr<rd_kafka_DeleteTopic_t, Deleter<rd_kafka_DeleteTopic_destroy>> dt(
      rd_kafka_DeleteTopic_new(topic.c_str()));
  rd_kafka_DeleteTopic_t* array[] = {dt.get()};
  HERALD_ASSIGN_OR_RETURN(EventPtr event,
                          RunAdminOp(*client_, RD_KAFKA_ADMIN_OP_DELETETOPICS,
                                     fmt::format("deleting topic '{}'", topic),
                                     [&](const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                                       rd_kafka_DeleteTopics(client_->get(), array, 1, o, q);
                                     }));
  size_t n = 0;
  const rd_kafka_topic_result_t** results =
      rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(event.get()), &n);
  return TopicResultsStatus(results, n);
}

Status Admin::CreatePartitions(const std::string& topic, int total_partitions) {
  char err[512];
  std::unique_ptr<rd_kafka_NewPartitions_t, Deleter<rd_kafka_NewPartitions_destroy>> np(
      rd_kafka_NewPartitions_new(topic.c_str(), static_cast<size_t>(std::max(0, total_partitions)),
                                 err, sizeof(err)));
  if (!np) return InvalidArgument("topic '{}': {}", topic, err);
  rd_kafka_NewPartitions_t* array[] = {np.get()};
  HERALD_ASSIGN_OR_RETURN(EventPtr event,
                          RunAdminOp(*client_, RD_KAFKA_ADMIN_OP_CREATEPARTITIONS,
                                     fmt::format("adding partitions to '{}'", topic),
                                     [&](const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                                       rd_kafka_CreatePartitions(client_->get(), array, 1, o, q);
                                     }));
  size_t n = 0;
  const rd_kafka_topic_result_t** results = rd_kafka_CreatePartitions_result_topics(
      rd_kafka_event_CreatePartitions_result(event.get()), &n);
  return TopicResultsStatus(results, n);
}

Result<std::vector<ConfigEntry>> Admin::DescribeTopicConfigs(const std::string& topic) {
  ConfigResourcePtr resource(rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str()));
  rd_kafka_ConfigResource_t* array[] = {resource.get()};
  HERALD_ASSIGN_OR_RETURN(EventPtr event,
                          RunAdminOp(*client_, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS,
                                     fmt::format("describing configs of '{}'", topic),
                                     [&](const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                                       rd_kafka_DescribeConfigs(client_->get(), array, 1, o, q);
                                     }));
  size_t n = 0;
  const rd_kafka_ConfigResource_t** results = rd_kafka_DescribeConfigs_result_resources(
      rd_kafka_event_DescribeConfigs_result(event.get()), &n);
  if (n != 1) return Internal("describing configs of '{}': {} results for 1 topic", topic, n);
  if (rd_kafka_resp_err_t err = rd_kafka_ConfigResource_error(results[0]);
      err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    const char* text = rd_kafka_ConfigResource_error_string(results[0]);
    return KafkaStatus(err, fmt::format("topic '{}'", topic), text != nullptr ? text : "");
  }
  size_t count = 0;
  const rd_kafka_ConfigEntry_t** entries = rd_kafka_ConfigResource_configs(results[0], &count);
  std::vector<ConfigEntry> out;
  for (size_t i = 0; i < count; ++i) {
    ConfigEntry e;
    e.name = rd_kafka_ConfigEntry_name(entries[i]);
    if (const char* value = rd_kafka_ConfigEntry_value(entries[i])) e.value = value;
    e.source = rd_kafka_ConfigSource_name(rd_kafka_ConfigEntry_source(entries[i]));
    e.is_default = rd_kafka_ConfigEntry_is_default(entries[i]) != 0;
    e.read_only = rd_kafka_ConfigEntry_is_read_only(entries[i]) != 0;
    e.sensitive = rd_kafka_ConfigEntry_is_sensitive(entries[i]) != 0;
    out.push_back(std::move(e));
  }
  std::sort(out.begin(), out.end(),
            [](const ConfigEntry& a, const ConfigEntry& b) { return a.name < b.name; });
  return out;
}

Status Admin::UpdateTopicConfigs(const std::string& topic,
                                 const std::map<std::string, std::string>& set,
                                 const std::vector<std::string>& remove) {
  HERALD_ASSIGN_OR_RETURN(std::vector<ConfigEntry> current, DescribeTopicConfigs(topic));
  std::map<std::string, std::string> overrides;
  for (const auto& e : current) {
    const bool topic_override =
        e.source == rd_kafka_ConfigSource_name(RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG);
    if (topic_override && e.value) overrides[e.name] = *e.value;
  }
  for (const auto& key : remove) overrides.erase(key);
  for (const auto& [key, value] : set) overrides[key] = value;
  ConfigResourcePtr resource(rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str()));
  for (const auto& [key, value] : overrides) {
    HERALD_RETURN_IF_ERROR(
        KafkaStatus(rd_kafka_ConfigResource_set_config(resource.get(), key.c_str(), value.c_str()),
                    fmt::format("topic '{}' config {}", topic, key)));
  }
  rd_kafka_ConfigResource_t* array[] = {resource.get()};
  HERALD_ASSIGN_OR_RETURN(EventPtr event,
                          RunAdminOp(*client_, RD_KAFKA_ADMIN_OP_ALTERCONFIGS,
                                     fmt::format("altering configs of '{}'", topic),
                                     [&](const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                                       rd_kafka_AlterConfigs(client_->get(), array, 1, o, q);
                                     }));
  size_t n = 0;
  const rd_kafka_ConfigResource_t** results =
      rd_kafka_AlterConfigs_result_resources(rd_kafka_event_AlterConfigs_result(event.get()), &n);
  for (size_t i = 0; i < n; ++i) {
    if (rd_kafka_resp_err_t err = rd_kafka_ConfigResource_error(results[i]);
        err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* text = rd_kafka_ConfigResource_error_string(results[i]);
      return KafkaStatus(err, fmt::format("topic '{}'", topic), text != nullptr ? text : "");
    }
  }
  return Status::Ok();
}

Result<std::vector<GroupListing>> Admin::ListGroups(const std::vector<std::string>& states) {
  std::vector<rd_kafka_consumer_group_state_t> codes;
  for (const auto& s : states) {
    const rd_kafka_consumer_group_state_t code = rd_kafka_consumer_group_state_code(s.c_str());
    if (code == RD_KAFKA_CONSUMER_GROUP_STATE_UNKNOWN) {
      return InvalidArgument(
          "'{}' is not a group state (Empty, PreparingRebalance, "
          "CompletingRebalance, Stable, Dead)",
          s);
    }
    codes.push_back(code);
  }
  // librdkafka refuses a state named twice (names are matched without case).
  std::sort(codes.begin(), codes.end());
  codes.erase(std::unique(codes.begin(), codes.end()), codes.end());
  Status options_status;
  HERALD_ASSIGN_OR_RETURN(
      EventPtr event,
      RunAdminOp(*client_, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS, "listing groups",
                 [&](rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                   if (rd_kafka_error_t* e =
                           codes.empty() ? nullptr
                                         : rd_kafka_AdminOptions_set_match_consumer_group_states(
                                               o, codes.data(), codes.size())) {
                     options_status = KafkaStatus(e, "listing groups");
                     rd_kafka_error_destroy(e);
                   }
                   rd_kafka_ListConsumerGroups(client_->get(), o, q);
                 }));
  HERALD_RETURN_IF_ERROR(options_status);
  const rd_kafka_ListConsumerGroups_result_t* result =
      rd_kafka_event_ListConsumerGroups_result(event.get());
  size_t n = 0, errors = 0;
  const rd_kafka_ConsumerGroupListing_t** valid =
      rd_kafka_ListConsumerGroups_result_valid(result, &n);
  const rd_kafka_error_t** failed = rd_kafka_ListConsumerGroups_result_errors(result, &errors);
  if (n == 0 && errors > 0) return KafkaStatus(failed[0], "listing groups");
  std::vector<GroupListing> out;
  for (size_t i = 0; i < n; ++i) {
    out.push_back({rd_kafka_ConsumerGroupListing_group_id(valid[i]),
                   StateName(rd_kafka_ConsumerGroupListing_state(valid[i])),
                   rd_kafka_ConsumerGroupListing_is_simple_consumer_group(valid[i]) != 0});
  }
  std::sort(out.begin(), out.end(),
            [](const GroupListing& a, const GroupListing& b) { return a.group_id < b.group_id; });
  return out;
}

Result<std::vector<GroupDescription>> Admin::DescribeGroups(
    const std::vector<std::string>& groups) {
  if (groups.empty()) return std::vector<GroupDescription>{};
  std::vector<const char*> names;
  for (const auto& g : groups) names.push_back(g.c_str());
  HERALD_ASSIGN_OR_RETURN(
      EventPtr event,
      RunAdminOp(*client_, RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS,
                 groups.size() == 1 ? fmt::format("describing group '{}'", groups[0])
                                    : std::string("describing groups"),
                 [&](const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                   rd_kafka_DescribeConsumerGroups(client_->get(), names.data(), names.size(), o,
                                                   q);
                 }));
  size_t n = 0;
  const rd_kafka_ConsumerGroupDescription_t** results =
      rd_kafka_DescribeConsumerGroups_result_groups(
          rd_kafka_event_DescribeConsumerGroups_result(event.get()), &n);
  std::map<std::string, GroupDescription> by_id;
  for (size_t i = 0; i < n; ++i) {
    const rd_kafka_ConsumerGroupDescription_t* g = results[i];
    GroupDescription d;
    d.group_id = rd_kafka_ConsumerGroupDescription_group_id(g);
    HERALD_RETURN_IF_ERROR(KafkaStatus(rd_kafka_ConsumerGroupDescription_error(g),
                                       fmt::format("group '{}'", d.group_id)));
    d.state = StateName(rd_kafka_ConsumerGroupDescription_state(g));
    if (const char* assignor = rd_kafka_ConsumerGroupDescription_partition_assignor(g)) {
      d.assignor = assignor;
    }
    d.simple = rd_kafka_ConsumerGroupDescription_is_simple_consumer_group(g) != 0;
    if (const rd_kafka_Node_t* node = rd_kafka_ConsumerGroupDescription_coordinator(g)) {
      d.coordinator.id = rd_kafka_Node_id(node);
      if (const char* host = rd_kafka_Node_host(node)) d.coordinator.host = host;
      d.coordinator.port = rd_kafka_Node_port(node);
    }
    for (size_t m = 0; m < rd_kafka_ConsumerGroupDescription_member_count(g); ++m) {
      const rd_kafka_MemberDescription_t* member = rd_kafka_ConsumerGroupDescription_member(g, m);
      GroupMember gm;
      gm.member_id = rd_kafka_MemberDescription_consumer_id(member);
      gm.client_id = rd_kafka_MemberDescription_client_id(member);
      gm.host = rd_kafka_MemberDescription_host(member);
      if (const char* instance = rd_kafka_MemberDescription_group_instance_id(member)) {
        gm.instance_id = instance;
      }
      if (const rd_kafka_MemberAssignment_t* a = rd_kafka_MemberDescription_assignment(member)) {
        gm.assignment = FromPartitionList(rd_kafka_MemberAssignment_partitions(a));
        for (auto& tp : gm.assignment) tp.status = Status::Ok();
      }
      d.members.push_back(std::move(gm));
    }
    by_id[d.group_id] = std::move(d);
  }
  std::vector<GroupDescription> out;
  for (const auto& g : groups) {
    auto it = by_id.find(g);
    if (it == by_id.end()) return Internal("describing group '{}': no answer for it", g);
    out.push_back(it->second);
  }
  return out;
}

namespace {

// OffsetFetch for `group`: `partitions`, or nullptr for all of them.
Result<std::vector<TopicPartition>> FetchGroupOffsets(
    Client& client, const std::string& group, const rd_kafka_topic_partition_list_t* partitions) {
  std::unique_ptr<rd_kafka_ListConsumerGroupOffsets_t,
                  Deleter<rd_kafka_ListConsumerGroupOffsets_destroy>>
      request(rd_kafka_ListConsumerGroupOffsets_new(group.c_str(), partitions));
  rd_kafka_ListConsumerGroupOffsets_t* array[] = {request.get()};
  HERALD_ASSIGN_OR_RETURN(
      EventPtr event, RunAdminOp(client, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS,
                                 fmt::format("listing committed offsets of group '{}'", group),
                                 [&](const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                                   rd_kafka_ListConsumerGroupOffsets(client.get(), array, 1, o, q);
                                 }));
  size_t n = 0;
  const rd_kafka_group_result_t** results = rd_kafka_ListConsumerGroupOffsets_result_groups(
      rd_kafka_event_ListConsumerGroupOffsets_result(event.get()), &n);
  if (n != 1) return Internal("listing committed offsets of '{}': {} results", group, n);
  HERALD_RETURN_IF_ERROR(
      KafkaStatus(rd_kafka_group_result_error(results[0]), fmt::format("group '{}'", group)));
  std::vector<TopicPartition> out;
  for (auto& tp : FromPartitionList(rd_kafka_group_result_partitions(results[0]))) {
    if (!tp.status.ok()) return tp.status.WithContext(fmt::format("group '{}'", group));
    if (tp.offset >= 0) out.push_back(std::move(tp));
  }
  return out;
}

}  // namespace

Result<std::vector<TopicPartition>> Admin::ListGroupOffsets(const std::string& group) {
  HERALD_ASSIGN_OR_RETURN(std::vector<TopicPartition> out,
                          FetchGroupOffsets(*client_, group, nullptr));
  if (out.empty()) {
    // librdkafka 2.0.2 asks for "all partitions" with an empty topic array, which means null only
    // in OffsetFetch's flexible versions (v6+); a broker that speaks at most v5 answers it with
    // nothing. Ask for every partition of every topic explicitly instead.
    HERALD_ASSIGN_OR_RETURN(ClusterInfo cluster, client_->Metadata());
    std::vector<TopicPartition> all;
    for (const auto& t : cluster.topics) {
      if (t.internal()) continue;
      for (const auto& p : t.partitions) all.push_back({t.name, p.id, kOffsetInvalid, {}});
    }
    if (!all.empty()) {
      PartitionListPtr list = ToPartitionList(all);
      HERALD_ASSIGN_OR_RETURN(out, FetchGroupOffsets(*client_, group, list.get()));
    }
  }
  std::sort(out.begin(), out.end(), [](const TopicPartition& a, const TopicPartition& b) {
    return std::tie(a.topic, a.partition) < std::tie(b.topic, b.partition);
  });
  return out;
}

Status Admin::AlterGroupOffsets(const std::string& group,
                                const std::vector<TopicPartition>& offsets) {
  PartitionListPtr list = ToPartitionList(offsets);
  std::unique_ptr<rd_kafka_AlterConsumerGroupOffsets_t,
                  Deleter<rd_kafka_AlterConsumerGroupOffsets_destroy>>
      request(rd_kafka_AlterConsumerGroupOffsets_new(group.c_str(), list.get()));
  rd_kafka_AlterConsumerGroupOffsets_t* array[] = {request.get()};
  HERALD_ASSIGN_OR_RETURN(EventPtr event,
                          RunAdminOp(*client_, RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS,
                                     fmt::format("committing offsets of group '{}'", group),
                                     [&](const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                                       rd_kafka_AlterConsumerGroupOffsets(client_->get(), array, 1,
                                                                          o, q);
                                     }));
  size_t n = 0;
  const rd_kafka_group_result_t** results = rd_kafka_AlterConsumerGroupOffsets_result_groups(
      rd_kafka_event_AlterConsumerGroupOffsets_result(event.get()), &n);
  return GroupResultsStatus(results, n);
}

Result<std::vector<TopicPartition>> Admin::DeleteRecords(std::vector<TopicPartition> before) {
  if (before.empty()) return before;
  PartitionListPtr list = ToPartitionList(before);
  std::unique_ptr<rd_kafka_DeleteRecords_t, Deleter<rd_kafka_DeleteRecords_destroy>> request(
      rd_kafka_DeleteRecords_new(list.get()));
  rd_kafka_DeleteRecords_t* array[] = {request.get()};
  HERALD_ASSIGN_OR_RETURN(EventPtr event,
                          RunAdminOp(*client_, RD_KAFKA_ADMIN_OP_DELETERECORDS,
                                     fmt::format("deleting records of {}", before.front().topic),
                                     [&](const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                                       rd_kafka_DeleteRecords(client_->get(), array, 1, o, q);
                                     }));
  const rd_kafka_topic_partition_list_t* offsets =
      rd_kafka_DeleteRecords_result_offsets(rd_kafka_event_DeleteRecords_result(event.get()));
  for (auto& tp : before) {
    const rd_kafka_topic_partition_t* e =
        offsets == nullptr
            ? nullptr
            : rd_kafka_topic_partition_list_find(offsets, tp.topic.c_str(), tp.partition);
    if (e == nullptr) {
      tp.status = Internal("{} partition {}: no result in the answer", tp.topic, tp.partition);
      continue;
    }
    tp.offset = e->offset;
    tp.status = KafkaStatus(e->err, fmt::format("{} partition {}", tp.topic, tp.partition));
  }
  return before;
}

Status Admin::DeleteGroup(const std::string& group) {
  std::unique_ptr<rd_kafka_DeleteGroup_t, Deleter<rd_kafka_DeleteGroup_destroy>> dg(
      rd_kafka_DeleteGroup_new(group.c_str()));
  rd_kafka_DeleteGroup_t* array[] = {dg.get()};
  HERALD_ASSIGN_OR_RETURN(EventPtr event,
                          RunAdminOp(*client_, RD_KAFKA_ADMIN_OP_DELETEGROUPS,
                                     fmt::format("deleting group '{}'", group),
                                     [&](const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                                       rd_kafka_DeleteGroups(client_->get(), array, 1, o, q);
                                     }));
  size_t n = 0;
  const rd_kafka_group_result_t** results =
      rd_kafka_DeleteGroups_result_groups(rd_kafka_event_DeleteGroups_result(event.get()), &n);
  return GroupResultsStatus(results, n);
}

Result<std::vector<TopicPartition>> Admin::DeleteGroupOffsets(
    const std::string& group, std::vector<TopicPartition> partitions) {
  if (partitions.empty()) return partitions;
  PartitionListPtr list = ToPartitionList(partitions);
  std::unique_ptr<rd_kafka_DeleteConsumerGroupOffsets_t,
                  Deleter<rd_kafka_DeleteConsumerGroupOffsets_destroy>>
      request(rd_kafka_DeleteConsumerGroupOffsets_new(group.c_str(), list.get()));
  rd_kafka_DeleteConsumerGroupOffsets_t* array[] = {request.get()};
  HERALD_ASSIGN_OR_RETURN(EventPtr event,
                          RunAdminOp(*client_, RD_KAFKA_ADMIN_OP_DELETECONSUMERGROUPOFFSETS,
                                     fmt::format("deleting committed offsets of group '{}'", group),
                                     [&](const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                                       rd_kafka_DeleteConsumerGroupOffsets(client_->get(), array, 1,
                                                                           o, q);
                                     }));
  size_t n = 0;
  const rd_kafka_group_result_t** results = rd_kafka_DeleteConsumerGroupOffsets_result_groups(
      rd_kafka_event_DeleteConsumerGroupOffsets_result(event.get()), &n);
  if (n != 1) return Internal("deleting committed offsets of '{}': {} results", group, n);
  const std::string context = fmt::format("group '{}'", group);
  HERALD_RETURN_IF_ERROR(KafkaStatus(rd_kafka_group_result_error(results[0]), context));
  const rd_kafka_topic_partition_list_t* answered = rd_kafka_group_result_partitions(results[0]);
  for (auto& tp : partitions) {
    const rd_kafka_topic_partition_t* e =
        answered == nullptr
            ? nullptr
            : rd_kafka_topic_partition_list_find(answered, tp.topic.c_str(), tp.partition);
    tp.status = e == nullptr
                    ? Internal("{} partition {}: no result in the answer", tp.topic, tp.partition)
                    : KafkaStatus(e->err, fmt::format("{} partition {}", tp.topic, tp.partition));
  }
  return partitions;
}

namespace {

using AclBindingPtr = std::unique_ptr<rd_kafka_AclBinding_t, Deleter<rd_kafka_AclBinding_destroy>>;

const char* CStr(const std::optional<std::string>& s) { return s ? s->c_str() : nullptr; }
std::optional<std::string> FromCStr(const char* s) {
  return s ? std::optional<std::string>(s) : std::nullopt;
}

// A binding (`filter` false) or a filter for librdkafka; kInvalidArgument when it refuses one.
Result<AclBindingPtr> ToRdkafka(const AclBinding& b, bool filter) {
  char err[512] = "";
  const auto restype = static_cast<rd_kafka_ResourceType_t>(b.resource_type);
  const auto pattern = static_cast<rd_kafka_ResourcePatternType_t>(b.pattern_type);
  const auto operation = static_cast<rd_kafka_AclOperation_t>(b.operation);
  const auto permission = static_cast<rd_kafka_AclPermissionType_t>(b.permission);
  AclBindingPtr out(filter ? rd_kafka_AclBindingFilter_new(restype, CStr(b.resource_name), pattern,
                                                           CStr(b.principal), CStr(b.host),
                                                           operation, permission, err, sizeof err)
                           : rd_kafka_AclBinding_new(restype, CStr(b.resource_name), pattern,
                                                     CStr(b.principal), CStr(b.host), operation,
                                                     permission, err, sizeof err));
  if (!out) return InvalidArgument("ACL binding: {}", err);
  return out;
}

AclBinding FromRdkafka(const rd_kafka_AclBinding_t* b) {
  AclBinding out;
  out.resource_type = static_cast<int>(rd_kafka_AclBinding_restype(b));
  out.resource_name = FromCStr(rd_kafka_AclBinding_name(b));
  out.pattern_type = static_cast<int>(rd_kafka_AclBinding_resource_pattern_type(b));
  out.principal = FromCStr(rd_kafka_AclBinding_principal(b));
  out.host = FromCStr(rd_kafka_AclBinding_host(b));
  out.operation = static_cast<int>(rd_kafka_AclBinding_operation(b));
  out.permission = static_cast<int>(rd_kafka_AclBinding_permission_type(b));
  return out;
}

}  // namespace

Status Admin::CreateAcls(const std::vector<AclBinding>& bindings) {
  if (bindings.empty()) return Status::Ok();
  std::vector<AclBindingPtr> owned;
  std::vector<rd_kafka_AclBinding_t*> array;
  for (const AclBinding& b : bindings) {
    HERALD_ASSIGN_OR_RETURN(AclBindingPtr p, ToRdkafka(b, /*filter=*/false));
    array.push_back(p.get());
    owned.push_back(std::move(p));
  }
  HERALD_ASSIGN_OR_RETURN(EventPtr event,
                          RunAdminOp(*client_, RD_KAFKA_ADMIN_OP_CREATEACLS, "creating ACLs",
                                     [&](const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                                       rd_kafka_CreateAcls(client_->get(), array.data(),
                                                           array.size(), o, q);
                                     }));
  size_t n = 0;
  const rd_kafka_acl_result_t** results =
      rd_kafka_CreateAcls_result_acls(rd_kafka_event_CreateAcls_result(event.get()), &n);
  for (size_t i = 0; i < n; ++i) {
    HERALD_RETURN_IF_ERROR(
        KafkaStatus(rd_kafka_acl_result_error(results[i]), fmt::format("ACL binding {}", i + 1)));
  }
  return Status::Ok();
}

Result<std::vector<AclBinding>> Admin::DescribeAcls(const AclBinding& filter) {
  HERALD_ASSIGN_OR_RETURN(AclBindingPtr f, ToRdkafka(filter, /*filter=*/true));
  HERALD_ASSIGN_OR_RETURN(EventPtr event,
                          RunAdminOp(*client_, RD_KAFKA_ADMIN_OP_DESCRIBEACLS, "listing ACLs",
                                     [&](const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                                       rd_kafka_DescribeAcls(client_->get(), f.get(), o, q);
                                     }));
  size_t n = 0;
  const rd_kafka_AclBinding_t** acls =
      rd_kafka_DescribeAcls_result_acls(rd_kafka_event_DescribeAcls_result(event.get()), &n);
  std::vector<AclBinding> out;
  for (size_t i = 0; i < n; ++i) out.push_back(FromRdkafka(acls[i]));
  return out;
}

Result<std::vector<AclBinding>> Admin::DeleteAcls(const AclBinding& filter) {
  HERALD_ASSIGN_OR_RETURN(AclBindingPtr f, ToRdkafka(filter, /*filter=*/true));
  rd_kafka_AclBindingFilter_t* array[] = {f.get()};
  HERALD_ASSIGN_OR_RETURN(EventPtr event,
                          RunAdminOp(*client_, RD_KAFKA_ADMIN_OP_DELETEACLS, "deleting ACLs",
                                     [&](const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                                       rd_kafka_DeleteAcls(client_->get(), array, 1, o, q);
                                     }));
  size_t n = 0;
  const rd_kafka_DeleteAcls_result_response_t** responses =
      rd_kafka_DeleteAcls_result_responses(rd_kafka_event_DeleteAcls_result(event.get()), &n);
  std::vector<AclBinding> out;
  for (size_t i = 0; i < n; ++i) {
    HERALD_RETURN_IF_ERROR(
        KafkaStatus(rd_kafka_DeleteAcls_result_response_error(responses[i]), "deleting ACLs"));
    size_t m = 0;
    const rd_kafka_AclBinding_t** acls =
        rd_kafka_DeleteAcls_result_response_matching_acls(responses[i], &m);
    for (size_t j = 0; j < m; ++j) out.push_back(FromRdkafka(acls[j]));
  }
  return out;
}

}  // namespace herald::client
