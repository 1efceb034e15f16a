// `herald produce TOPIC`: one record per input line (stdin or --file) to any Kafka-protocol
// broker through librdkafka, then a summary of what was acknowledged per partition.
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/registry_schemas.h"
#include "client/kafka_client.h"

namespace herald::cli {
namespace {

struct ProduceOptions {
  ClientFlags flags;
  std::string topic;
  std::string file;
  std::string key_separator;
  std::vector<std::string> headers;
  int partition = client::kAnyPartition;
  std::string acks = "all";
  bool validate_json = false;
  std::optional<int32_t> value_schema_id;  // values are JSON encoded with this schema
  client::HttpClientOptions registry;      // where that schema is
};

struct PartitionTally {
  uint64_t records = 0;
  int64_t first_offset = -1;
  int64_t last_offset = -1;
};

struct Tally {
  uint64_t sent = 0;
  uint64_t acknowledged = 0;
  uint64_t failed = 0;
  Status first_failure;
  std::map<int32_t, PartitionTally> partitions;
};

// A line as a record: the key is what comes before the first separator (no separator in the
// line: no key), the value the rest.
client::Record ToRecord(const std::string& line, const ProduceOptions& o,
                        const std::vector<std::pair<std::string, std::string>>& headers) {
  client::Record r;
  r.partition = o.partition;
  r.headers = headers;
  size_t at = o.key_separator.empty() ? std::string::npos : line.find(o.key_separator);
  if (at == std::string::npos) {
    r.value = line;
  } else {
    r.key = line.substr(0, at);
    r.value = line.substr(at + o.key_separator.size());
  }
  return r;
}

// "why" of a JSON parse error without the library's "[json.exception.parse_error.101] " prefix.
std::string JsonError(const std::string& value) {
  if (nlohmann::json::accept(value)) return "";
  try {
    [[maybe_unused]] auto parsed = nlohmann::json::parse(value);
    return "";
  } catch (const nlohmann::json::parse_error& e) {
    std::string_view what = e.what();
    if (size_t end = what.find("] "); what.starts_with("[json.exception") && end != what.npos) {
      what.remove_prefix(end + 2);
    }
    return std::string(what);
  }
}

// Reads lines (numbered from 1), dropping a trailing '\r'; calls `each(number, line)` for the
// non-empty ones until it returns a non-OK Status. `bytes` counts what was read.
template <typename Fn>
Status ForEachLine(std::istream& in, uint64_t& bytes, Fn each) {
  std::string line;
  uint64_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    bytes += line.size() + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    HERALD_RETURN_IF_ERROR(each(number, line));
  }
  if (in.bad()) return IoError("reading input failed after line {}", number);
  return Status::Ok();
}

int RunProduce(const ProduceOptions& o) {
  std::vector<std::pair<std::string, std::string>> headers;
  for (const auto& h : o.headers) {
    auto kv = ParseKeyValue(h, "--header");
    if (!kv.ok()) return UsageError(kv.status().message());
    headers.push_back(std::move(*kv));
  }
  std::ifstream file;
  uint64_t input_size = 0;
  if (!o.file.empty()) {
    file.open(o.file, std::ios::binary);
    if (!file) return Fail(IoError("cannot open {}: {}", o.file, std::strerror(errno)));
    struct stat st {};
    if (::stat(o.file.c_str(), &st) == 0) input_size = static_cast<uint64_t>(st.st_size);
  }
  std::istream& in = o.file.empty() ? std::cin : file;
  const std::string source = o.file.empty() ? "stdin" : o.file;

  // --validate-json and --value-schema-id: the whole input is checked (and encoded) before
  // anything is sent, so a bad line means nothing was produced.
  std::vector<client::Record> validated;
  uint64_t bytes_read = 0;
  const bool checked = o.validate_json || o.value_schema_id.has_value();
  if (checked) {
    RegistrySchemas schemas(o.registry);
    Status s = ForEachLine(in, bytes_read, [&](uint64_t number, const std::string& line) {
      client::Record record = ToRecord(line, o, headers);
      std::string why = JsonError(*record.value);
      if (!why.empty()) {
        return InvalidArgument("{} line {}: the value is not valid JSON ({}); nothing was produced",
                               source, number, why);
      }
      if (o.value_schema_id) {
        auto framed = schemas.EncodeJson(*o.value_schema_id, *record.value);
        if (!framed.ok()) {
          return InvalidArgument("{} line {}: {}; nothing was produced", source, number,
                                 framed.status().message());
        }
        record.value = std::move(*framed);
      }
      validated.push_back(std::move(record));
      return Status::Ok();
    });
    if (!s.ok()) return Fail(s);
  }

  client::ProducerOptions po;
  po.acks = o.acks;
  auto producer = client::Producer::Create(o.flags.ToClientOptions(), po);
  if (!producer.ok()) return Fail(producer.status());
  if (Status s = producer->client().Connect(); !s.ok()) return Fail(s);

  Tally tally;
  producer->set_delivery_handler([&tally](const client::DeliveryReport& r) {
    if (!r.status.ok()) {
      if (tally.failed++ == 0) tally.first_failure = r.status;
      return;
    }
    ++tally.acknowledged;
    PartitionTally& p = tally.partitions[r.partition];
    ++p.records;
    if (r.offset >= 0) {
      if (p.first_offset < 0 || r.offset < p.first_offset) p.first_offset = r.offset;
      p.last_offset = std::max(p.last_offset, r.offset);
    }
  });

  // Progress: bytes of a file, records of a validated input, a count otherwise.
  const uint64_t total = checked ? validated.size() : input_size;
  ProgressBar progress(fmt::format("producing to {}", o.topic), total);
  auto send = [&](const client::Record& record) -> Status {
    HERALD_RETURN_IF_ERROR(producer->Send(o.topic, record));
    ++tally.sent;
    if (tally.sent % 1000 == 0) producer->Poll(0);
    return Status::Ok();
  };
  Status sent;
  if (checked) {
    for (const auto& record : validated) {
      if (sent = send(record); !sent.ok()) break;
      progress.Update(tally.sent);
    }
  } else {
    sent = ForEachLine(in, bytes_read, [&](uint64_t number, const std::string& line) {
      Status s = send(ToRecord(line, o, headers));
      if (!s.ok()) return s.WithContext(fmt::format("{} line {}", source, number));
      progress.Update(input_size > 0 ? bytes_read : tally.sent);
      return Status::Ok();
    });
  }
  Status flushed = producer->Flush(o.flags.ToClientOptions().request_timeout_ms);
  progress.Finish();

  if (o.flags.json()) {
    nlohmann::json partitions = nlohmann::json::array();
    for (const auto& [p, t] : tally.partitions) {
      partitions.push_back(
          {{"partition", p},
           {"records", t.records},
           {"first_offset",
            t.first_offset >= 0 ? nlohmann::json(t.first_offset) : nlohmann::json()},
           {"last_offset", t.last_offset >= 0 ? nlohmann::json(t.last_offset) : nlohmann::json()}});
    }
    PrintJson({{"topic", o.topic},
               {"records", tally.acknowledged},
               {"failed", tally.failed},
               {"partitions", partitions}});
  } else {
    std::cout << fmt::format("Produced {} record{} to '{}'.\n", tally.acknowledged,
                             tally.acknowledged == 1 ? "" : "s", o.topic);
    if (!tally.partitions.empty()) {
      Table table({"PARTITION", "RECORDS", "FIRST OFFSET", "LAST OFFSET"});
      for (const auto& [p, t] : tally.partitions) {
        table.AddRow({std::to_string(p), std::to_string(t.records),
                      t.first_offset < 0 ? "-" : std::to_string(t.first_offset),
                      t.last_offset < 0 ? "-" : std::to_string(t.last_offset)});
      }
      table.Print(std::cout);
    }
  }
  if (!sent.ok()) return Fail(sent);
  if (tally.failed > 0) {
    return Fail(tally.first_failure.WithContext(
        fmt::format("{} of {} records failed", tally.failed, tally.sent)));
  }
  if (!flushed.ok()) return Fail(flushed);
  return kExitOk;
}

}  // namespace

void RegisterProduce(CLI::App& app) {
  auto o = std::make_shared<ProduceOptions>();
  auto* produce =
      app.add_subcommand("produce", "Produce one record per line of stdin (or --file) to a topic");
  produce->footer(
      "Empty lines are skipped. At the end, prints the records acknowledged per partition (with "
      "--output json, one JSON document). With --validate-json the whole input is read and "
      "checked before anything is sent: one bad line and nothing is produced.");
  produce->add_option("topic", o->topic, "Topic (created on use if the broker allows)")->required();
  produce->add_option("--file", o->file, "Read lines from this file instead of stdin");
  produce->add_option("--key-separator", o->key_separator,
                      "Split each line at the first SEP into key and value (a line without SEP "
                      "gets no key)");
  produce->add_option("--header", o->headers, "Header k=v added to every record (repeatable)")
      ->allow_extra_args(false);
  produce
      ->add_option("--partition", o->partition,
                   "Partition for every record (default: the partitioner's choice by key)")
      ->check(CLI::NonNegativeNumber);
  produce->add_option("--acks", o->acks, "Acknowledgement: all, 1 or 0")
      ->check(CLI::IsMember({"all", "1", "0"}))
      ->capture_default_str();
  produce->add_flag(
      "--validate-json", o->validate_json,
      "Every value must be valid JSON: the whole input is read and checked first, and "
      "on the first bad line nothing at all is produced (the error names the line)");
  produce->add_option("--value-schema-id", o->value_schema_id,
                      "Each value is JSON for this registered schema (Avro's JSON encoding for "
                      "Avro, an instance for JSON Schema): checked first, like --validate-json, "
                      "and sent in Confluent's wire format");
  produce->add_option("--registry-url", o->registry.url,
                      "The schema registry (herald serve's HTTP port)")
      ->envname("HERALD_URL")
      ->capture_default_str();
  AddClientFlags(produce, o->flags);
  produce->callback([o] { SetExitCode(RunProduce(*o)); });
}

}  // namespace herald::cli
