#include <filesystem>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "http_bench.h"
#include "produce_bench.h"
#include "storage_bench.h"

namespace herald::cli {

void RegisterBench(CLI::App& app) {
  auto* bench = app.add_subcommand("bench", "Measure Herald side by side with raw limits");
  bench->require_subcommand(1);

  auto opts = std::make_shared<bench::StorageBenchOptions>();
  auto json_only = std::make_shared<bool>(false);
  auto* storage = bench->add_subcommand(
      "storage", "Durable appends, reads and reopen of the partition log versus the raw disk");
  storage->add_option("--dir", opts->dir, "Directory to write in (emptied first)");
  storage->add_option("--record-size", opts->record_size, "Bytes per record")->capture_default_str();
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
  storage->add_flag("--json", *json_only, "Print only the JSON result line");
  storage->callback([opts, json_only] {
    std::ostream null_stream(nullptr);
    auto result = bench::RunStorageBench(*opts, *json_only ? null_stream : std::cerr);
    if (!result.ok()) {
      std::cerr << "herald bench storage: " << result.status().ToString() << "\n";
      SetExitCode(kExitFailure);
      return;
    }
    std::cout << result->ToJson() << std::endl;
  });

  auto hopts = std::make_shared<bench::HttpBenchOptions>();
  auto hjson = std::make_shared<bool>(false);
  auto* http = bench->add_subcommand(
      "http", "Produce through the REST proxy (JSON batches) versus the Kafka protocol");
  http->add_option("--count", hopts->count, "Records per path")->capture_default_str();
  http->add_option("--record-size", hopts->record_size)->capture_default_str();
  http->add_option("--batch", hopts->batch, "Records per POST")->capture_default_str();
  http->add_option("--connections", hopts->connections)->check(CLI::Range(1, 64))
      ->capture_default_str();
  http->add_option("--partitions", hopts->partitions)->capture_default_str();
  http->add_option("--dir", hopts->dir, "Scratch directory")->capture_default_str();
  http->add_flag("--json", *hjson, "Print only the JSON result line");
  http->callback([hopts, hjson] {
    hopts->herald_binary = std::filesystem::read_symlink("/proc/self/exe").string();
    std::ostream null_stream(nullptr);
    auto result = bench::RunHttpBench(*hopts, *hjson ? null_stream : std::cerr);
    if (!result.ok()) {
      std::cerr << "herald bench http: " << result.status().ToString() << "\n";
      SetExitCode(kExitFailure);
      return;
    }
    std::cout << result->ToJson() << std::endl;
  });

  auto popts = std::make_shared<bench::ProduceBenchOptions>();
  auto pjson = std::make_shared<bool>(false);
  auto* produce = bench->add_subcommand(
      "produce", "Produce and consume through the Kafka protocol (librdkafka) versus storage alone");
  produce->add_option("--bootstrap", popts->bootstrap,
                      "HOST:PORT of a broker; without it the bench starts its own herald serve");
  produce->add_option("--topic", popts->topic)->capture_default_str();
  produce->add_option("--partitions", popts->partitions)->capture_default_str();
  produce->add_option("--record-size", popts->record_size)->capture_default_str();
  produce->add_option("--count", popts->count)->capture_default_str();
  produce->add_option("--acks", popts->acks)->check(CLI::IsMember({"0", "1", "all"}))
      ->capture_default_str();
  produce->add_option("--dir", popts->dir, "Scratch directory")->capture_default_str();
  produce->add_flag("--json", *pjson, "Print only the JSON result line");
  popts->dir = "/tmp/herald-bench-produce";
  produce->callback([popts, pjson] {
    popts->herald_binary = std::filesystem::read_symlink("/proc/self/exe").string();
    std::ostream null_stream(nullptr);
    auto result = bench::RunProduceBench(*popts, *pjson ? null_stream : std::cerr);
    if (!result.ok()) {
      std::cerr << "herald bench produce: " << result.status().ToString() << "\n";
      SetExitCode(kExitFailure);
      return;
    }
    std::cout << result->ToJson() << std::endl;
  });
}

}  // namespace herald::cli
