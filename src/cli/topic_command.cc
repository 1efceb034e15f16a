// `herald topic create|list|describe|alter|delete`: the topics of any Kafka-protocol broker,
// through librdkafka's admin API (CreateTopics, Metadata, ListOffsets, DescribeConfigs,
// AlterConfigs, CreatePartitions, DeleteTopics).
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/output.h"
#include "client/kafka_client.h"

namespace herald::cli {
namespace {

std::string JoinIds(const std::vector<int32_t>& ids) {
  return fmt::format("{}", fmt::join(ids, ","));
}

// ---- create ----------------------------------------------------------------------------------

struct CreateOptions {
  ClientFlags flags;
  std::string topic;
  int partitions = 1;
  int replication_factor = 1;
  std::vector<std::string> configs;
};

int RunCreate(const CreateOptions& o) {
  auto configs = ParseKeyValues(o.configs, "--config");
  if (!configs.ok()) return UsageError(configs.status().message());
  auto admin = ConnectAdmin(o.flags);
  if (!admin.ok()) return Fail(admin.status());
  client::NewTopic topic{o.topic, o.partitions, o.replication_factor, *configs};
  if (Status s = admin->CreateTopic(topic); !s.ok()) return Fail(s);
  if (o.flags.json()) {
    PrintJson({{"topic", o.topic},
               {"partitions", o.partitions},
               {"replication_factor", o.replication_factor},
               {"configs", *configs}});
  } else {
    std::cout << fmt::format("Created topic '{}' with {} partition{} (replication factor {}).\n",
                             o.topic, o.partitions, o.partitions == 1 ? "" : "s",
                             o.replication_factor);
  }
  return kExitOk;
}

// ---- list ------------------------------------------------------------------------------------

struct ListOptions {
  ClientFlags flags;
  bool internal = false;
};

int RunList(const ListOptions& o) {
  auto admin = ConnectAdmin(o.flags);
  if (!admin.ok()) return Fail(admin.status());
  auto cluster = admin->client().Metadata();
  if (!cluster.ok()) return Fail(cluster.status());
  nlohmann::json topics = nlohmann::json::array();
  Table table({"TOPIC", "PARTITIONS"});
  for (const auto& t : cluster->topics) {
    if (t.internal() && !o.internal) continue;
    topics.push_back(
        {{"topic", t.name}, {"partitions", t.partitions.size()}, {"internal", t.internal()}});
    table.AddRow({t.name, std::to_string(t.partitions.size())});
  }
  if (o.flags.json()) {
    PrintJson({{"topics", topics}});
  } else if (table.empty()) {
    std::cout << "(no topics)\n";
  } else {
    table.Print(std::cout);
  }
  return kExitOk;
}

// ---- describe --------------------------------------------------------------------------------

struct DescribeOptions {
  ClientFlags flags;
  std::vector<std::string> topics;
  bool internal = false;
};

// One topic: partitions with offsets and counts, and configs.
Result<nlohmann::json> DescribeOne(client::Admin& admin, const client::TopicInfo& topic) {
  std::vector<client::TopicPartition> partitions;
  for (const auto& p : topic.partitions) partitions.push_back({topic.name, p.id, 0, {}});
  HERALD_ASSIGN_OR_RETURN(auto marks, admin.client().QueryWatermarks(partitions));
  HERALD_ASSIGN_OR_RETURN(auto configs, admin.DescribeTopicConfigs(topic.name));
  nlohmann::json j;
  j["topic"] = topic.name;
  j["internal"] = topic.internal();
  j["replication_factor"] = topic.partitions.empty() ? 0 : topic.partitions[0].replicas.size();
  int64_t total = 0;
  nlohmann::json parts = nlohmann::json::array();
  for (size_t i = 0; i < topic.partitions.size(); ++i) {
    const auto& p = topic.partitions[i];
    const int64_t messages = marks[i].high - marks[i].low;
    total += messages;
    parts.push_back({{"partition", p.id},
                     {"leader", p.leader},
                     {"replicas", p.replicas},
                     {"isr", p.isrs},
                     {"start_offset", marks[i].low},
                     {"end_offset", marks[i].high},
                     {"messages", messages}});
  }
  j["partitions"] = parts;
  j["messages"] = total;
  nlohmann::json config_json = nlohmann::json::object();
  for (const auto& c : configs) {
    config_json[c.name] = {{"value", c.value ? nlohmann::json(*c.value) : nlohmann::json()},
                           {"source", c.source},
                           {"default", c.is_default},
                           {"read_only", c.read_only},
                           {"sensitive", c.sensitive}};
  }
  j["configs"] = config_json;
  return j;
}

void PrintTopicTable(const nlohmann::json& t) {
  std::cout << fmt::format("Topic: {}  Partitions: {}  Replication factor: {}  Messages: {}\n",
                           t["topic"].get<std::string>(), t["partitions"].size(),
                           t["replication_factor"].get<size_t>(), t["messages"].get<int64_t>());
  std::vector<std::string> overrides;
  for (const auto& [name, c] : t["configs"].items()) {
    if (!c["default"].get<bool>()) {
      overrides.push_back(fmt::format(
          "{}={}", name, c["value"].is_null() ? "(hidden)" : c["value"].get<std::string>()));
    }
  }
  std::cout << fmt::format("Configs: {}\n", overrides.empty()
                                                ? std::string("(defaults)")
                                                : fmt::format("{}", fmt::join(overrides, ", ")));
  Table table({"PARTITION", "LEADER", "REPLICAS", "ISR", "START", "END", "MESSAGES"});
  for (const auto& p : t["partitions"]) {
    table.AddRow({std::to_string(p["partition"].get<int32_t>()),
                  std::to_string(p["leader"].get<int32_t>()),
                  JoinIds(p["replicas"].get<std::vector<int32_t>>()),
                  JoinIds(p["isr"].get<std::vector<int32_t>>()),
                  std::to_string(p["start_offset"].get<int64_t>()),
                  std::to_string(p["end_offset"].get<int64_t>()),
                  std::to_string(p["messages"].get<int64_t>())});
  }
  table.Print(std::cout);
}

int RunDescribe(const DescribeOptions& o) {
  auto admin = ConnectAdmin(o.flags);
  if (!admin.ok()) return Fail(admin.status());
  auto cluster = admin->client().Metadata();
  if (!cluster.ok()) return Fail(cluster.status());
  std::vector<const client::TopicInfo*> chosen;
  if (o.topics.empty()) {
    for (const auto& t : cluster->topics) {
      if (!t.internal() || o.internal) chosen.push_back(&t);
    }
  } else {
    for (const auto& name : o.topics) {
      const client::TopicInfo* found = nullptr;
      for (const auto& t : cluster->topics) {
        if (t.name == name) found = &t;
      }
      if (found == nullptr) return Fail(NotFound("topic '{}' does not exist", name));
      chosen.push_back(found);
    }
  }
  nlohmann::json topics = nlohmann::json::array();
  for (const auto* t : chosen) {
    auto j = DescribeOne(*admin, *t);
    if (!j.ok()) return Fail(j.status());
    topics.push_back(std::move(*j));
  }
  if (o.flags.json()) {
    PrintJson({{"topics", topics}});
  } else if (topics.empty()) {
    std::cout << "(no topics)\n";
  } else {
    for (size_t i = 0; i < topics.size(); ++i) {
      if (i > 0) std::cout << "\n";
      PrintTopicTable(topics[i]);
    }
  }
  return kExitOk;
}

// ---- alter -----------------------------------------------------------------------------------

struct AlterOptions {
  ClientFlags flags;
  std::string topic;
  std::vector<std::string> configs;
  std::vector<std::string> delete_configs;
  int partitions = 0;  // 0: unchanged
};

int RunAlter(const AlterOptions& o) {
  if (o.configs.empty() && o.delete_configs.empty() && o.partitions == 0) {
    return UsageError(
        "topic alter: nothing to change; give --config, --delete-config or --partitions");
  }
  auto configs = ParseKeyValues(o.configs, "--config");
  if (!configs.ok()) return UsageError(configs.status().message());
  auto admin = ConnectAdmin(o.flags);
  if (!admin.ok()) return Fail(admin.status());
  auto before = admin->client().DescribeTopic(o.topic);
  if (!before.ok()) return Fail(before.status());
  if (!configs->empty() || !o.delete_configs.empty()) {
    if (Status s = admin->UpdateTopicConfigs(o.topic, *configs, o.delete_configs); !s.ok()) {
      return Fail(s);
    }
  }
  const size_t old_partitions = before->partitions.size();
  if (o.partitions != 0) {
    if (Status s = admin->CreatePartitions(o.topic, o.partitions); !s.ok()) return Fail(s);
  }
  if (o.flags.json()) {
    nlohmann::json j{
        {"topic", o.topic},
        {"configs_set", *configs},
        {"configs_removed", o.delete_configs},
        {"partitions_before", old_partitions},
        {"partitions", o.partitions != 0 ? static_cast<size_t>(o.partitions) : old_partitions}};
    PrintJson(j);
  } else {
    std::vector<std::string> changes;
    for (const auto& [k, v] : *configs) changes.push_back(fmt::format("set {}={}", k, v));
    for (const auto& k : o.delete_configs) changes.push_back(fmt::format("removed {}", k));
    if (o.partitions != 0) {
      changes.push_back(fmt::format("partitions {} -> {}", old_partitions, o.partitions));
    }
    std::cout << fmt::format("Altered topic '{}': {}.\n", o.topic, fmt::join(changes, "; "));
  }
  return kExitOk;
}

// ---- delete ----------------------------------------------------------------------------------

struct DeleteOptions {
  ClientFlags flags;
  std::vector<std::string> topics;
};

int RunDelete(const DeleteOptions& o) {
  auto admin = ConnectAdmin(o.flags);
  if (!admin.ok()) return Fail(admin.status());
  std::vector<std::string> deleted;
  for (const auto& topic : o.topics) {
    if (Status s = admin->DeleteTopic(topic); !s.ok()) return Fail(s);
    deleted.push_back(topic);
    if (!o.flags.json()) std::cout << fmt::format("Deleted topic '{}'.\n", topic);
  }
  if (o.flags.json()) PrintJson({{"deleted", deleted}});
  return kExitOk;
}

}  // namespace

void RegisterTopic(CLI::App& app) {
  auto* topic = app.add_subcommand(
      "topic", "Create, list, describe, alter and delete topics on any Kafka-protocol broker");
  topic->require_subcommand(1);

  auto c = std::make_shared<CreateOptions>();
  auto* create = topic->add_subcommand("create", "Create a topic");
  create->add_option("topic", c->topic, "Topic name")->required();
  create->add_option("--partitions", c->partitions, "Number of partitions")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  create->add_option("--replication-factor", c->replication_factor, "Replicas per partition")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  create->add_option("--config", c->configs, "Topic config key=value (repeatable)")
      ->allow_extra_args(false);
  AddClientFlags(create, c->flags);
  create->callback([c] { SetExitCode(RunCreate(*c)); });

  auto l = std::make_shared<ListOptions>();
  auto* list = topic->add_subcommand("list", "List topics and their partition counts");
  list->add_flag("--internal", l->internal, "Also list internal topics (__consumer_offsets, ...)");
  AddClientFlags(list, l->flags);
  list->callback([l] { SetExitCode(RunList(*l)); });

  auto d = std::make_shared<DescribeOptions>();
  auto* describe = topic->add_subcommand(
      "describe",
      "Partitions (leader, replicas, ISR), start and end offsets, message counts (end - start; "
      "an upper bound on compacted topics) and configs of topics (all when none is named)");
  describe->add_option("topics", d->topics, "Topic names");
  describe->add_flag("--internal", d->internal, "With no topic named, include internal topics");
  AddClientFlags(describe, d->flags);
  describe->callback([d] { SetExitCode(RunDescribe(*d)); });

  auto a = std::make_shared<AlterOptions>();
  auto* alter = topic->add_subcommand(
      "alter", "Set or remove topic configs (others are kept) and add partitions");
  alter->add_option("topic", a->topic, "Topic name")->required();
  alter->add_option("--config", a->configs, "Set a topic config key=value (repeatable)")
      ->allow_extra_args(false);
  alter
      ->add_option("--delete-config", a->delete_configs,
                   "Remove a topic config override, back to the default (repeatable)")
      ->allow_extra_args(false);
  alter
      ->add_option("--partitions", a->partitions,
                   "New total number of partitions (only growing is possible)")
      ->check(CLI::PositiveNumber);
  AddClientFlags(alter, a->flags);
  alter->callback([a] { SetExitCode(RunAlter(*a)); });

  auto x = std::make_shared<DeleteOptions>();
  auto* del = topic->add_subcommand("delete", "Delete topics and all their records");
  del->add_option("topics", x->topics, "Topic names")->required();
  AddClientFlags(del, x->flags);
  del->callback([x] { SetExitCode(RunDelete(*x)); });
}

}  // namespace herald::cli
