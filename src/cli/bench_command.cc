#include <iostream>
#include <memory>

#include "cli/commands.h"
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
}

}  // namespace herald::cli
