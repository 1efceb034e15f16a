// `herald group list|describe|reset-offsets|delete-offsets|delete`: consumer groups on any
// Kafka-protocol broker through librdkafka's admin API (ListConsumerGroups,
// DescribeConsumerGroups, ListConsumerGroupOffsets, AlterConsumerGroupOffsets,
// DeleteConsumerGroupOffsets, DeleteGroups) and ListOffsets for lag.
#include <algorithm>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "client/kafka_client.h"

namespace herald::cli {
namespace {

using PartitionKey = std::pair<std::string, int32_t>;

nlohmann::json OffsetJson(int64_t offset) {
  return offset >= 0 ? nlohmann::json(offset) : nlohmann::json();
}
std::string OffsetText(int64_t offset) {
  return offset >= 0 ? std::to_string(offset) : "-";
}

// ---- list ------------------------------------------------------------------------------------

struct GroupListOptions {
  ClientFlags flags;
  std::vector<std::string> states;
};

int RunGroupList(const GroupListOptions& o) {
  auto admin = ConnectAdmin(o.flags);
  if (!admin.ok()) return Fail(admin.status());
  auto groups = admin->ListGroups(o.states);
  if (!groups.ok()) return Fail(groups.status());
  // ListGroups before v4 carries no states: DescribeGroups has them, and the member counts.
  std::vector<std::string> ids;
  for (const auto& g : *groups) ids.push_back(g.group_id);
  auto described = admin->DescribeGroups(ids);
  if (!described.ok()) return Fail(described.status());
  nlohmann::json out = nlohmann::json::array();
  Table table({"GROUP", "STATE", "MEMBERS"});
  for (size_t i = 0; i < ids.size(); ++i) {
    const auto& d = (*described)[i];
    out.push_back({{"group", d.group_id},
                   {"state", d.state},
                   {"members", d.members.size()},
                   {"simple", (*groups)[i].simple}});
    table.AddRow({d.group_id, d.state, std::to_string(d.members.size())});
  }
  if (o.flags.json()) {
    PrintJson({{"groups", out}});
  } else if (table.empty()) {
    std::cout << "(no groups)\n";
  } else {
    table.Print(std::cout);
  }
  return kExitOk;
}

// ---- describe --------------------------------------------------------------------------------

struct GroupDescribeOptions {
  ClientFlags flags;
  std::vector<std::string> groups;
};

Result<nlohmann::json> DescribeOne(client::Admin& admin, const std::string& group) {
  HERALD_ASSIGN_OR_RETURN(auto described, admin.DescribeGroups({group}));
  const client::GroupDescription& d = described.front();
  HERALD_ASSIGN_OR_RETURN(auto committed, admin.ListGroupOffsets(group));
  if (d.state == "Dead" && committed.empty()) {
    return NotFound("group '{}' does not exist", group);
  }
  // Every partition the group has a commit for or a member is assigned.
  std::map<PartitionKey, int64_t> commits;
  std::map<PartitionKey, const client::GroupMember*> owners;
  for (const auto& tp : committed) commits[{tp.topic, tp.partition}] = tp.offset;
  for (const auto& m : d.members) {
    for (const auto& tp : m.assignment) owners[{tp.topic, tp.partition}] = &m;
  }
  std::set<PartitionKey> keys;
  for (const auto& [k, v] : commits) keys.insert(k);
  for (const auto& [k, v] : owners) keys.insert(k);
  std::vector<client::TopicPartition> query;
  for (const auto& [topic, partition] : keys) {
    query.push_back({topic, partition, client::kOffsetEnd, {}});
  }
  HERALD_ASSIGN_OR_RETURN(auto ends, admin.client().ListOffsets(query));

  nlohmann::json partitions = nlohmann::json::array();
  int64_t total_lag = 0;
  for (const auto& end : ends) {
    const PartitionKey key{end.topic, end.partition};
    const int64_t commit = commits.contains(key) ? commits[key] : -1;
    // A partition of a deleted topic has no end offset, and so no lag.
    const int64_t end_offset = end.status.ok() ? end.offset : -1;
    const int64_t lag =
        commit >= 0 && end_offset >= 0 ? std::max<int64_t>(0, end_offset - commit) : -1;
    if (lag > 0) total_lag += lag;
    const client::GroupMember* owner = owners.contains(key) ? owners[key] : nullptr;
    partitions.push_back(
        {{"topic", end.topic},
         {"partition", end.partition},
         {"committed_offset", OffsetJson(commit)},
         {"end_offset", OffsetJson(end_offset)},
         {"lag", lag >= 0 ? nlohmann::json(lag) : nlohmann::json()},
         {"member_id", owner ? nlohmann::json(owner->member_id) : nlohmann::json()},
         {"client_id", owner ? nlohmann::json(owner->client_id) : nlohmann::json()},
         {"host", owner ? nlohmann::json(owner->host) : nlohmann::json()}});
  }
  nlohmann::json members = nlohmann::json::array();
  for (const auto& m : d.members) {
    nlohmann::json assignment = nlohmann::json::array();
    for (const auto& tp : m.assignment) {
      assignment.push_back({{"topic", tp.topic}, {"partition", tp.partition}});
    }
    members.push_back(
        {{"member_id", m.member_id},
         {"client_id", m.client_id},
         {"host", m.host},
         {"instance_id", m.instance_id ? nlohmann::json(*m.instance_id) : nlohmann::json()},
         {"assignment", assignment}});
  }
  return nlohmann::json{
      {"group", d.group_id},
      {"state", d.state},
      {"assignor", d.assignor},
      {"coordinator",
       {{"id", d.coordinator.id}, {"host", d.coordinator.host}, {"port", d.coordinator.port}}},
      {"members", members},
      {"partitions", partitions},
      {"total_lag", total_lag}};
}

void PrintGroupTable(const nlohmann::json& g) {
  const auto& c = g["coordinator"];
  std::cout << fmt::format(
      "Group: {}  State: {}  Members: {}  Assignor: {}  Coordinator: {} ({}:{})  Total lag: {}\n",
      g["group"].get<std::string>(), g["state"].get<std::string>(), g["members"].size(),
      g["assignor"].get<std::string>().empty() ? "-" : g["assignor"].get<std::string>(),
      c["id"].get<int>(), c["host"].get<std::string>(), c["port"].get<int>(),
      g["total_lag"].get<int64_t>());
  Table table({"TOPIC", "PARTITION", "COMMITTED", "END", "LAG", "MEMBER", "CLIENT-ID", "HOST"});
  auto text = [](const nlohmann::json& v) {
    if (v.is_null()) return std::string("-");
    return v.is_string() ? v.get<std::string>() : v.dump();
  };
  for (const auto& p : g["partitions"]) {
    table.AddRow({text(p["topic"]), text(p["partition"]), text(p["committed_offset"]),
                  text(p["end_offset"]), text(p["lag"]), text(p["member_id"]), text(p["client_id"]),
                  text(p["host"])});
  }
  if (table.empty()) {
    std::cout << "(no committed offsets and no assigned partitions)\n";
  } else {
    table.Print(std::cout);
  }
}

int RunGroupDescribe(const GroupDescribeOptions& o) {
  auto admin = ConnectAdmin(o.flags);
  if (!admin.ok()) return Fail(admin.status());
  nlohmann::json groups = nlohmann::json::array();
  for (const auto& group : o.groups) {
    auto j = DescribeOne(*admin, group);
    if (!j.ok()) return Fail(j.status());
    groups.push_back(std::move(*j));
  }
  if (o.flags.json()) {
    PrintJson({{"groups", groups}});
  } else {
    for (size_t i = 0; i < groups.size(); ++i) {
      if (i > 0) std::cout << "\n";
      PrintGroupTable(groups[i]);
    }
  }
  return kExitOk;
}

// The partitions of `topic` named in `only` (every one when empty); kNotFound for a partition the
// topic does not have.
Result<std::vector<client::TopicPartition>> SelectPartitions(client::Admin& admin,
                                                             const std::string& topic,
                                                             const std::vector<int32_t>& only) {
  HERALD_ASSIGN_OR_RETURN(client::TopicInfo info, admin.client().DescribeTopic(topic));
  std::vector<client::TopicPartition> partitions;
  for (const auto& p : info.partitions) {
    if (only.empty() || std::find(only.begin(), only.end(), p.id) != only.end()) {
      partitions.push_back({topic, p.id, 0, {}});
    }
  }
  for (int32_t p : only) {
    if (p < 0 || static_cast<size_t>(p) >= info.partitions.size()) {
      return NotFound("topic '{}' has no partition {}", topic, p);
    }
  }
  return partitions;
}

// ---- reset-offsets ---------------------------------------------------------------------------

struct ResetOptions {
  ClientFlags flags;
  std::string group;
  std::string topic;
  std::vector<int32_t> partitions;
  bool to_earliest = false;
  bool to_latest = false;
  int64_t to_offset = -1;
  std::string to_datetime;
  bool execute = false;
};

int RunReset(const ResetOptions& o) {
  const int targets =
      int{o.to_earliest} + int{o.to_latest} + int{o.to_offset >= 0} + int{!o.to_datetime.empty()};
  if (targets != 1) {
    return UsageError(
        "group reset-offsets: give exactly one of --to-earliest, --to-latest, --to-offset N, "
        "--to-datetime TIME");
  }
  int64_t datetime_ms = -1;
  if (!o.to_datetime.empty()) {
    auto t = ParseTime(o.to_datetime, Clock::System().NowMs());
    if (!t.ok()) return UsageError(fmt::format("--to-datetime: {}", t.status().message()));
    datetime_ms = *t;
  }
  auto admin = ConnectAdmin(o.flags);
  if (!admin.ok()) return Fail(admin.status());
  auto selected = SelectPartitions(*admin, o.topic, o.partitions);
  if (!selected.ok()) return Fail(selected.status());
  const std::vector<client::TopicPartition>& partitions = *selected;
  ProgressBar progress(fmt::format("reset-offsets {}", o.group), 4);
  auto described = admin->DescribeGroups({o.group});
  if (!described.ok()) return Fail(described.status());
  const client::GroupDescription& d = described->front();
  progress.Update(1);
  auto committed = admin->ListGroupOffsets(o.group);
  if (!committed.ok()) return Fail(committed.status());
  std::map<int32_t, int64_t> current;
  for (const auto& tp : *committed) {
    if (tp.topic == o.topic) current[tp.partition] = tp.offset;
  }
  progress.Update(2);
  auto marks = admin->client().QueryWatermarks(partitions);
  if (!marks.ok()) return Fail(marks.status());
  std::vector<int64_t> at_time;
  if (datetime_ms >= 0) {
    std::vector<client::TopicPartition> query = partitions;
    for (auto& tp : query) tp.offset = datetime_ms;
    auto found = admin->client().ListOffsets(query);
    if (!found.ok()) return Fail(found.status());
    for (const auto& tp : *found) {
      if (!tp.status.ok()) return Fail(tp.status);
      at_time.push_back(tp.offset);
    }
  }
  progress.Update(3);

  std::vector<client::TopicPartition> plan;
  nlohmann::json rows = nlohmann::json::array();
  Table table({"TOPIC", "PARTITION", "CURRENT", "NEW", "END"});
  for (size_t i = 0; i < partitions.size(); ++i) {
    const client::Watermarks& m = (*marks)[i];
    int64_t target = m.high;
    if (o.to_earliest) target = m.low;
    if (o.to_offset >= 0) target = std::clamp(o.to_offset, m.low, m.high);
    if (datetime_ms >= 0) target = at_time[i] >= 0 ? at_time[i] : m.high;  // none later: the end
    const int32_t p = partitions[i].partition;
    const int64_t now = current.contains(p) ? current[p] : -1;
    plan.push_back({o.topic, p, target, {}});
    rows.push_back({{"topic", o.topic},
                    {"partition", p},
                    {"current_offset", OffsetJson(now)},
                    {"new_offset", target},
                    {"end_offset", m.high}});
    table.AddRow({o.topic, std::to_string(p), OffsetText(now), std::to_string(target),
                  std::to_string(m.high)});
  }
  if (o.execute) {
    if (!d.members.empty()) {
      return Fail(FailedPrecondition(
          "group '{}' has {} active member{} (state {}); stop its consumers before resetting "
          "offsets",
          o.group, d.members.size(), d.members.size() == 1 ? "" : "s", d.state));
    }
    if (Status s = admin->AlterGroupOffsets(o.group, plan); !s.ok()) return Fail(s);
  }
  progress.Update(4);
  progress.Finish();
  if (o.flags.json()) {
    PrintJson(
        {{"group", o.group}, {"topic", o.topic}, {"executed", o.execute}, {"partitions", rows}});
  } else {
    table.Print(std::cout);
    if (o.execute) {
      std::cout << fmt::format("Committed the new offsets for group '{}'.\n", o.group);
    }
  }
  if (!o.execute) {
    std::cerr << "herald: dry run, nothing changed; add --execute to commit these offsets\n";
  }
  return kExitOk;
}

// ---- delete ----------------------------------------------------------------------------------

struct GroupDeleteOptions {
  ClientFlags flags;
  std::vector<std::string> groups;
};

int RunGroupDelete(const GroupDeleteOptions& o) {
  auto admin = ConnectAdmin(o.flags);
  if (!admin.ok()) return Fail(admin.status());
  std::vector<std::string> deleted;
  for (const auto& group : o.groups) {
    if (Status s = admin->DeleteGroup(group); !s.ok()) return Fail(s);
    deleted.push_back(group);
    if (!o.flags.json()) std::cout << fmt::format("Deleted group '{}'.\n", group);
  }
  if (o.flags.json()) PrintJson({{"deleted", deleted}});
  return kExitOk;
}

// ---- delete-offsets --------------------------------------------------------------------------

struct DeleteOffsetsOptions {
  ClientFlags flags;
  std::string group;
  std::string topic;
  std::vector<int32_t> partitions;
};

int RunDeleteOffsets(const DeleteOffsetsOptions& o) {
  auto admin = ConnectAdmin(o.flags);
  if (!admin.ok()) return Fail(admin.status());
  auto selected = SelectPartitions(*admin, o.topic, o.partitions);
  if (!selected.ok()) return Fail(selected.status());
  auto results = admin->DeleteGroupOffsets(o.group, std::move(selected).value());
  if (!results.ok()) return Fail(results.status());
  nlohmann::json rows = nlohmann::json::array();
  Table table({"TOPIC", "PARTITION", "RESULT"});
  Status first_failure;
  for (const auto& tp : *results) {
    const std::string result = tp.status.ok() ? "deleted" : tp.status.message();
    rows.push_back({{"topic", tp.topic}, {"partition", tp.partition}, {"deleted", tp.status.ok()}});
    if (!tp.status.ok()) rows.back()["error"] = tp.status.message();
    table.AddRow({tp.topic, std::to_string(tp.partition), result});
    if (first_failure.ok()) first_failure = tp.status;
  }
  if (o.flags.json()) {
    PrintJson({{"group", o.group}, {"partitions", rows}});
  } else {
    table.Print(std::cout);
  }
  return first_failure.ok() ? kExitOk : Fail(first_failure);
}

}  // namespace

void RegisterGroup(CLI::App& app) {
  auto* group = app.add_subcommand(
      "group",
      "List, describe (with lag), reset or delete the offsets of, and delete consumer groups");
  group->require_subcommand(1);

  auto l = std::make_shared<GroupListOptions>();
  auto* list = group->add_subcommand("list", "List consumer groups with their state");
  list->add_option("--state", l->states,
                   "Only groups in this state (repeatable): Empty, PreparingRebalance, "
                   "CompletingRebalance, Stable")
      ->allow_extra_args(false);
  AddClientFlags(list, l->flags);
  list->callback([l] { SetExitCode(RunGroupList(*l)); });

  auto d = std::make_shared<GroupDescribeOptions>();
  auto* describe = group->add_subcommand(
      "describe",
      "State, members and their assignments, and per partition the committed offset, the end "
      "offset and the lag (end - committed)");
  describe->add_option("groups", d->groups, "Group ids")->required();
  AddClientFlags(describe, d->flags);
  describe->callback([d] { SetExitCode(RunGroupDescribe(*d)); });

  auto r = std::make_shared<ResetOptions>();
  auto* reset = group->add_subcommand(
      "reset-offsets",
      "Plan new committed offsets for a group on one topic; with --execute, commit them (the "
      "group must have no active members). Without --execute only the plan is printed.");
  reset->add_option("group", r->group, "Group id")->required();
  reset->add_option("--topic", r->topic, "Topic whose offsets to reset")->required();
  reset->add_option("--partition", r->partitions, "Only these partitions (repeatable)")
      ->allow_extra_args(false);
  auto* earliest = reset->add_flag("--to-earliest", r->to_earliest, "To each partition's start");
  auto* latest = reset->add_flag("--to-latest", r->to_latest, "To each partition's end");
  auto* offset = reset
                     ->add_option("--to-offset", r->to_offset,
                                  "To this offset (kept within each partition's start and end)")
                     ->check(CLI::NonNegativeNumber);
  auto* datetime = reset->add_option(
      "--to-datetime", r->to_datetime,
      "To the first record at or after TIME: ISO 8601 (2026-11-30T08:00:00Z), a duration back "
      "from now (10m, 2h) or ms since the epoch; the end where no record is that late");
  earliest->excludes(latest)->excludes(offset)->excludes(datetime);
  latest->excludes(offset)->excludes(datetime);
  offset->excludes(datetime);
  reset->add_flag("--execute", r->execute, "Commit the planned offsets");
  AddClientFlags(reset, r->flags);
  reset->callback([r] { SetExitCode(RunReset(*r)); });

  auto o = std::make_shared<DeleteOffsetsOptions>();
  auto* delete_offsets = group->add_subcommand(
      "delete-offsets",
      "Delete a group's committed offsets of one topic (OffsetDelete); refused for a topic an "
      "active member is subscribed to");
  delete_offsets->add_option("group", o->group, "Group id")->required();
  delete_offsets->add_option("--topic", o->topic, "Topic whose offsets to delete")->required();
  delete_offsets->add_option("--partition", o->partitions, "Only these partitions (repeatable)")
      ->allow_extra_args(false);
  AddClientFlags(delete_offsets, o->flags);
  delete_offsets->callback([o] { SetExitCode(RunDeleteOffsets(*o)); });

  auto x = std::make_shared<GroupDeleteOptions>();
  auto* del = group->add_subcommand(
      "delete", "Delete consumer groups and their committed offsets (they must have no members)");
  del->add_option("groups", x->groups, "Group ids")->required();
  AddClientFlags(del, x->flags);
  del->callback([x] { SetExitCode(RunGroupDelete(*x)); });
}

}  // namespace herald::cli
