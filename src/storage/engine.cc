#include "storage/engine.h"

#include <algorithm>
#include <charconv>
#include <chrono>

#include <nlohmann/json.hpp>

#include "base/json.h"
#include "base/log.h"
#include "base/mutex.h"

namespace herald::storage {
namespace {

constexpr char kLockName[] = ".lock";
constexpr char kMetaDir[] = "meta";
constexpr char kTopicsDir[] = "topics";
constexpr char kDeletingSuffix[] = ".deleting";

}  // namespace

Engine::Engine(EngineOptions options)
    : options_(std::move(options)),
      fs_(options_.fs ? *options_.fs : DefaultFileSystem()),
      clock_(options_.clock ? *options_.clock : Clock::System()) {}

Engine::~Engine() {
  Close().IgnoreError();
}

Result<std::unique_ptr<Engine>> Engine::Open(EngineOptions options) {
  std::unique_ptr<Engine> engine(new Engine(std::move(options)));
  FileSystem& fs = engine->fs_;
  const std::string& dir = engine->options_.data_dir;
  HERALD_RETURN_IF_ERROR(CreateDirs(fs, dir), "data directory {}", dir);
  auto lock = fs.Lock(JoinPath(dir, kLockName));
  if (!lock.ok()) {
    return FailedPrecondition("data directory {} is in use by another Herald process ({})", dir,
                              lock.status().message());
  }
  engine->lock_ = std::move(lock).value();
  if (engine->options_.flusher_threads > 0) {
    engine->flusher_ = std::make_unique<Flusher>(engine->clock_, engine->options_.flusher_threads);
  }
  HERALD_RETURN_IF_ERROR(engine->Load());
  if (engine->options_.background) {
    engine->background_ = std::thread([e = engine.get()] { e->BackgroundLoop(); });
  }
  return engine;
}

Status Engine::ValidateTopicName(const std::string& name) {
  if (name.empty() || name.size() > 249) {
    return InvalidArgument("topic name must be 1 to 249 characters, '{}' has {}", name,
                           name.size());
  }
  if (name == "." || name == "..") return InvalidArgument("topic name cannot be '{}'", name);
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) {
      return InvalidArgument("topic name '{}' has '{}': only [a-zA-Z0-9._-] are allowed", name, c);
    }
  }
  return Status::Ok();
}

std::string Engine::TopicMetaPath(const std::string& name) const {
  return JoinPath(JoinPath(JoinPath(options_.data_dir, kMetaDir), kTopicsDir), name + ".json");
}

std::string Engine::PartitionDir(const std::string& topic, int32_t partition) const {
  return JoinPath(options_.data_dir, topic + "-" + std::to_string(partition));
}

Result<std::shared_ptr<Log>> Engine::OpenLog(const std::string& topic, int32_t partition,
                                             const LogConfig& config) {
  LogOptions lo;
  lo.fs = &fs_;
  lo.dir = PartitionDir(topic, partition);
  lo.config = config;
  lo.clock = &clock_;
  lo.flusher = flusher_.get();
  lo.repair = options_.repair;
  HERALD_ASSIGN_OR_RETURN(auto log, Log::Open(std::move(lo)));
  const RecoveryReport& r = log->recovery_report();
  if (r.bytes_scanned > 0 || r.bytes_truncated > 0 || r.corrupt_trusted_segments > 0 ||
      !r.had_checkpoint) {
    nlohmann::json context = {{"topic", topic},
                              {"partition", partition},
                              {"offset", log->end_offset()},
                              {"bytes_scanned", r.bytes_scanned},
                              {"bytes_truncated", r.bytes_truncated},
                              {"segments_removed", r.segments_removed},
                              {"had_checkpoint", r.had_checkpoint}};
    if (r.corrupt_trusted_segments > 0) {
      context["corrupt_segments"] = r.corrupt_trusted_segments;
      LogError("recovery", context, "acknowledged data is damaged; reads of it will fail");
    } else {
      LogInfo("recovery", context);
    }
  }
  return log;
}

Status Engine::WriteTopicMeta(const TopicInfo& info) {
  nlohmann::json j = {{"name", info.name},
                      {"id", info.id.ToString()},
                      {"partitions", info.partitions},
                      {"configs", info.overrides},
                      {"version", 1}};
  std::string text = j.dump(2) + "\n";
  return WriteFileAtomic(fs_, TopicMetaPath(info.name), AsBytes(text));
}

Result<TopicInfo> Engine::LoadTopicMeta(const std::string& path) const {
  HERALD_ASSIGN_OR_RETURN(Buffer raw, ReadFile(fs_, path));
  TopicInfo info;
  try {
    auto j = nlohmann::json::parse(AsString(raw));
    info.name = j.at("name").get<std::string>();
    auto partitions = JsonInteger<int32_t>(j.at("partitions"));
    if (!partitions) return Corruption("topic metadata {}: partitions is not an integer", path);
    info.partitions = *partitions;
    info.overrides = j.value("configs", std::map<std::string, std::string>{});
    // Absent in directories written before topics had ids: Load() gives the topic one.
    if (j.contains("id")) {
      auto id = ParseUuid(j.at("id").get<std::string>());
      if (!id || *id == Uuid{}) return Corruption("topic metadata {}: id is not a UUID", path);
      info.id = *id;
    }
  } catch (const nlohmann::json::exception& e) {
    return Corruption("topic metadata {}: {}", path, e.what());
  }
  HERALD_RETURN_IF_ERROR(ValidateTopicName(info.name));
  if (info.partitions < 1 || info.partitions > options_.max_partitions_per_topic) {
    return Corruption(
        "topic metadata {}: {} partitions, outside 1 to {} (--max-partitions-per-topic)", path,
        info.partitions, options_.max_partitions_per_topic);
  }
  HERALD_ASSIGN_OR_RETURN(info.config, LogConfig::WithOverrides(options_.defaults, info.overrides));
  return info;
}

Result<TopicInfo> Engine::RebuildTopicMeta(const std::string& name, const Status& why) {
  HERALD_RETURN_IF_ERROR(ValidateTopicName(name));
  HERALD_ASSIGN_OR_RETURN(auto entries, fs_.ListDir(options_.data_dir));
  int32_t partitions = 0;
  const std::string prefix = name + "-";
  for (const auto& entry : entries) {
    if (!entry.starts_with(prefix)) continue;
    int32_t p = -1;
    const char* end = entry.data() + entry.size();
    auto [ptr, ec] = std::from_chars(entry.data() + prefix.size(), end, p);
    if (ec == std::errc() && ptr == end && p >= 0) partitions = std::max(partitions, p + 1);
  }
  if (partitions == 0) return why;  // nothing to rebuild it from
  TopicInfo info{name, RandomUuid(), partitions, {}, options_.defaults};
  HERALD_RETURN_IF_ERROR(WriteTopicMeta(info));
  LogWarn("topic_metadata_rebuilt", {{"topic", name}, {"partitions", partitions}},
          fmt::format("rebuilt from its partition directories, with default configs: {}",
                      why.ToString()));
  return info;
}

Status Engine::Load() {
  const std::string topics_dir = JoinPath(JoinPath(options_.data_dir, kMetaDir), kTopicsDir);
  HERALD_RETURN_IF_ERROR(CreateDirs(fs_, topics_dir));
  HERALD_ASSIGN_OR_RETURN(auto names, fs_.ListDir(topics_dir));
  for (const auto& file : names) {
    if (!file.ends_with(".json")) {
      if (file.ends_with(".tmp")) HERALD_RETURN_IF_ERROR(fs_.Remove(JoinPath(topics_dir, file)));
      continue;
    }
    const std::string path = JoinPath(topics_dir, file);
    auto info = LoadTopicMeta(path);
    if (!info.ok() && options_.repair)
      info = RebuildTopicMeta(file.substr(0, file.size() - 5), info.status());
    if (!info.ok()) {
      const std::string topic = file.substr(0, file.size() - 5);
      LogError("partition_offline", {{"topic", topic}, {"path", path}},
               fmt::format("the topic's metadata does not load, so none of its partitions is "
                           "served: {}",
                           info.status().ToString()));
      offline_.push_back({topic, -1, path, info.status().ToString()});
      continue;
    }
    // Written before topics had ids, or a copy of another topic's file: a new id.
    if (info->id == Uuid{} || names_.contains(info->id)) {
      const Uuid old = info->id;
      info->id = RandomUuid();
      if (Status written = WriteTopicMeta(*info); !written.ok()) {
        LogError("partition_offline", {{"topic", info->name}, {"path", path}},
                 fmt::format("the topic's new id could not be written: {}", written.ToString()));
        offline_.push_back({info->name, -1, path, written.ToString()});
        continue;
      }
      LogWarn("topic_id_assigned", {{"topic", info->name}, {"id", info->id.ToString()}},
              old == Uuid{} ? std::string("its metadata had no id")
                            : fmt::format("id {} was another topic's", old.ToString()));
    }
    Topic topic{*info, {}};
    for (int32_t p = 0; p < info->partitions; ++p) {
      auto log = OpenLog(info->name, p, info->config);
      if (!log.ok()) {
        const std::string dir = PartitionDir(info->name, p);
        LogError("partition_offline", {{"topic", info->name}, {"partition", p}, {"path", dir}},
                 log.status().ToString());
        offline_.push_back({info->name, p, dir, log.status().ToString()});
        topic.logs.push_back(nullptr);
        continue;
      }
      topic.logs.push_back(std::move(log).value());
    }
    names_.emplace(info->id, info->name);
    topics_.emplace(info->name, std::move(topic));
  }
  // Directories a deletion renamed and did not finish removing; anything else unclaimed that
  // looks like a partition is left alone, with a warning.
  HERALD_ASSIGN_OR_RETURN(auto entries, fs_.ListDir(options_.data_dir));
  for (const auto& entry : entries) {
    std::string path = JoinPath(options_.data_dir, entry);
    if (!fs_.IsDirectory(path)) continue;
    if (entry.ends_with(kDeletingSuffix)) {
      HERALD_RETURN_IF_ERROR(RemoveTree(fs_, path));
      continue;
    }
    size_t dash = entry.find_last_of('-');
    if (dash == std::string::npos || dash == 0) continue;
    int32_t partition = -1;
    auto [ptr, ec] =
        std::from_chars(entry.data() + dash + 1, entry.data() + entry.size(), partition);
    if (ec != std::errc() || ptr != entry.data() + entry.size() || partition < 0) continue;
    auto it = topics_.find(entry.substr(0, dash));
    if (it == topics_.end() || partition >= it->second.info.partitions) {
      LogWarn("unknown_partition_directory", {{"path", path}},
              "no topic metadata claims this directory; it is left untouched");
    }
  }
  return Status::Ok();
}

Status Engine::CreateTopic(const std::string& name, int32_t partitions,
                           const std::map<std::string, std::string>& overrides) {
  HERALD_RETURN_IF_ERROR(ValidateTopicName(name));
  if (partitions < 1)
    return InvalidArgument("a topic needs at least one partition, not {}", partitions);
  HERALD_ASSIGN_OR_RETURN(LogConfig config, LogConfig::WithOverrides(options_.defaults, overrides));
  {
    MutexLock lock(mu_);
    if (topics_.contains(name) || changing_.contains(name)) {
      return AlreadyExists("topic '{}' already exists", name);
    }
    for (const auto& o : offline_) {
      if (o.topic == name) {
        return AlreadyExists(
            "topic '{}' exists but is offline ({}); repair it with herald "
            "storage repair",
            name, o.reason);
      }
    }
    changing_.insert(name);
  }
  // The files are made without the engine's lock, which every produce and fetch takes.
  Status created = CreateTopicFiles(name, partitions, overrides, config);
  MutexLock lock(mu_);
  changing_.erase(name);
  return created;
}

Status Engine::CreateTopicFiles(const std::string& name, int32_t partitions,
                                const std::map<std::string, std::string>& overrides,
                                const LogConfig& config) {
  TopicInfo info{name, RandomUuid(), partitions, overrides, config};
  HERALD_RETURN_IF_ERROR(WriteTopicMeta(info));
  Topic topic{info, {}};
  for (int32_t p = 0; p < partitions; ++p) {
    auto log = OpenLog(name, p, config);
    if (!log.ok()) {
      // Undo: the topic was never served, so nothing in it was acknowledged.
      for (auto& opened : topic.logs) opened->Close().IgnoreError();
      for (int32_t q = 0; q <= p; ++q) RemoveTree(fs_, PartitionDir(name, q)).IgnoreError();
      fs_.Remove(TopicMetaPath(name)).IgnoreError();
      fs_.SyncDir(DirName(TopicMetaPath(name))).IgnoreError();
      return log.status().WithContext(fmt::format("creating topic '{}'", name));
    }
    topic.logs.push_back(std::move(log).value());
  }
  {
    MutexLock lock(mu_);
    names_.emplace(info.id, name);
    topics_.emplace(name, std::move(topic));
  }
  LogInfo("topic_created", {{"topic", name}, {"partitions", partitions}});
  return Status::Ok();
}

Status Engine::DeleteTopic(const std::string& name) {
  std::vector<std::shared_ptr<Log>> logs;
  int32_t partitions = 0;
  {
    MutexLock lock(mu_);
    auto it = topics_.find(name);
    if (it == topics_.end()) return NotFound("topic '{}' does not exist", name);
    if (changing_.contains(name)) return Unavailable("topic '{}' is being changed", name);
    logs = std::move(it->second.logs);
    partitions = it->second.info.partitions;
    if (auto named = names_.find(it->second.info.id);
        named != names_.end() && named->second == name) {
      names_.erase(named);
    }
    topics_.erase(it);
    std::erase_if(offline_, [&](const OfflinePartition& o) { return o.topic == name; });
    changing_.insert(name);
  }
  // As CreateTopic: the files go without the engine's lock, which every produce and fetch takes.
  Status deleted = DeleteTopicFiles(name, partitions, logs);
  MutexLock lock(mu_);
  changing_.erase(name);
  return deleted;
}

Status Engine::DeleteTopicFiles(const std::string& name, int32_t partitions,
                                const std::vector<std::shared_ptr<Log>>& logs) {
  for (const auto& log : logs) {
    if (log) log->Close().IgnoreError();  // its data is going anyway
  }
  // Rename the directories out of the way first, then drop the metadata: a crash in between
  // leaves the topic with empty partitions and `.deleting` directories that Open() removes.
  std::vector<std::string> doomed;
  for (int32_t p = 0; p < partitions; ++p) {
    std::string dir = PartitionDir(name, p);
    if (!fs_.IsDirectory(dir)) continue;
    std::string deleting = dir + kDeletingSuffix;
    HERALD_RETURN_IF_ERROR(fs_.Rename(dir, deleting));
    doomed.push_back(std::move(deleting));
  }
  HERALD_RETURN_IF_ERROR(fs_.SyncDir(options_.data_dir));
  const std::string meta = TopicMetaPath(name);
  HERALD_RETURN_IF_ERROR(fs_.Remove(meta));
  HERALD_RETURN_IF_ERROR(fs_.SyncDir(DirName(meta)));
  for (const auto& dir : doomed) HERALD_RETURN_IF_ERROR(RemoveTree(fs_, dir));
  LogInfo("topic_deleted", {{"topic", name}});
  return Status::Ok();
}

Result<TopicInfo> Engine::BeginChange(const std::string& name) {
  MutexLock lock(mu_);
  auto it = topics_.find(name);
  if (it == topics_.end()) return NotFound("topic '{}' does not exist", name);
  if (changing_.contains(name)) return Unavailable("topic '{}' is being changed", name);
  changing_.insert(name);
  return it->second.info;
}

void Engine::EndChange(const std::string& name) {
  MutexLock lock(mu_);
  changing_.erase(name);
}

Status Engine::CreatePartitions(const std::string& name, int32_t total) {
  HERALD_ASSIGN_OR_RETURN(const TopicInfo before, BeginChange(name));
  if (total <= before.partitions) {
    EndChange(name);
    return InvalidArgument("topic '{}' has {} partitions; the new count {} must be larger", name,
                           before.partitions, total);
  }
  // As CreateTopic: the files are made without the engine's lock.
  TopicInfo info = before;
  info.partitions = total;
  std::vector<std::shared_ptr<Log>> added;
  Status status = WriteTopicMeta(info);
  for (int32_t p = before.partitions; status.ok() && p < total; ++p) {
    auto log = OpenLog(name, p, info.config);
    if (!log.ok()) {
      // Undo: back to the partitions the topic had.
      for (auto& opened : added) opened->Close().IgnoreError();
      added.clear();
      for (int32_t q = before.partitions; q <= p; ++q) {
        RemoveTree(fs_, PartitionDir(name, q)).IgnoreError();
      }
      WriteTopicMeta(before).IgnoreError();
      status = log.status().WithContext(fmt::format("adding partitions to '{}'", name));
      break;
    }
    added.push_back(std::move(log).value());
  }
  MutexLock lock(mu_);
  changing_.erase(name);
  if (!status.ok()) return status;
  auto it = topics_.find(name);
  if (it == topics_.end()) return NotFound("topic '{}' was deleted meanwhile", name);
  for (auto& log : added) it->second.logs.push_back(std::move(log));
  it->second.info.partitions = total;
  return Status::Ok();
}

Status Engine::AlterTopicConfig(const std::string& name,
                                const std::map<std::string, std::string>& overrides) {
  std::map<std::string, std::string> kept;
  for (const auto& [k, v] : overrides) {
    if (!v.empty()) kept[k] = v;
  }
  HERALD_ASSIGN_OR_RETURN(LogConfig config, LogConfig::WithOverrides(options_.defaults, kept));
  HERALD_ASSIGN_OR_RETURN(TopicInfo info, BeginChange(name));
  // As CreateTopic: the metadata file is written (and synced) without the engine's lock.
  info.overrides = kept;
  info.config = config;
  Status written = WriteTopicMeta(info);
  MutexLock lock(mu_);
  changing_.erase(name);
  HERALD_RETURN_IF_ERROR(written);
  auto it = topics_.find(name);
  if (it == topics_.end()) return NotFound("topic '{}' was deleted meanwhile", name);
  for (auto& log : it->second.logs) {
    if (log) log->SetConfig(config);
  }
  it->second.info = std::move(info);
  return Status::Ok();
}

Result<TopicInfo> Engine::DescribeTopic(const std::string& name) const {
  MutexLock lock(mu_);
  auto it = topics_.find(name);
  if (it == topics_.end()) return NotFound("topic '{}' does not exist", name);
  return it->second.info;
}

Result<std::string> Engine::TopicName(const Uuid& id) const {
  MutexLock lock(mu_);
  auto it = names_.find(id);
  if (it == names_.end()) return NotFound("no topic has id {}", id.ToString());
  return it->second;
}

std::vector<TopicInfo> Engine::ListTopics() const {
  MutexLock lock(mu_);
  std::vector<TopicInfo> out;
  for (const auto& [name, topic] : topics_) out.push_back(topic.info);
  return out;
}

bool Engine::HasTopic(const std::string& name) const {
  MutexLock lock(mu_);
  return topics_.contains(name);
}

Result<std::shared_ptr<Log>> Engine::GetLog(const std::string& topic, int32_t partition) const {
  MutexLock lock(mu_);
  auto it = topics_.find(topic);
  if (it == topics_.end()) return NotFound("topic '{}' does not exist", topic);
  if (partition < 0 || partition >= it->second.info.partitions) {
    return NotFound("topic '{}' has no partition {}", topic, partition);
  }
  const auto& log = it->second.logs[static_cast<size_t>(partition)];
  if (!log) return FailedPrecondition("partition {}-{} is offline", topic, partition);
  return log;
}

std::vector<OfflinePartition> Engine::OfflinePartitions() const {
  MutexLock lock(mu_);
  std::vector<OfflinePartition> out = offline_;
  // Logs that failed a sync since they opened (Log::health takes only the log's own lock).
  for (const auto& [name, topic] : topics_) {
    for (size_t p = 0; p < topic.logs.size(); ++p) {
      if (!topic.logs[p]) continue;
      Status health = topic.logs[p]->health();
      if (health.ok()) continue;
      out.push_back({name, static_cast<int32_t>(p), topic.logs[p]->dir(), health.ToString()});
    }
  }
  return out;
}

std::vector<std::shared_ptr<Log>> Engine::AllLogs() const {
  MutexLock lock(mu_);
  std::vector<std::shared_ptr<Log>> out;
  for (const auto& [name, topic] : topics_) {
    for (const auto& log : topic.logs) {
      if (log) out.push_back(log);
    }
  }
  return out;
}

Status Engine::RunCleaner() {
  Status first_error;
  for (const auto& log : AllLogs()) {
    auto deleted = log->ApplyRetention();
    if (!deleted.ok()) {
      LogWarn("retention_failed", {{"path", log->dir()}}, deleted.status().ToString());
      if (first_error.ok()) first_error = deleted.status();
    } else if (*deleted > 0) {
      LogInfo("retention", {{"path", log->dir()},
                            {"segments_deleted", *deleted},
                            {"log_start_offset", log->log_start_offset()}});
    }
    if (!log->CompactionDue()) continue;
    auto compacted = log->Compact();
    if (!compacted.ok()) {
      LogWarn("compaction_failed", {{"path", log->dir()}}, compacted.status().ToString());
      if (first_error.ok()) first_error = compacted.status();
    } else if (compacted->segments_rewritten > 0) {
      LogInfo("compaction", {{"path", log->dir()},
                             {"segments_rewritten", compacted->segments_rewritten},
                             {"records_removed", compacted->records_removed},
                             {"bytes_before", compacted->bytes_before},
                             {"bytes_after", compacted->bytes_after}});
    }
  }
  return first_error;
}

Status Engine::CheckpointAll() {
  Status first_error;
  for (const auto& log : AllLogs()) {
    Status s = log->Checkpoint();
    if (!s.ok() && first_error.ok()) first_error = s;
  }
  return first_error;
}

void Engine::BackgroundLoop() {
  int64_t last_clean = clock_.NowMs();
  int64_t last_checkpoint = last_clean;
  MutexLock lock(background_mu_);
  while (!stopping_) {
    int64_t tick = std::min(options_.cleaner_interval_ms, options_.checkpoint_interval_ms);
    background_cv_.WaitFor(background_mu_, std::chrono::milliseconds(std::max<int64_t>(tick / 4, 10)));
    if (stopping_) break;
    lock.Unlock();
    int64_t now = clock_.NowMs();
    if (now - last_checkpoint >= options_.checkpoint_interval_ms) {
      CheckpointAll().IgnoreError();  // failures surface on the logs themselves
      last_checkpoint = now;
    }
    if (now - last_clean >= options_.cleaner_interval_ms) {
      RunCleaner().IgnoreError();  // logged per log above
      last_clean = now;
    }
    lock.Lock();
  }
}

Status Engine::Close() {
  {
    MutexLock lock(background_mu_);
    if (stopping_) return Status::Ok();
    stopping_ = true;
  }
  background_cv_.NotifyAll();
  if (background_.joinable()) background_.join();
  Status first_error;
  for (const auto& log : AllLogs()) {
    Status s = log->Close();
    if (!s.ok() && first_error.ok()) first_error = s;
  }
  flusher_.reset();
  return first_error;
}

}  // namespace herald::storage
