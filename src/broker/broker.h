// Broker: the single node behind every protocol door (Kafka wire protocol, HTTP).
//
// It owns what is not storage and not protocol: the node's identity (node id, cluster id kept in
// meta/cluster.json), topic auto-creation, and waking long-polling fetches when data arrives.
// Consumer groups and producer state join it as they arrive.
//
// Thread-safety: all methods are thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "storage/engine.h"

namespace herald::broker {

struct BrokerOptions {
  int32_t node_id = 1;
  std::string advertised_host = "localhost";
  int32_t advertised_port = 9092;
  bool auto_create_topics = true;  // auto.create.topics.enable
  int32_t num_partitions = 1;      // num.partitions, for auto-created topics
};

using TopicPartition = std::pair<std::string, int32_t>;

class Broker {
 public:
  // Loads the cluster id from the engine's data directory, creating it on first start.
  // `engine` must outlive the broker.
  static Result<std::unique_ptr<Broker>> Open(storage::Engine& engine, BrokerOptions options);

  const BrokerOptions& options() const { return options_; }
  const std::string& cluster_id() const { return cluster_id_; }
  storage::Engine& engine() const { return engine_; }

  // Makes sure `topic` exists. When it does not and `allow_create` and auto-creation are on,
  // creates it with num.partitions partitions and returns true. kNotFound when it does not exist
  // and may not be created; kInvalidArgument for an invalid name.
  Result<bool> EnsureTopic(const std::string& topic, bool allow_create);

  // Appends one batch to a partition (see storage::Log::Append) and wakes fetches waiting on it.
  void Append(const std::string& topic, int32_t partition, MutableByteView batch,
              storage::AckLevel ack, storage::AppendCallback done);

  // Calls `wake` once, from any thread, after data is appended to any of `partitions` (a fetch
  // long-poll). Returns an id for Unwatch; after Unwatch returns, `wake` is not called.
  uint64_t WatchAppends(const std::vector<TopicPartition>& partitions, std::function<void()> wake);
  void Unwatch(uint64_t id);

 private:
  Broker(storage::Engine& engine, BrokerOptions options, std::string cluster_id)
      : engine_(engine), options_(std::move(options)), cluster_id_(std::move(cluster_id)) {}
  void NotifyAppend(const TopicPartition& tp);

  storage::Engine& engine_;
  const BrokerOptions options_;
  const std::string cluster_id_;

  std::mutex create_mu_;  // one auto-creation at a time

  struct Watch {
    std::vector<TopicPartition> partitions;
    std::function<void()> wake;
  };
  std::mutex watch_mu_;
  uint64_t next_watch_id_ = 1;
  std::map<uint64_t, Watch> watches_;
  std::map<TopicPartition, std::set<uint64_t>> watchers_;
};

}  // namespace herald::broker
