// `herald dlq list|show|replay|purge TOPIC`: the dead-letter topic `TOPIC.dlq` that the SDK's
// Router fills (see include/herald/router.h for its herald_* failure headers), on any
// Kafka-protocol broker through librdkafka. Reading assigns every partition of the DLQ from its
// start up to the end offsets it had when the command started (no group, nothing committed);
// replay produces with acks=all and waits for every delivery; purge deletes records
// (DeleteRecords) up to those end offsets. replay and purge are dry runs without --execute.
#include <algorithm>
#include <charconv>
#include <chrono>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/utf8.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "client/kafka_client.h"

namespace herald::cli {
namespace {

constexpr std::string_view kDlqSuffix = ".dlq";
constexpr const char* kReplayedFrom = "herald_replayed_from";
constexpr const char* kReplayedAt = "herald_replayed_at";
// Error messages longer than this are cut in tables (JSON has them whole).
constexpr size_t kMessageWidth = 60;

// ---- Dead-lettered records -------------------------------------------------------------------

// One record of a DLQ with its failure headers parsed (-1 / "" where a header is absent or not
// a number).
struct DlqRecord {
  client::Message message;
  std::string original_topic;
  int32_t original_partition = -1;
  int64_t original_offset = -1;
  std::string error_class;
  std::string error_message;
  int64_t attempts = -1;
  int64_t first_failure_ms = -1;
  int64_t last_failure_ms = -1;
  std::string consumer_group;

  // The time filters apply to: the last failure, else the record's own timestamp.
  int64_t failure_time_ms() const {
    return last_failure_ms >= 0 ? last_failure_ms : message.timestamp_ms;
  }
  // "orders.dlq/0/5".
  std::string position() const {
    return fmt::format("{}/{}/{}", message.topic, message.partition, message.offset);
  }
};

// The last value of header `name` (nullopt when absent or null).
std::optional<std::string> HeaderOf(const client::Message& m, std::string_view name) {
  std::optional<std::string> found;
  for (const auto& [k, v] : m.headers) {
    if (k == name) found = v;
  }
  return found;
}

int64_t ToInt(const std::optional<std::string>& text) {
  if (!text) return -1;
  int64_t v = -1;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  return ec == std::errc() && end == text->data() + text->size() ? v : -1;
}

DlqRecord Parse(client::Message m) {
  DlqRecord r;
  r.original_topic = HeaderOf(m, "herald_original_topic").value_or("");
  r.original_partition = static_cast<int32_t>(ToInt(HeaderOf(m, "herald_original_partition")));
  r.original_offset = ToInt(HeaderOf(m, "herald_original_offset"));
  r.error_class = HeaderOf(m, "herald_error_class").value_or("");
  r.error_message = HeaderOf(m, "herald_error_message").value_or("");
  r.attempts = ToInt(HeaderOf(m, "herald_attempts"));
  r.first_failure_ms = ToInt(HeaderOf(m, "herald_first_failure_ms"));
  r.last_failure_ms = ToInt(HeaderOf(m, "herald_last_failure_ms"));
  r.consumer_group = HeaderOf(m, "herald_consumer_group").value_or("");
  r.message = std::move(m);
  return r;
}

nlohmann::json IntJson(int64_t v) {
  return v >= 0 ? nlohmann::json(v) : nlohmann::json();
}
nlohmann::json TextJson(const std::optional<std::string>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json();
}
std::string IntText(int64_t v) {
  return v >= 0 ? std::to_string(v) : "-";
}
std::string TextOrDash(const std::string& s) {
  return s.empty() ? "-" : s;
}

// `text` on one line, cut to `width` bytes (never inside a UTF-8 sequence) with "...".
std::string Truncate(std::string_view text, size_t width) {
  std::string out(text);
  std::replace(out.begin(), out.end(), '\n', ' ');
  std::replace(out.begin(), out.end(), '\t', ' ');
  if (out.size() <= width) return out.empty() ? "-" : out;
  return Abbreviate(out, width - 3);
}

nlohmann::json RecordJson(const DlqRecord& r, bool with_payload) {
  const client::Message& m = r.message;
  nlohmann::json j{
      {"partition", m.partition},
      {"offset", m.offset},
      {"timestamp", m.timestamp_ms},
      {"key", TextJson(m.key)},
      {"original_topic",
       r.original_topic.empty() ? nlohmann::json() : nlohmann::json(r.original_topic)},
      {"original_partition", IntJson(r.original_partition)},
      {"original_offset", IntJson(r.original_offset)},
      {"error_class", r.error_class},
      {"error_message", r.error_message},
      {"attempts", IntJson(r.attempts)},
      {"first_failure_ms", IntJson(r.first_failure_ms)},
      {"last_failure_ms", IntJson(r.last_failure_ms)},
      {"last_failure",
       r.last_failure_ms < 0 ? nlohmann::json() : nlohmann::json(TimeText(r.last_failure_ms))},
      {"consumer_group", r.consumer_group}};
  if (with_payload) {
    nlohmann::json headers = nlohmann::json::array();
    for (const auto& [k, v] : m.headers) headers.push_back({{"key", k}, {"value", TextJson(v)}});
    j["topic"] = m.topic;
    j["timestamp_type"] = m.timestamp_type;
    j["headers"] = headers;
    j["value"] = TextJson(m.value);
  }
  return j;
}

// ---- Reading ---------------------------------------------------------------------------------

// Half-open offset ranges [first, second) per partition.
using Ranges = std::map<int32_t, std::pair<int64_t, int64_t>>;

struct DlqTopic {
  std::string name;
  std::map<int32_t, client::Watermarks> marks;  // per partition, when the command started

  // kNotFound unless the topic has `partition`.
  Status CheckPartition(int32_t partition) const {
    if (marks.contains(partition)) return Status::Ok();
    return NotFound("topic '{}' has no partition {} (it has {})", name, partition, marks.size());
  }
};

// The DLQ's partitions and their start and end offsets. kNotFound when it does not exist.
Result<DlqTopic> DescribeDlq(client::Client& client, const std::string& name) {
  HERALD_ASSIGN_OR_RETURN(client::TopicInfo info, client.DescribeTopic(name));
  std::vector<client::TopicPartition> partitions;
  for (const auto& p : info.partitions) partitions.push_back({name, p.id, 0, {}});
  HERALD_ASSIGN_OR_RETURN(std::vector<client::Watermarks> marks,
                          client.QueryWatermarks(partitions));
  DlqTopic out{name, {}};
  for (size_t i = 0; i < partitions.size(); ++i) out.marks[partitions[i].partition] = marks[i];
  return out;
}

// Every partition from its start to its end at start.
Ranges WholeTopic(const DlqTopic& dlq) {
  Ranges r;
  for (const auto& [p, m] : dlq.marks) r[p] = {m.low, m.high};
  return r;
}

// Reads the records of `ranges` of `topic` in offset order per partition and hands each to
// `on_record`, which returns false to stop. Returns OK once every range is read (or a partition
// reported its end early), kUnavailable when nothing arrived for a request timeout, or the
// consumer's error.
Status ReadRanges(const ClientFlags& flags, const std::string& topic, const Ranges& ranges,
                  const std::function<bool(DlqRecord)>& on_record) {
  std::vector<client::TopicPartition> assignment;
  std::set<int32_t> pending;
  for (const auto& [p, range] : ranges) {
    if (range.first >= range.second) continue;
    assignment.push_back({topic, p, range.first, {}});
    pending.insert(p);
  }
  if (assignment.empty()) return Status::Ok();
  const client::ClientOptions options = flags.ToClientOptions();
  HERALD_ASSIGN_OR_RETURN(client::Consumer consumer,
                          client::Consumer::Create(options, client::ConsumerOptions{}));
  HERALD_RETURN_IF_ERROR(consumer.Assign(assignment));
  const auto idle_limit = std::chrono::milliseconds(options.request_timeout_ms);
  auto last_activity = std::chrono::steady_clock::now();
  Status result;
  while (!pending.empty()) {
    if (std::chrono::steady_clock::now() - last_activity >= idle_limit) {
      result = Unavailable(
          "reading {}: no record for {} ms although {} partition{} not read to "
          "the end",
          topic, options.request_timeout_ms, pending.size(), pending.size() == 1 ? " is" : "s are");
      break;
    }
    auto event = consumer.Poll(100);
    if (!event.ok()) {
      result = event.status();
      break;
    }
    using Kind = client::Consumer::Event::Kind;
    if (event->kind == Kind::kNone) continue;
    const int32_t p = event->message.partition;
    if (event->message.topic != topic || !pending.contains(p)) continue;
    last_activity = std::chrono::steady_clock::now();
    if (event->kind == Kind::kPartitionEof) {
      pending.erase(p);
      continue;
    }
    const int64_t end = ranges.at(p).second;
    if (event->message.offset >= end) {
      pending.erase(p);
      continue;
    }
    if (event->message.offset + 1 >= end) pending.erase(p);
    if (!on_record(Parse(std::move(event->message)))) break;
  }
  Status closed = consumer.Close();
  if (!result.ok()) return result;
  return closed;
}

// ---- Filters ---------------------------------------------------------------------------------

struct FilterFlags {
  std::string error_class;
  std::string since;
  std::string until;
  int64_t limit = 0;
};

struct Filter {
  std::string error_class;
  int64_t since_ms = -1;
  int64_t until_ms = -1;
  int64_t limit = 0;
  bool Matches(const DlqRecord& r) const {
    if (!error_class.empty() && r.error_class != error_class) return false;
    const int64_t t = r.failure_time_ms();
    if (since_ms >= 0 && t < since_ms) return false;
    if (until_ms >= 0 && t >= until_ms) return false;
    return true;
  }
};

Result<Filter> MakeFilter(const FilterFlags& f) {
  Filter out{f.error_class, -1, -1, f.limit};
  const int64_t now = Clock::System().NowMs();
  if (!f.since.empty()) {
    auto t = ParseTime(f.since, now);
    if (!t.ok()) return InvalidArgument("--since: {}", t.status().message());
    out.since_ms = *t;
  }
  if (!f.until.empty()) {
    auto t = ParseTime(f.until, now);
    if (!t.ok()) return InvalidArgument("--until: {}", t.status().message());
    out.until_ms = *t;
  }
  return out;
}

void AddFilterFlags(CLI::App* command, FilterFlags& f) {
  command->add_option("--error-class", f.error_class,
                      "Only records whose herald_error_class is this");
  command->add_option("--since", f.since,
                      "Only records whose last failure is at or after TIME: ISO 8601 "
                      "(2026-11-30T08:00:00Z), a duration back from now (10m, 2h) or ms since "
                      "the epoch");
  command->add_option("--until", f.until, "Only records whose last failure is before TIME");
  command->add_option("--limit", f.limit, "At most N records (0: all)")
      ->check(CLI::NonNegativeNumber);
}

std::string DlqName(const std::string& topic) {
  return topic + std::string(kDlqSuffix);
}

// What every subcommand starts from: an admin client and the dead-letter topic of `topic`.
struct OpenedDlq {
  client::Admin admin;
  DlqTopic dlq;
};

Result<OpenedDlq> OpenDlq(const ClientFlags& flags, const std::string& topic) {
  HERALD_ASSIGN_OR_RETURN(client::Admin admin, ConnectAdmin(flags));
  HERALD_ASSIGN_OR_RETURN(DlqTopic dlq, DescribeDlq(admin.client(), DlqName(topic)));
  return OpenedDlq{std::move(admin), std::move(dlq)};
}

// The matching records of the whole DLQ, in partition then offset order. `also` narrows further.
Result<std::vector<DlqRecord>> Select(const ClientFlags& flags, const DlqTopic& dlq,
                                      const Filter& filter,
                                      const std::function<bool(const DlqRecord&)>& also = {}) {
  std::vector<DlqRecord> out;
  const Ranges ranges = WholeTopic(dlq);
  HERALD_RETURN_IF_ERROR(ReadRanges(flags, dlq.name, ranges, [&](DlqRecord r) {
    if (filter.Matches(r) && (!also || also(r))) out.push_back(std::move(r));
    return filter.limit == 0 || static_cast<int64_t>(out.size()) < filter.limit;
  }));
  // Partitions are read concurrently: put them in order.
  std::stable_sort(out.begin(), out.end(), [](const DlqRecord& a, const DlqRecord& b) {
    return std::pair(a.message.partition, a.message.offset) <
           std::pair(b.message.partition, b.message.offset);
  });
  return out;
}

// ---- list ------------------------------------------------------------------------------------

struct DlqListOptions {
  ClientFlags flags;
  std::string topic;
  FilterFlags filters;
};

int RunDlqList(const DlqListOptions& o) {
  auto filter = MakeFilter(o.filters);
  if (!filter.ok()) return UsageError(filter.status().message());
  auto opened = OpenDlq(o.flags, o.topic);
  if (!opened.ok()) return Fail(opened.status());
  const DlqTopic& dlq = opened->dlq;
  auto records = Select(o.flags, dlq, *filter);
  if (!records.ok()) return Fail(records.status());
  if (o.flags.json()) {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& r : *records) rows.push_back(RecordJson(r, false));
    PrintJson({{"topic", o.topic}, {"dlq", dlq.name}, {"records", rows}});
    return kExitOk;
  }
  Table table({"PARTITION", "OFFSET", "ORIGINAL-TOPIC", "ORIG-PARTITION", "ORIG-OFFSET",
               "ERROR-CLASS", "ATTEMPTS", "LAST-FAILURE", "ERROR"});
  for (const auto& r : *records) {
    table.AddRow({std::to_string(r.message.partition), std::to_string(r.message.offset),
                  TextOrDash(r.original_topic), IntText(r.original_partition),
                  IntText(r.original_offset), TextOrDash(r.error_class), IntText(r.attempts),
                  TimeText(r.last_failure_ms), Truncate(r.error_message, kMessageWidth)});
  }
  if (table.empty()) {
    std::cout << fmt::format("(no dead-lettered records in '{}')\n", dlq.name);
  } else {
    table.Print(std::cout);
  }
  return kExitOk;
}

// ---- show ------------------------------------------------------------------------------------

struct ShowOptions {
  ClientFlags flags;
  std::string topic;
  int64_t offset = -1;
  int32_t partition = 0;
};

int RunShow(const ShowOptions& o) {
  auto opened = OpenDlq(o.flags, o.topic);
  if (!opened.ok()) return Fail(opened.status());
  const DlqTopic& dlq = opened->dlq;
  if (Status s = dlq.CheckPartition(o.partition); !s.ok()) return Fail(s);
  auto mark = dlq.marks.find(o.partition);
  const client::Watermarks& m = mark->second;
  if (o.offset < m.low || o.offset >= m.high) {
    return Fail(NotFound("'{}' partition {} has no record at offset {} (its records are at {}..{})",
                         dlq.name, o.partition, o.offset, m.low, m.high - 1));
  }
  std::optional<DlqRecord> found;
  Status read =
      ReadRanges(o.flags, dlq.name, {{o.partition, {o.offset, m.high}}}, [&](DlqRecord r) {
        if (r.message.offset == o.offset) found = std::move(r);
        return false;  // the first record at or after the offset decides
      });
  if (!read.ok()) return Fail(read);
  if (!found) {
    return Fail(
        NotFound("'{}' partition {} has no record at offset {}", dlq.name, o.partition, o.offset));
  }
  const DlqRecord& r = *found;
  if (o.flags.json()) {
    PrintJson(RecordJson(r, true));
    return kExitOk;
  }
  std::cout << fmt::format("Record:          {}\n", r.position());
  std::cout << fmt::format("Timestamp:       {} ({})\n", TimeText(r.message.timestamp_ms),
                           r.message.timestamp_type);
  std::cout << fmt::format("Original:        {}/{}/{}\n", TextOrDash(r.original_topic),
                           IntText(r.original_partition), IntText(r.original_offset));
  std::cout << fmt::format("Error class:     {}\n", TextOrDash(r.error_class));
  std::cout << fmt::format("Error message:   {}\n", TextOrDash(r.error_message));
  std::cout << fmt::format("Attempts:        {}\n", IntText(r.attempts));
  std::cout << fmt::format("First failure:   {}\n", TimeText(r.first_failure_ms));
  std::cout << fmt::format("Last failure:    {}\n", TimeText(r.last_failure_ms));
  std::cout << fmt::format("Consumer group:  {}\n", TextOrDash(r.consumer_group));
  std::cout << fmt::format("Key:             {}\n", r.message.key ? *r.message.key : "(null)");
  std::cout << "Headers:\n";
  if (r.message.headers.empty()) std::cout << "  (none)\n";
  for (const auto& [k, v] : r.message.headers) {
    std::cout << fmt::format("  {}: {}\n", k, v ? *v : "(null)");
  }
  std::cout << "Value:\n" << (r.message.value ? *r.message.value : "(null)") << "\n";
  return kExitOk;
}

// ---- replay ----------------------------------------------------------------------------------

struct ReplayOptions {
  ClientFlags flags;
  std::string topic;
  FilterFlags filters;
  std::vector<int64_t> offsets;
  std::vector<int32_t> partitions;
  std::string to;
  bool execute = false;
};

struct ReplayItem {
  DlqRecord record;
  std::string destination;
  int32_t new_partition = -1;
  int64_t new_offset = -1;
  Status delivery;
  bool delivered = false;
};

client::Record ReplayRecord(const DlqRecord& r, int64_t now_ms) {
  client::Record out;
  out.key = r.message.key;
  out.value = r.message.value;
  for (const auto& [k, v] : r.message.headers) {
    // A replay's own marks are replaced, not stacked.
    if (k == kReplayedFrom || k == kReplayedAt) continue;
    out.headers.emplace_back(k, v.value_or(""));
  }
  out.headers.emplace_back(kReplayedFrom, r.position());
  out.headers.emplace_back(kReplayedAt, std::to_string(now_ms));
  return out;
}

int RunReplay(const ReplayOptions& o) {
  auto filter = MakeFilter(o.filters);
  if (!filter.ok()) return UsageError(filter.status().message());
  auto opened = OpenDlq(o.flags, o.topic);
  if (!opened.ok()) return Fail(opened.status());
  const DlqTopic& dlq = opened->dlq;
  for (int32_t p : o.partitions) {
    if (Status s = dlq.CheckPartition(p); !s.ok()) return Fail(s);
  }
  const std::set<int64_t> offsets(o.offsets.begin(), o.offsets.end());
  const std::set<int32_t> partitions(o.partitions.begin(), o.partitions.end());
  auto records = Select(o.flags, dlq, *filter, [&](const DlqRecord& r) {
    return (offsets.empty() || offsets.contains(r.message.offset)) &&
           (partitions.empty() || partitions.contains(r.message.partition));
  });
  if (!records.ok()) return Fail(records.status());

  std::vector<ReplayItem> plan;
  for (auto& r : *records) {
    std::string to = o.to.empty() ? r.original_topic : o.to;
    if (to.empty()) {
      return Fail(InvalidArgument(
          "{} has no herald_original_topic header; give --to TOPIC to replay it", r.position()));
    }
    plan.push_back({std::move(r), std::move(to), -1, -1, {}, false});
  }

  size_t failed = 0;
  Status first_failure;
  if (o.execute && !plan.empty()) {
    // Before the producer, which holds the delivery handler that updates it.
    ProgressBar progress(fmt::format("replaying {}", dlq.name), plan.size());
    client::ProducerOptions po;
    po.acks = "all";
    auto producer = client::Producer::Create(o.flags.ToClientOptions(), po);
    if (!producer.ok()) return Fail(producer.status());
    uint64_t done = 0;
    producer->set_delivery_handler([&](const client::DeliveryReport& report) {
      auto* item = static_cast<ReplayItem*>(report.opaque);
      if (item == nullptr) return;
      item->delivered = true;
      item->delivery = report.status;
      item->new_partition = report.partition;
      item->new_offset = report.offset;
      progress.Update(++done);
    });
    const int64_t now = Clock::System().NowMs();
    Status send_failure;
    for (auto& item : plan) {
      send_failure = producer->Send(item.destination, ReplayRecord(item.record, now), &item);
      if (!send_failure.ok()) break;
      producer->Poll(0);
    }
    Status flushed = producer->Flush(o.flags.ToClientOptions().request_timeout_ms);
    progress.Finish();
    if (!send_failure.ok()) return Fail(send_failure);
    if (!flushed.ok()) return Fail(flushed);
    for (const auto& item : plan) {
      if (item.delivered && item.delivery.ok()) continue;
      ++failed;
      if (first_failure.ok()) {
        first_failure = item.delivered
                            ? item.delivery
                            : Unavailable("{}: no delivery report", item.record.position());
      }
    }
  }

  if (o.flags.json()) {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& item : plan) {
      nlohmann::json j = RecordJson(item.record, false);
      j["to"] = item.destination;
      if (o.execute) {
        const bool ok = item.delivered && item.delivery.ok();
        j["replayed"] = ok;
        j["new_partition"] = ok ? nlohmann::json(item.new_partition) : nlohmann::json();
        j["new_offset"] = ok ? nlohmann::json(item.new_offset) : nlohmann::json();
        if (!ok) j["error"] = item.delivered ? item.delivery.message() : "no delivery report";
      }
      rows.push_back(std::move(j));
    }
    PrintJson({{"topic", o.topic},
               {"dlq", dlq.name},
               {"executed", o.execute},
               {"replayed", o.execute ? plan.size() - failed : 0},
               {"failed", failed},
               {"records", rows}});
  } else if (plan.empty()) {
    std::cout << fmt::format("(no matching records in '{}')\n", dlq.name);
  } else {
    std::vector<std::string> headers{"PARTITION", "OFFSET", "TO", "ERROR-CLASS", "LAST-FAILURE"};
    if (o.execute) {
      headers.insert(headers.end(), {"NEW-PARTITION", "NEW-OFFSET"});
    }
    Table table(headers);
    for (const auto& item : plan) {
      const DlqRecord& r = item.record;
      std::vector<std::string> row{std::to_string(r.message.partition),
                                   std::to_string(r.message.offset), item.destination,
                                   TextOrDash(r.error_class), TimeText(r.last_failure_ms)};
      if (o.execute) {
        const bool ok = item.delivered && item.delivery.ok();
        row.push_back(ok ? std::to_string(item.new_partition) : "-");
        row.push_back(ok ? std::to_string(item.new_offset) : "-");
      }
      table.AddRow(std::move(row));
    }
    table.Print(std::cout);
    if (o.execute) {
      std::cout << fmt::format("Replayed {} of {} record{} from '{}'.\n", plan.size() - failed,
                               plan.size(), plan.size() == 1 ? "" : "s", dlq.name);
    }
  }
  if (!o.execute) {
    std::cerr << fmt::format(
        "herald: dry run, nothing changed; add --execute to replay {} record{}\n", plan.size(),
        plan.size() == 1 ? "" : "s");
  }
  if (failed > 0) {
    return Fail(first_failure.WithContext(
        fmt::format("{} of {} records not replayed", failed, plan.size())));
  }
  return kExitOk;
}

// ---- purge -----------------------------------------------------------------------------------

struct PurgeOptions {
  ClientFlags flags;
  std::string topic;
  bool execute = false;
};

int RunPurge(const PurgeOptions& o) {
  auto opened = OpenDlq(o.flags, o.topic);
  if (!opened.ok()) return Fail(opened.status());
  const DlqTopic& dlq = opened->dlq;
  std::vector<client::TopicPartition> before;
  int64_t total = 0;
  for (const auto& [p, m] : dlq.marks) {
    if (m.high > m.low) {
      before.push_back({dlq.name, p, m.high, {}});
      total += m.high - m.low;
    }
  }
  std::map<int32_t, int64_t> new_start;
  if (o.execute) {
    auto deleted = opened->admin.DeleteRecords(before);
    if (!deleted.ok()) return Fail(deleted.status());
    for (const auto& tp : *deleted) {
      if (!tp.status.ok()) return Fail(tp.status);
      new_start[tp.partition] = tp.offset;
    }
  }
  nlohmann::json rows = nlohmann::json::array();
  Table table({"PARTITION", "START", "END", "RECORDS", o.execute ? "NEW-START" : "PURGE-BEFORE"});
  for (const auto& [p, m] : dlq.marks) {
    const int64_t after = new_start.contains(p) ? new_start[p] : m.high;
    nlohmann::json row{{"partition", p},
                       {"start_offset", m.low},
                       {"end_offset", m.high},
                       {"records", m.high - m.low}};
    if (o.execute) row["new_start_offset"] = after;
    rows.push_back(std::move(row));
    table.AddRow({std::to_string(p), std::to_string(m.low), std::to_string(m.high),
                  std::to_string(m.high - m.low), std::to_string(after)});
  }
  if (o.flags.json()) {
    PrintJson({{"topic", o.topic},
               {"dlq", dlq.name},
               {"executed", o.execute},
               {"records", total},
               {"partitions", rows}});
  } else {
    table.Print(std::cout);
    if (o.execute) {
      std::cout << fmt::format("Purged {} record{} from '{}'.\n", total, total == 1 ? "" : "s",
                               dlq.name);
    }
  }
  if (!o.execute) {
    std::cerr << fmt::format(
        "herald: dry run, nothing changed; add --execute to delete {} record{}\n", total,
        total == 1 ? "" : "s");
  }
  return kExitOk;
}

}  // namespace

void RegisterDlq(CLI::App& app) {
  auto* dlq = app.add_subcommand(
      "dlq",
      "Inspect, replay and purge the dead-letter topic TOPIC.dlq (herald_* failure headers)");
  dlq->require_subcommand(1);

  auto l = std::make_shared<DlqListOptions>();
  auto* list = dlq->add_subcommand(
      "list",
      "One row per dead-lettered record of TOPIC.dlq: where it came from, its error class, "
      "attempts, last failure and error message. Reads from the start to the end offsets at "
      "start; no group, nothing committed.");
  list->add_option("topic", l->topic, "The topic whose dead-letter topic (TOPIC.dlq) to read")
      ->required();
  AddFilterFlags(list, l->filters);
  AddClientFlags(list, l->flags);
  list->callback([l] { SetExitCode(RunDlqList(*l)); });

  auto s = std::make_shared<ShowOptions>();
  auto* show = dlq->add_subcommand("show", "One dead-lettered record in full: key, value, headers");
  show->add_option("topic", s->topic, "The topic whose dead-letter topic (TOPIC.dlq) to read")
      ->required();
  show->add_option("--offset", s->offset, "Offset of the record in TOPIC.dlq")
      ->required()
      ->check(CLI::NonNegativeNumber);
  show->add_option("--partition", s->partition, "Partition of TOPIC.dlq")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  AddClientFlags(show, s->flags);
  show->callback([s] { SetExitCode(RunShow(*s)); });

  auto r = std::make_shared<ReplayOptions>();
  auto* replay = dlq->add_subcommand(
      "replay",
      "Re-publish selected dead-lettered records (key, value and every header kept, plus "
      "herald_replayed_from and herald_replayed_at) to their original topic "
      "(herald_original_topic) or to --to, with acks=all, waiting for every delivery. Without "
      "--execute only the plan is printed.");
  replay->add_option("topic", r->topic, "The topic whose dead-letter topic (TOPIC.dlq) to read")
      ->required();
  AddFilterFlags(replay, r->filters);
  replay->add_option("--offset", r->offsets, "Only records at these offsets (repeatable)")
      ->allow_extra_args(false);
  replay
      ->add_option("--partition", r->partitions, "Only these partitions of TOPIC.dlq (repeatable)")
      ->allow_extra_args(false);
  replay->add_option("--to", r->to, "Publish to this topic instead of the original one");
  replay->add_flag("--execute", r->execute, "Publish the records");
  AddClientFlags(replay, r->flags);
  replay->callback([r] { SetExitCode(RunReplay(*r)); });

  auto p = std::make_shared<PurgeOptions>();
  auto* purge = dlq->add_subcommand(
      "purge",
      "Delete every record of TOPIC.dlq up to its current end (DeleteRecords). Without "
      "--execute only the plan is printed.");
  purge->add_option("topic", p->topic, "The topic whose dead-letter topic (TOPIC.dlq) to purge")
      ->required();
  purge->add_flag("--execute", p->execute, "Delete the records");
  AddClientFlags(purge, p->flags);
  purge->callback([p] { SetExitCode(RunPurge(*p)); });
}

}  // namespace herald::cli
