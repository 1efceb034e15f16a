// `herald storage inspect|check|repair`: opens a data directory (recovering it as the broker
// would, holding its lock) and reports every partition log: offsets, sizes, segments, what
// recovery found, and the partitions that are offline (damaged) and why.
//   inspect  reports; exits 0
//   check    reports; exits 1 when a partition is offline or holds damaged acknowledged data
//   repair   cuts each log with damage past its checkpoint at the damage, rebuilds topic
//            metadata that does not load from the partition directories, then reports; exits 1
//            when a partition is still offline
#include <iostream>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "storage/engine.h"

namespace herald::cli {
namespace {

enum class Mode { kInspect, kCheck, kRepair };

struct InspectOptions {
  std::string data_dir = "./data";
  std::string output = "table";
  int32_t max_partitions_per_topic = storage::EngineOptions{}.max_partitions_per_topic;
};

int RunInspect(const InspectOptions& o, Mode mode) {
  storage::EngineOptions eo;
  eo.data_dir = o.data_dir;
  eo.background = false;
  eo.repair = mode == Mode::kRepair;
  eo.max_partitions_per_topic = o.max_partitions_per_topic;
  auto engine = storage::Engine::Open(eo);
  if (!engine.ok()) {
    std::cerr << "herald: " << engine.status().message() << "\n";
    return engine.status().code() == StatusCode::kFailedPrecondition ? kExitDataDirLocked
                                                                    : kExitFailure;
  }
  nlohmann::json topics = nlohmann::json::array();
  bool damaged = false;
  for (const auto& topic : (*engine)->ListTopics()) {
    nlohmann::json partitions = nlohmann::json::array();
    for (int32_t p = 0; p < topic.partitions; ++p) {
      auto log = (*engine)->GetLog(topic.name, p);
      if (!log.ok()) continue;
      const auto& r = (*log)->recovery_report();
      damaged |= r.corrupt_trusted_segments > 0;
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
  nlohmann::json offline = nlohmann::json::array();
  for (const auto& p : (*engine)->OfflinePartitions()) {
    offline.push_back(
        {{"topic", p.topic}, {"partition", p.partition}, {"path", p.path}, {"reason", p.reason}});
  }
  Status closed = (*engine)->Close();
  if (o.output == "json") {
    std::cout << nlohmann::json{{"data_dir", o.data_dir},
                                {"topics", topics},
                                {"offline_partitions", offline}}
                     .dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
              << "\n";
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
    for (const auto& p : offline) {
      std::cout << fmt::format("OFFLINE {} partition {} ({}): {}\n", p["topic"].get<std::string>(),
                               p["partition"].get<int>(), p["path"].get<std::string>(),
                               p["reason"].get<std::string>());
    }
  }
  if (!closed.ok()) {
    std::cerr << "herald: closing " << o.data_dir << ": " << closed.ToString() << "\n";
    return kExitFailure;
  }
  if (mode == Mode::kCheck && (damaged || !offline.empty())) return kExitFailure;
  if (mode == Mode::kRepair && !offline.empty()) return kExitFailure;
  return kExitOk;
}

}  // namespace

void RegisterStorage(CLI::App& app) {
  auto* storage = app.add_subcommand("storage", "Inspect, check and repair a data directory");
  storage->require_subcommand(1);
  struct Verb {
    const char* name;
    Mode mode;
    const char* help;
  };
  const Verb verbs[] = {
      {"inspect", Mode::kInspect, "Open (and recover) a data directory and list its partitions"},
      {"check", Mode::kCheck,
       "As inspect, and exit 1 when a partition is offline or holds damaged acknowledged data"},
      {"repair", Mode::kRepair,
       "Cut logs at damage past their checkpoint, rebuild topic metadata that does not load, and "
       "list the partitions; exit 1 when one is still offline"}};
  for (const Verb& verb : verbs) {
    auto opts = std::make_shared<InspectOptions>();
    auto* cmd = storage->add_subcommand(verb.name, verb.help);
    cmd->add_option("--data-dir", opts->data_dir, "Data directory")->capture_default_str();
    cmd->add_option("--output", opts->output, "table or json")
        ->check(CLI::IsMember({"table", "json"}))
        ->capture_default_str();
    cmd->add_option("--max-partitions-per-topic", opts->max_partitions_per_topic,
                    "A topic whose metadata names more partitions is offline (as for serve)")
        ->check(CLI::Range(1, 1000000))
        ->capture_default_str();
    cmd->callback([opts, mode = verb.mode] { SetExitCode(RunInspect(*opts, mode)); });
  }
}

}  // namespace herald::cli
