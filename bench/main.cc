// herald-bench: the benchmarks, side by side with raw limits and peer systems. A binary of its own
// so that the broker links none of the peers' client libraries; `herald bench ARGS` runs it from
// beside the herald binary, and it starts that herald binary (`herald serve`) where a bench needs
// a broker.
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <unistd.h>

#include "compare_bench.h"
#include "eventstore_bench.h"
#include "http_bench.h"
#include "produce_bench.h"
#include "schema_bench.h"
#include "sdk_bench.h"
#include "storage_bench.h"

namespace herald::bench {
namespace {

constexpr int kExitFailure = 1;
int exit_code = 0;

// The herald binary beside this one, which benches start as `herald serve`.
std::string HeraldBinary() {
  return (std::filesystem::read_symlink("/proc/self/exe").parent_path() / "herald").string();
}

// This process's command line, words joined by spaces (for the reports).
std::string OwnCommandLine() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::string out;
  size_t start = 0;
  for (size_t i = 0; i <= all.size(); ++i) {
    if (i == all.size() || all[i] == '\0') {
      if (i > start) {
        std::string word = all.substr(start, i - start);
        if (start == 0) word = "herald bench";
        out += fmt::format("{}{}", out.empty() ? "" : " ", word);
      }
      start = i + 1;
    }
  }
  return out;
}

void RegisterCompare(CLI::App& parent) {
  auto opts = std::make_shared<CompareOptions>();
  auto durability = std::make_shared<std::string>("fsync");
  auto json_only = std::make_shared<bool>(false);
  auto* compare = parent.add_subcommand(
      "compare",
      "Herald side by side with RabbitMQ, Redis Streams and NATS JetStream (each started on "
      "loopback): max-rate publish, backlog consume, fixed-rate end-to-end latency");
  compare->add_option("--systems", opts->systems, "Comma-separated: herald,rabbitmq,redis,nats")
      ->delimiter(',')
      ->capture_default_str();
  compare->add_option("--record-size", opts->record_size, "Bytes per message")
      ->capture_default_str();
  compare->add_option("--count", opts->count, "Messages in the max-rate publish and consume")
      ->capture_default_str();
  compare
      ->add_option("--rate", opts->rate,
                   "Fixed-rate phase, msgs/s (0: half the slowest system's max)")
      ->capture_default_str();
  compare->add_option("--latency-seconds", opts->latency_seconds, "Length of the fixed-rate phase")
      ->capture_default_str();
  compare->add_option("--partitions", opts->partitions, "Partitions of Herald's topic")
      ->capture_default_str();
  compare
      ->add_option("--durability", *durability,
                   "fsync: acknowledged once on disk where a system allows; os: page cache")
      ->check(CLI::IsMember({"fsync", "os"}))
      ->capture_default_str();
  compare->add_option("--window", opts->window, "Unacknowledged publishes in flight per client")
      ->capture_default_str();
  compare
      ->add_option("--start-timeout", opts->start_timeout_s,
                   "Seconds a server may take to start before it counts as not available")
      ->capture_default_str();
  compare->add_option("--out", opts->out_dir,
                      "Directory for compare.json, compare.md and compare.svg (default "
                      "results/compare-<durability>-<time>)");
  compare->add_option("--dir", opts->scratch_dir,
                      "Scratch directory for the servers' data (default /tmp/herald-bench-"
                      "compare-<pid>; emptied, then removed)");
  compare->add_flag("--json", *json_only, "Print the JSON report instead of the Markdown table");
  compare->callback([opts, durability, json_only] {
    opts->durability = *durability == "os" ? Durability::kOs : Durability::kFsync;
    opts->herald_binary = HeraldBinary();
    opts->herald_version = HERALD_VERSION;
    opts->command_line = OwnCommandLine();
    opts->progress_bar = ::isatty(STDERR_FILENO) != 0;
    if (opts->out_dir.empty()) {
      std::time_t t = std::time(nullptr);
      std::tm tm{};
      ::localtime_r(&t, &tm);
      char stamp[32];
      std::strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
      opts->out_dir = fmt::format("results/compare-{}-{}", *durability, stamp);
    }
    auto report = RunCompareBench(*opts, std::cerr);
    if (!report.ok()) {
      std::cerr << "herald bench compare: " << report.status().ToString() << "\n";
      exit_code = kExitFailure;
      return;
    }
    auto written = WriteCompareReport(*report, opts->out_dir);
    if (!written.ok()) {
      std::cerr << "herald bench compare: " << written.status().ToString() << "\n";
      exit_code = kExitFailure;
      return;
    }
    std::cout << (*json_only ? report->ToJson().dump(2) + "\n" : report->ToMarkdown())
              << std::flush;
    for (const auto& path : *written) std::cerr << "wrote " << path << "\n";
    // Herald's own figures are the point: fail when it was asked for and did not deliver them.
    const SystemResult* herald = report->Find("herald");
    if (herald != nullptr && (!herald->available || !herald->error.empty())) {
      std::cerr << "herald bench compare: Herald did not complete: " << herald->error << "\n";
      exit_code = kExitFailure;
    }
  });
}

// Sets `command` to run `run` on `options`: progress on stderr (none with --json), then the result
// as one JSON line on stdout; a failure is reported as "herald bench NAME: ..." (exit 1).
template <typename Options, typename Run>
void AddJsonBench(CLI::App* command, std::shared_ptr<Options> options, Run run) {
  auto json_only = std::make_shared<bool>(false);
  command->add_flag("--json", *json_only, "Print only the JSON result line");
  command->callback([command, options, json_only, run] {
    std::ostream null_stream(nullptr);
    auto result = run(*options, *json_only ? null_stream : std::cerr);
    if (!result.ok()) {
      std::cerr << "herald bench " << command->get_name() << ": " << result.status().ToString()
                << "\n";
      exit_code = kExitFailure;
      return;
    }
    std::cout << result->ToJson() << std::endl;
  });
}

void RegisterBenches(CLI::App& bench) {
  auto opts = std::make_shared<StorageBenchOptions>();
  auto* storage = bench.add_subcommand(
      "storage", "Durable appends, reads and reopen of the partition log versus the raw disk");
  storage->add_option("--dir", opts->dir, "Directory to write in (emptied first)");
  storage->add_option("--record-size", opts->record_size, "Bytes per record")
      ->capture_default_str();
  storage->add_option("--batch-bytes", opts->batch_bytes, "Bytes per batch (one fsync each)")
      ->capture_default_str();
  storage
      ->add_option("--total", opts->total_bytes,
                   "Bytes to write; suffixes KiB, MiB, GiB (e.g. 1GiB)")
      ->transform(CLI::AsSizeValue(false))
      ->capture_default_str();
  storage->add_option("--segment-bytes", opts->segment_bytes, "segment.bytes of the log")
      ->transform(CLI::AsSizeValue(false))
      ->capture_default_str();
  AddJsonBench(storage, opts, RunStorageBench);

  auto hopts = std::make_shared<HttpBenchOptions>();
  auto* http = bench.add_subcommand(
      "http", "Produce through the REST proxy (JSON batches) versus the Kafka protocol");
  http->add_option("--count", hopts->count, "Records per path")->capture_default_str();
  http->add_option("--record-size", hopts->record_size)->capture_default_str();
  http->add_option("--batch", hopts->batch, "Records per POST")->capture_default_str();
  http->add_option("--connections", hopts->connections)
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  http->add_option("--partitions", hopts->partitions)->capture_default_str();
  http->add_option("--dir", hopts->dir, "Scratch directory")->capture_default_str();
  AddJsonBench(http, hopts, [](HttpBenchOptions& o, std::ostream& progress) {
    o.herald_binary = HeraldBinary();
    return RunHttpBench(o, progress);
  });

  auto popts = std::make_shared<ProduceBenchOptions>();
  popts->dir = "/tmp/herald-bench-produce";
  auto* produce = bench.add_subcommand(
      "produce",
      "Produce and consume through the Kafka protocol (librdkafka) versus storage alone");
  produce->add_option("--bootstrap", popts->bootstrap,
                      "HOST:PORT of a broker; without it the bench starts its own herald serve");
  produce->add_option("--topic", popts->topic)->capture_default_str();
  produce->add_option("--partitions", popts->partitions)->capture_default_str();
  produce->add_option("--record-size", popts->record_size)->capture_default_str();
  produce->add_option("--count", popts->count)->capture_default_str();
  produce->add_option("--acks", popts->acks)
      ->check(CLI::IsMember({"0", "1", "all"}))
      ->capture_default_str();
  produce->add_option("--dir", popts->dir, "Scratch directory")->capture_default_str();
  produce->add_flag("--transactional", popts->transactional,
                    "Also produce through an idempotent and a transactional producer and read "
                    "each back (read_uncommitted, read_committed)");
  produce->add_flag("--tls", popts->tls,
                    "Also produce and consume the same records through a TLS listener (a "
                    "self-signed certificate) and compare with plaintext");
  produce->add_flag("--sasl", popts->sasl,
                    "Also produce and consume the same records through a broker that takes SASL "
                    "SCRAM-SHA-256, and time new clients to their first answer with and without "
                    "SCRAM");
  produce
      ->add_option("--connections", popts->connections,
                   "New clients timed for each connection setup figure (with --sasl)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  produce->add_option("--txn-records", popts->txn_records, "Records per transaction")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  AddJsonBench(produce, popts, [](ProduceBenchOptions& o, std::ostream& progress) {
    o.herald_binary = HeraldBinary();
    return RunProduceBench(o, progress);
  });

  auto schema_opts = std::make_shared<SchemaBenchOptions>();
  schema_opts->dir = "/tmp/herald-bench-schema";
  auto* schema = bench.add_subcommand(
      "schema",
      "Durable produce of Avro or JSON Schema records without and with broker-side schema "
      "validation");
  schema->add_option("--type", schema_opts->type, "The schema type: avro or json")
      ->check(CLI::IsMember({"avro", "json"}))
      ->capture_default_str();
  schema->add_option("--count", schema_opts->count, "Records per phase")->capture_default_str();
  schema->add_option("--partitions", schema_opts->partitions)->capture_default_str();
  schema->add_option("--rounds", schema_opts->rounds, "Phases per topic, alternating")
      ->check(CLI::Range(1, 20))
      ->capture_default_str();
  schema->add_option("--dir", schema_opts->dir, "Scratch directory")->capture_default_str();
  AddJsonBench(schema, schema_opts, [](SchemaBenchOptions& o, std::ostream& progress) {
    o.herald_binary = HeraldBinary();
    return RunSchemaBench(o, progress);
  });

  auto sopts = std::make_shared<SdkBenchOptions>();
  auto* sdk = bench.add_subcommand(
      "sdk",
      "The C++ SDK, embedded: Poll alone versus a Router with a no-op handler, and "
      "publish -> handler latency at a fixed rate");
  sdk->add_option("--count", sopts->count, "Records through poll and router")
      ->capture_default_str();
  sdk->add_option("--record-size", sopts->record_size)->capture_default_str();
  sdk->add_option("--rate", sopts->rate, "Records/s in the latency phase")->capture_default_str();
  sdk->add_option("--latency-seconds", sopts->latency_seconds)->capture_default_str();
  sdk->add_option("--dir", sopts->dir, "Scratch directory")->capture_default_str();
  AddJsonBench(sdk, sopts, RunSdkBench);

  auto eopts = std::make_shared<EventStoreBenchOptions>();
  auto* eventstore = bench.add_subcommand(
      "eventstore",
      "The event store (embedded) beside PostgreSQL with a Marten-style schema: "
      "appends with expected revisions, stream reads, a projection rebuild");
  eventstore->add_option("--writers", eopts->writers)
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  eventstore->add_option("--streams", eopts->streams)->capture_default_str();
  eventstore->add_option("--seconds", eopts->seconds, "Per append phase and system")
      ->capture_default_str();
  eventstore->add_option("--batch", eopts->big_batch, "Events per append in the batch phase")
      ->capture_default_str();
  eventstore->add_option("--event-bytes", eopts->event_bytes)->capture_default_str();
  eventstore->add_option("--read-events", eopts->read_events)->capture_default_str();
  eventstore->add_option("--reads", eopts->reads)->capture_default_str();
  eventstore->add_option("--rebuild-events", eopts->rebuild_events)->capture_default_str();
  eventstore->add_option("--postgres", eopts->postgres,
                         "Connection URL of a PostgreSQL server; without it the bench starts one");
  eventstore->add_option("--dir", eopts->dir, "Scratch directory")->capture_default_str();
  AddJsonBench(eventstore, eopts, RunEventStoreBench);

  RegisterCompare(bench);
}

}  // namespace
}  // namespace herald::bench

int main(int argc, char** argv) {
  CLI::App app{"Measure Herald side by side with raw limits and peer systems", "herald bench"};
  app.set_version_flag("--version", std::string("herald ") + HERALD_VERSION);
  app.require_subcommand(1);
  herald::bench::RegisterBenches(app);
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return fmt::format("herald bench: {} (see --help)\n", e.what());
  });
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  return herald::bench::exit_code;
}
