// `herald consume TOPIC`: prints records of a topic on any Kafka-protocol broker through
// librdkafka, either as a member of a consumer group (subscribe and commit) or on its own
// (every partition assigned, nothing committed).
#include <algorithm>
#include <chrono>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "cli/registry_schemas.h"
#include "client/kafka_client.h"

namespace herald::cli {
namespace {

constexpr const char* kConsumeHelp =
    "Start: --from-beginning, --offset N or --since TIME; otherwise, with --group, the group's "
    "committed offsets (the beginning of a partition without one), and without --group the end "
    "of each partition (new records only).\n"
    "Stop: after --count records; after --timeout-ms without a record; otherwise, unless "
    "--follow or --count is given, once every partition has caught up with the end offset it "
    "had when consuming started. Ctrl-C stops cleanly (committing with --group).\n"
    "Without --group all partitions are assigned and nothing is committed; with --group the "
    "consumer joins the group and commits what it printed.";

struct ConsumeOptions {
  ClientFlags flags;
  std::string topic;
  std::string group;
  bool from_beginning = false;
  int64_t offset = -1;
  std::string since;
  std::vector<int32_t> partitions;
  int64_t count = 0;
  int64_t timeout_ms = 0;
  bool follow = false;
  std::string format = "text";
  bool decode = false;                 // framed keys and values shown as JSON
  client::HttpClientOptions registry;  // where their schemas are
};

std::string FormatRecord(const client::Message& m, const std::string& format) {
  if (format == "json") {
    nlohmann::json headers = nlohmann::json::array();
    for (const auto& [k, v] : m.headers) {
      headers.push_back({{"key", k}, {"value", v ? nlohmann::json(*v) : nlohmann::json()}});
    }
    nlohmann::json j{
        {"topic", m.topic},
        {"partition", m.partition},
        {"offset", m.offset},
        {"timestamp", m.timestamp_ms},
        {"timestamp_type", m.timestamp_type},
        {"time", m.timestamp_ms < 0 ? nlohmann::json() : nlohmann::json(TimeText(m.timestamp_ms))},
        {"key", m.key ? nlohmann::json(*m.key) : nlohmann::json()},
        {"headers", headers},
        {"value", m.value ? nlohmann::json(*m.value) : nlohmann::json()}};
    return DumpJson(j);
  }
  std::string headers;
  for (const auto& [k, v] : m.headers) {
    if (!headers.empty()) headers += ",";
    headers += v ? fmt::format("{}={}", k, *v) : k;
  }
  return fmt::format("{}\t{}\t{}\t{}\t{}\t{}", m.partition, m.offset, TimeText(m.timestamp_ms),
                     OrDash(m.key), headers.empty() ? "-" : headers, OrDash(m.value));
}

// The partitions to read, where each ended when consuming started, and where to start each.
struct ConsumePlan {
  std::vector<client::TopicPartition> chosen;
  std::map<int32_t, client::Watermarks> marks_at_start;
  std::map<int32_t, int64_t> start;  // kOffsetStored keeps a group's commits
};

Result<ConsumePlan> PlanPartitions(client::Consumer& consumer, const ConsumeOptions& o,
                                   int64_t since_ms) {
  ConsumePlan plan;
  HERALD_ASSIGN_OR_RETURN(auto topic, consumer.client().DescribeTopic(o.topic));
  for (int32_t p : o.partitions) {
    if (p < 0 || static_cast<size_t>(p) >= topic.partitions.size()) {
      return NotFound("topic '{}' has no partition {} (it has {})", o.topic, p,
                      topic.partitions.size());
    }
  }
  for (const auto& p : topic.partitions) {
    const bool wanted = o.partitions.empty() || std::find(o.partitions.begin(), o.partitions.end(),
                                                          p.id) != o.partitions.end();
    if (wanted) plan.chosen.push_back({o.topic, p.id, client::kOffsetInvalid, {}});
  }
  HERALD_ASSIGN_OR_RETURN(auto marks, consumer.client().QueryWatermarks(plan.chosen));
  for (size_t i = 0; i < plan.chosen.size(); ++i) {
    plan.marks_at_start[plan.chosen[i].partition] = marks[i];
  }

  for (const auto& tp : plan.chosen) {
    const client::Watermarks& m = plan.marks_at_start[tp.partition];
    int64_t at = o.group.empty() ? m.high : client::kOffsetStored;
    if (o.from_beginning) at = client::kOffsetBeginning;
    if (o.offset >= 0) at = std::clamp(o.offset, m.low, m.high);
    plan.start[tp.partition] = at;
  }
  if (since_ms >= 0) {
    std::vector<client::TopicPartition> query = plan.chosen;
    for (auto& tp : query) tp.offset = since_ms;
    HERALD_ASSIGN_OR_RETURN(auto found, consumer.client().ListOffsets(query));
    for (const auto& tp : found) {
      HERALD_RETURN_IF_ERROR(tp.status);
      // No record at or after the time: start at the end.
      plan.start[tp.partition] =
          tp.offset >= 0 ? tp.offset : plan.marks_at_start[tp.partition].high;
    }
  }
  return plan;
}

// Reads records until the options say to stop, printing each; with --group, marks each as
// processed for the commit at the end.
class ConsumeLoop {
 public:
  ConsumeLoop(client::Consumer& consumer, const ConsumeOptions& o, ConsumePlan plan)
      : consumer_(consumer),
        o_(o),
        grouped_(!o.group.empty()),
        plan_(std::move(plan)),
        group_assignment_(std::make_shared<GroupAssignment>()),
        schemas_(o.registry) {}

  // Joins the group (whose assignments start where the plan says) or assigns every chosen
  // partition.
  Status Start() {
    if (grouped_) {
      // By value: librdkafka may call it until the consumer is closed.
      auto on_assign = [start = plan_.start, topic_name = o_.topic,
                        group_assignment = group_assignment_](
                           std::vector<client::TopicPartition>& partitions) {
        group_assignment->received = true;
        group_assignment->size = partitions.size();
        for (auto& tp : partitions) {
          if (auto it = start.find(tp.partition); tp.topic == topic_name && it != start.end()) {
            tp.offset = it->second;
          }
        }
      };
      return consumer_.Subscribe({o_.topic}, on_assign);
    }
    std::vector<client::TopicPartition> assignment = plan_.chosen;
    for (auto& tp : assignment) {
      tp.offset = plan_.start[tp.partition];
      assigned_.insert(tp.partition);
    }
    assignment_known_ = true;
    return consumer_.Assign(assignment);
  }

  Status Run() {
    // With --count, and only when the records do not go to the same terminal.
    ProgressBar progress(fmt::format("consuming {}", o_.topic), static_cast<uint64_t>(o_.count),
                         o_.count > 0 && ::isatty(STDOUT_FILENO) == 0);
    last_activity_ = std::chrono::steady_clock::now();
    last_assignment_check_ = last_activity_ - std::chrono::seconds(1);
    Status failure;
    while (!StopRequested() && !Done()) {
      auto event = consumer_.Poll(100);
      if (!event.ok()) {
        failure = event.status();
        break;
      }
      if (Handle(*event)) progress.Update(static_cast<uint64_t>(printed_));
    }
    std::cout << std::flush;
    progress.Finish();
    return failure;
  }

  int64_t printed() const { return printed_; }
  bool stops_when_caught_up() const { return !o_.follow && o_.count == 0; }

 private:
  // `m` with its framed key and value as JSON text; what does not decode says why.
  client::Message Decoded(const client::Message& m) {
    client::Message out = m;
    for (std::optional<std::string>* part : {&out.key, &out.value}) {
      if (!*part) continue;
      auto decoded = schemas_.Decode(**part);
      *part = decoded.ok() ? *decoded : fmt::format("<{}>", decoded.status().message());
    }
    return out;
  }

  // What the group gave us last (rebalance callbacks run inside Poll, on this thread).
  struct GroupAssignment {
    bool received = false;
    size_t size = 0;
  };

  bool Done() {
    if (o_.count > 0 && printed_ >= o_.count) return true;
    if (grouped_) RefreshGroupAssignment();
    if (stops_when_caught_up() && assignment_known_ &&
        std::all_of(assigned_.begin(), assigned_.end(),
                    [&](int32_t p) { return caught_up_.contains(p); })) {
      return true;
    }
    return o_.timeout_ms > 0 && std::chrono::steady_clock::now() - last_activity_ >=
                                    std::chrono::milliseconds(o_.timeout_ms);
  }

  // At most every 100 ms: which partitions the group assigns us now.
  void RefreshGroupAssignment() {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_assignment_check_ < std::chrono::milliseconds(100)) return;
    last_assignment_check_ = now;
    auto now_assigned = consumer_.Assignment();
    if (!now_assigned.ok()) return;
    assigned_.clear();
    for (const auto& tp : *now_assigned) {
      if (tp.topic == o_.topic && plan_.start.contains(tp.partition)) {
        assigned_.insert(tp.partition);
      }
    }
    // Empty between a revocation and the next assignment, or because the group has more
    // members than the topic has partitions (then there is nothing for us to catch up on).
    assignment_known_ =
        group_assignment_->received && (!assigned_.empty() || group_assignment_->size == 0);
  }

  // A partition is caught up once it reported its end, or a record at or past its end at start.
  // Answers whether a record was printed.
  bool Handle(const client::Consumer::Event& event) {
    using Kind = client::Consumer::Event::Kind;
    if (event.kind == Kind::kNone) return false;
    const client::Message& m = event.message;
    if (m.topic != o_.topic || !plan_.start.contains(m.partition)) return false;
    if (event.kind == Kind::kPartitionEof) {
      caught_up_.insert(m.partition);
      return false;
    }
    last_activity_ = std::chrono::steady_clock::now();
    std::cout << FormatRecord(o_.decode ? Decoded(m) : m, o_.format) << "\n";
    ++printed_;
    if (m.offset + 1 >= plan_.marks_at_start[m.partition].high) caught_up_.insert(m.partition);
    if (grouped_) {
      if (Status s = consumer_.MarkProcessed(m.topic, m.partition, m.offset); !s.ok()) {
        LogDebug("offset_store_failed", {}, s.message());
      }
    }
    return true;
  }

  client::Consumer& consumer_;
  const ConsumeOptions& o_;
  const bool grouped_;
  ConsumePlan plan_;
  std::shared_ptr<GroupAssignment> group_assignment_;
  RegistrySchemas schemas_;  // --decode
  std::set<int32_t> assigned_;  // which partitions are ours
  bool assignment_known_ = false;
  std::set<int32_t> caught_up_;
  int64_t printed_ = 0;
  std::chrono::steady_clock::time_point last_activity_;
  std::chrono::steady_clock::time_point last_assignment_check_;
};

int RunConsume(const ConsumeOptions& o) {
  int64_t since_ms = -1;
  if (!o.since.empty()) {
    auto t = ParseTime(o.since, Clock::System().NowMs());
    if (!t.ok()) return UsageError(fmt::format("--since: {}", t.status().message()));
    since_ms = *t;
  }
  const bool grouped = !o.group.empty();
  if (grouped && !o.partitions.empty()) {
    return UsageError("--partition cannot be combined with --group (the group assigns partitions)");
  }
  client::ConsumerOptions co;
  co.group_id = o.group;
  co.auto_offset_reset = "earliest";
  auto consumer = client::Consumer::Create(o.flags.ToClientOptions(), co);
  if (!consumer.ok()) return Fail(consumer.status());
  if (Status s = consumer->client().Connect(); !s.ok()) return Fail(s);
  auto plan = PlanPartitions(*consumer, o, since_ms);
  if (!plan.ok()) return Fail(plan.status());

  ConsumeLoop loop(*consumer, o, std::move(plan).value());
  if (Status s = loop.Start(); !s.ok()) return Fail(s);
  CatchStopSignals();
  Status failure = loop.Run();
  Status committed = consumer->Commit();
  Status closed = consumer->Close();
  if (!failure.ok()) return Fail(failure);
  if (!committed.ok()) return Fail(committed);
  if (!closed.ok()) return Fail(closed);

  if (StderrIsTerminal()) {
    const int64_t printed = loop.printed();
    std::string note;
    if (printed == 0 && !grouped && !o.from_beginning && o.offset < 0 && since_ms < 0 &&
        loop.stops_when_caught_up()) {
      note =
          " (started at the end: --from-beginning reads earlier records, --follow waits for new "
          "ones)";
    }
    std::cerr << fmt::format("herald: consumed {} record{} from '{}'{}\n", printed,
                             printed == 1 ? "" : "s", o.topic, note);
  }
  return kExitOk;
}

}  // namespace

void RegisterConsume(CLI::App& app) {
  auto o = std::make_shared<ConsumeOptions>();
  auto* consume = app.add_subcommand(
      "consume", "Print records of a topic with partition, offset, timestamp, key and headers");
  consume->footer(kConsumeHelp);
  consume->add_option("topic", o->topic, "Topic")->required();
  consume->add_option("--group", o->group, "Consume as a member of this consumer group and commit");
  auto* beginning = consume->add_flag("--from-beginning", o->from_beginning,
                                      "Start at the beginning of each partition");
  auto* offset = consume
                     ->add_option("--offset", o->offset,
                                  "Start at this offset in each partition (kept within the "
                                  "partition's start and end)")
                     ->check(CLI::NonNegativeNumber);
  auto* since = consume->add_option(
      "--since", o->since,
      "Start at the first record at or after TIME: ISO 8601 (2026-11-30T08:00:00Z), a duration "
      "back from now (10m, 2h, 1d) or milliseconds since the epoch");
  beginning->excludes(offset)->excludes(since);
  offset->excludes(since);
  consume->add_option("--partition", o->partitions, "Only these partitions (repeatable)")
      ->allow_extra_args(false);
  consume->add_option("--count", o->count, "Stop after N records (waits for them)")
      ->check(CLI::PositiveNumber);
  consume->add_option("--timeout-ms", o->timeout_ms, "Stop after T ms without a record")
      ->check(CLI::PositiveNumber);
  consume->add_flag("--follow", o->follow, "Keep waiting for new records after catching up");
  consume
      ->add_option("--format", o->format,
                   "text: one tab-separated line per record (partition, offset, time, key, "
                   "headers k=v,..., value; '-' when absent); json: one JSON object per line")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  consume->add_flag(
      "--decode", o->decode,
      "Show keys and values framed with a registered Avro or JSON schema (Confluent's wire "
      "format) as JSON, fetching the schemas from --registry-url");
  consume
      ->add_option("--registry-url", o->registry.url,
                   "The schema registry (herald serve's HTTP port)")
      ->envname("HERALD_URL")
      ->capture_default_str();
  AddBootstrapFlag(consume, o->flags);
  consume->callback([o] { SetExitCode(RunConsume(*o)); });
}

}  // namespace herald::cli
