// `herald storage inspect`: opens a data directory (recovering it, holding its lock) and reports
// every partition log: offsets, sizes, segments and what recovery found.
#include <iostream>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "storage/engine.h"

namespace herald::cli {
namespace {

struct InspectOptions {
  std::string data_dir = "./data";
  std::string output = "table";
};

int RunInspect(const InspectOptions& o) {
  storage::EngineOptions eo;
  eo.data_dir = o.data_dir;
  eo.background = false;
  auto engine = storage::Engine::Open(eo);
  if (!engine.ok()) {
    std::cerr << "herald: " << engine.status().message() << "\n";
    return engine.status().code() == StatusCode::kFailedPrecondition ? kExitDataDirLocked
                                                                    : kExitFailure;
  }
  nlohmann::json topics = nlohmann::json::array();
  for (const auto& topic : (*engine)->ListTopics()) {
    nlohmann::json partitions = nlohmann::json::array();
    for (int32_t p = 0; p < topic.partitions; ++p) {
      auto log = (*engine)->GetLog(topic.name, p);
      if (!log.ok()) continue;
      const auto& r = (*log)->recovery_report();
      partitions.push_back({{"partition", p},
                            {"log_start_offset", (*log)->log_start_offset()},
                            {"end_offset", (*log)->end_offset()},
                            {"segments", (*log)->segment_count()},
                            {"size_bytes", (*log)->size_bytes()},
                            {"recovery",
                             {{"had_checkpoint", r.had_checkpoint},
                              {"bytes_scanned", r.bytes_scanned},
                              {"bytes_truncated", r.bytes_truncated},
                              {"segments_removed", r.segments_removed},
                              {"corrupt_segments", r.corrupt_trusted_segments}}}});
    }
    topics.push_back({{"topic", topic.name},
                      {"partitions", partitions},
                      {"configs", topic.overrides}});
  }
  Status closed = (*engine)->Close();
  if (o.output == "json") {
    std::cout << nlohmann::json{{"data_dir", o.data_dir}, {"topics", topics}}.dump(2) << "\n";
  } else {
    std::cout << fmt::format("{:<30} {:>9} {:>14} {:>14} {:>8} {:>14}  {}\n", "TOPIC",
                             "PARTITION", "START", "END", "SEGMENTS", "BYTES", "RECOVERY");
    for (const auto& t : topics) {
      for (const auto& p : t["partitions"]) {
        const auto& r = p["recovery"];
        std::string recovery =
            r["corrupt_segments"].get<int>() > 0
                ? fmt::format("DAMAGED ({} segments)", r["corrupt_segments"].get<int>())
            : r["bytes_truncated"].get<uint64_t>() > 0
                ? fmt::format("cut {} torn bytes", r["bytes_truncated"].get<uint64_t>())
                : "clean";
        std::cout << fmt::format("{:<30} {:>9} {:>14} {:>14} {:>8} {:>14}  {}\n",
                                 t["topic"].get<std::string>(), p["partition"].get<int>(),
                                 p["log_start_offset"].get<int64_t>(),
                                 p["end_offset"].get<int64_t>(), p["segments"].get<size_t>(),
                                 p["size_bytes"].get<uint64_t>(), recovery);
      }
    }
    if (topics.empty()) std::cout << "(no topics in " << o.data_dir << ")\n";
  }
  if (!closed.ok()) {
    std::cerr << "herald: closing " << o.data_dir << ": " << closed.ToString() << "\n";
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace

void RegisterStorage(CLI::App& app) {
  auto* storage = app.add_subcommand("storage", "Inspect a data directory");
  storage->require_subcommand(1);
  auto opts = std::make_shared<InspectOptions>();
  auto* inspect = storage->add_subcommand(
      "inspect", "Open (and recover) a data directory and list its partitions");
  inspect->add_option("--data-dir", opts->data_dir, "Data directory")->capture_default_str();
  inspect->add_option("--output", opts->output, "table or json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  inspect->callback([opts] { SetExitCode(RunInspect(*opts)); });
}

}  // namespace herald::cli
