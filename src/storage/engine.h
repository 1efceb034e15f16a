// Engine: a data directory of topics, each a set of partition logs.
//
//   data/.lock                      held (flock) while an Engine has the directory open
//   data/meta/topics/<topic>.json   {"name":…, "id":…, "partitions":N, "configs":{…}} (written
//                                   atomically)
//   data/<topic>-<partition>/       one Log (storage/log.h)
//
// The Engine owns the flusher threads every log shares, and one background thread that applies
// retention and compaction (every `cleaner_interval_ms`) and writes recovery checkpoints (every
// `checkpoint_interval_ms`). Topic metadata is written before partition directories are created;
// a deletion renames the directories to `<dir>.deleting` before it removes the metadata, and
// Open() finishes removing such directories. Open() never deletes a directory it cannot account
// for. A partition (or a topic's metadata) that does not open does not stop the others: it stays
// offline, logged as `partition_offline`, with its files untouched.
//
// Thread-safety: all methods are thread-safe. Logs handed out stay valid while held, even if
// their topic is deleted meanwhile (their appends then fail).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/mutex.h"
#include "base/status.h"
#include "base/uuid.h"
#include "storage/file_system.h"
#include "storage/flusher.h"
#include "storage/log.h"
#include "storage/log_config.h"

namespace herald::storage {

struct EngineOptions {
  std::string data_dir = "./data";
  FileSystem* fs = nullptr;  // the real file system when null; must outlive the engine
  Clock* clock = nullptr;    // the system clock when null; must outlive the engine
  LogConfig defaults;        // broker-wide defaults that topic configs override
  // 0: no flusher; a durable append syncs, and its completions run, in the appending thread,
  // which suits single-threaded use only (the fuzz targets): a completion that appends to the
  // same partition would wait on itself.
  int flusher_threads = 2;
  int64_t cleaner_interval_ms = 30'000;     // retention and compaction passes
  int64_t checkpoint_interval_ms = 10'000;  // recovery checkpoints
  bool background = true;                   // run the cleaner thread (tests drive it by hand)
  // `herald storage repair`: logs with damage past their checkpoint are cut there (LogOptions::
  // repair), and a topic whose metadata does not load gets it rewritten from its partition
  // directories (with default configs).
  bool repair = false;
  // A topic whose metadata names more partitions than this is offline (its metadata is taken for
  // damaged) rather than opened: each partition holds open files. `herald serve` passes its
  // --max-partitions-per-topic.
  int32_t max_partitions_per_topic = 1000;
};

// A partition the engine cannot serve: it did not open (damaged, unreadable) or its log failed a
// sync. Its files are left as they are for `herald storage check|repair`.
struct OfflinePartition {
  std::string topic;
  int32_t partition = -1;  // -1: the topic's metadata itself did not load
  std::string path;
  std::string reason;
};

struct TopicInfo {
  std::string name;
  Uuid id;  // random, given at creation (Kafka's topic id); never zero, never another topic's
  int32_t partitions = 0;
  std::map<std::string, std::string> overrides;  // configs set on the topic
  LogConfig config;                              // effective configs
};

class Engine {
 public:
  // Opens or creates the data directory and every log in it (recovering them).
  // kFailedPrecondition when another process holds the directory.
  static Result<std::unique_ptr<Engine>> Open(EngineOptions options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Kafka's rules: 1 to 249 of [a-zA-Z0-9._-], not "." or "..". kInvalidArgument otherwise.
  static Status ValidateTopicName(const std::string& name);

  // kAlreadyExists, kInvalidArgument (name, partitions < 1, bad config).
  Status CreateTopic(const std::string& name, int32_t partitions,
                     const std::map<std::string, std::string>& overrides = {});
  // kNotFound when missing.
  Status DeleteTopic(const std::string& name);
  // Grows a topic to `total` partitions. kInvalidArgument when total is not larger.
  Status CreatePartitions(const std::string& name, int32_t total);
  // Replaces the topic's config overrides (empty value = remove that override).
  Status AlterTopicConfig(const std::string& name,
                          const std::map<std::string, std::string>& overrides);

  Result<TopicInfo> DescribeTopic(const std::string& name) const;
  // The name of the topic with id `id`; kNotFound when there is none.
  Result<std::string> TopicName(const Uuid& id) const;
  std::vector<TopicInfo> ListTopics() const;
  bool HasTopic(const std::string& name) const;
  // kNotFound for an unknown topic or partition; kFailedPrecondition for an offline one.
  Result<std::shared_ptr<Log>> GetLog(const std::string& topic, int32_t partition) const;
  // Partitions that did not open, and logs that failed since; empty when all is well.
  std::vector<OfflinePartition> OfflinePartitions() const;

  // One retention + compaction pass over every log (what the cleaner thread runs).
  Status RunCleaner();
  // Writes every log's recovery checkpoint.
  Status CheckpointAll();
  // Stops the background thread and closes every log. Idempotent.
  Status Close();

  const std::string& data_dir() const { return options_.data_dir; }
  // The broker-wide configs a topic's overrides apply onto.
  const LogConfig& defaults() const { return options_.defaults; }
  FileSystem& fs() const { return fs_; }
  Clock& clock() const { return clock_; }

 private:
  struct Topic {
    TopicInfo info;
    std::vector<std::shared_ptr<Log>> logs;  // null for an offline partition
  };

  explicit Engine(EngineOptions options);
  // Runs in Open, before any other thread can see the engine: it takes no lock.
  Status Load() NO_THREAD_SAFETY_ANALYSIS;
  Result<TopicInfo> LoadTopicMeta(const std::string& path) const;
  // Marks topic `name` as being changed (no other change or deletion starts until EndChange) and
  // returns its info: what CreatePartitions and AlterTopicConfig do before their file work,
  // which runs without the lock. kNotFound; kUnavailable while another change runs.
  Result<TopicInfo> BeginChange(const std::string& name) EXCLUDES(mu_);
  void EndChange(const std::string& name) EXCLUDES(mu_);
  Status CreateTopicFiles(const std::string& name, int32_t partitions,
                          const std::map<std::string, std::string>& overrides,
                          const LogConfig& config);
  // Closes a deleted topic's logs and removes its files (outside mu_).
  Status DeleteTopicFiles(const std::string& name, int32_t partitions,
                          const std::vector<std::shared_ptr<Log>>& logs);
  Result<TopicInfo> RebuildTopicMeta(const std::string& name, const Status& why);
  Status WriteTopicMeta(const TopicInfo& info);
  Result<std::shared_ptr<Log>> OpenLog(const std::string& topic, int32_t partition,
                                       const LogConfig& config);
  std::string TopicMetaPath(const std::string& name) const;
  std::string PartitionDir(const std::string& topic, int32_t partition) const;
  std::vector<std::shared_ptr<Log>> AllLogs() const;
  void BackgroundLoop();

  const EngineOptions options_;
  FileSystem& fs_;
  Clock& clock_;
  std::unique_ptr<FileLock> lock_;
  std::unique_ptr<Flusher> flusher_;

  mutable Mutex mu_;  // not held across file work (see CreateTopic)
  std::map<std::string, Topic> topics_ GUARDED_BY(mu_);
  std::map<Uuid, std::string> names_ GUARDED_BY(mu_);      // topic id -> name, for every topic
  std::vector<OfflinePartition> offline_ GUARDED_BY(mu_);  // what did not open
  std::set<std::string> changing_ GUARDED_BY(mu_);  // topics being created, grown or deleted

  Mutex background_mu_;
  CondVar background_cv_;
  bool stopping_ GUARDED_BY(background_mu_) = false;
  std::thread background_;
};

}  // namespace herald::storage
