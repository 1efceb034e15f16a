#include "broker/broker.h"

#include <random>

#include <nlohmann/json.hpp>

#include "base/log.h"
#include "storage/file_system.h"

namespace herald::broker {
namespace {

// A random cluster id shaped like Kafka's: 16 random bytes in URL-safe base64, 22 characters.
std::string NewClusterId() {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::random_device rd;
  std::string id;
  for (int i = 0; i < 22; ++i) id.push_back(kAlphabet[rd() % 64]);
  return id;
}

}  // namespace

Result<std::unique_ptr<Broker>> Broker::Open(storage::Engine& engine, BrokerOptions options) {
  storage::FileSystem& fs = engine.fs();
  const std::string path = storage::JoinPath(storage::JoinPath(engine.data_dir(), "meta"),
                                             "cluster.json");
  std::string cluster_id;
  if (fs.Exists(path)) {
    HERALD_ASSIGN_OR_RETURN(Buffer raw, storage::ReadFile(fs, path));
    try {
      cluster_id = nlohmann::json::parse(AsString(raw)).at("cluster_id").get<std::string>();
    } catch (const nlohmann::json::exception& e) {
      return Corruption("{}: {}", path, e.what());
    }
  } else {
    cluster_id = NewClusterId();
    std::string text = nlohmann::json{{"cluster_id", cluster_id}}.dump(2) + "\n";
    HERALD_RETURN_IF_ERROR(storage::WriteFileAtomic(fs, path, AsBytes(text)));
  }
  return std::unique_ptr<Broker>(new Broker(engine, std::move(options), std::move(cluster_id)));
}

Result<bool> Broker::EnsureTopic(const std::string& topic, bool allow_create) {
  if (engine_.HasTopic(topic)) return false;
  HERALD_RETURN_IF_ERROR(storage::Engine::ValidateTopicName(topic));
  if (!allow_create || !options_.auto_create_topics) {
    return NotFound("topic '{}' does not exist", topic);
  }
  std::lock_guard lock(create_mu_);
  if (engine_.HasTopic(topic)) return false;
  HERALD_RETURN_IF_ERROR(engine_.CreateTopic(topic, options_.num_partitions));
  return true;
}

void Broker::Append(const std::string& topic, int32_t partition, MutableByteView batch,
                    storage::AckLevel ack, storage::AppendCallback done) {
  auto log = engine_.GetLog(topic, partition);
  if (!log.ok()) {
    done(log.status());
    return;
  }
  // Fetches wake as soon as the batch is readable, not when it is durable.
  (*log)->Append(batch, ack, std::move(done));
  NotifyAppend({topic, partition});
}

uint64_t Broker::WatchAppends(const std::vector<TopicPartition>& partitions,
                              std::function<void()> wake) {
  std::lock_guard lock(watch_mu_);
  uint64_t id = next_watch_id_++;
  for (const auto& tp : partitions) watchers_[tp].insert(id);
  watches_[id] = Watch{partitions, std::move(wake)};
  return id;
}

void Broker::Unwatch(uint64_t id) {
  std::lock_guard lock(watch_mu_);
  auto it = watches_.find(id);
  if (it == watches_.end()) return;
  for (const auto& tp : it->second.partitions) {
    auto w = watchers_.find(tp);
    if (w == watchers_.end()) continue;
    w->second.erase(id);
    if (w->second.empty()) watchers_.erase(w);
  }
  watches_.erase(it);
}

void Broker::NotifyAppend(const TopicPartition& tp) {
  std::vector<std::function<void()>> wakes;
  {
    std::lock_guard lock(watch_mu_);
    auto w = watchers_.find(tp);
    if (w == watchers_.end()) return;
    std::vector<uint64_t> ids(w->second.begin(), w->second.end());
    for (uint64_t id : ids) {
      auto it = watches_.find(id);
      if (it == watches_.end()) continue;
      wakes.push_back(std::move(it->second.wake));
      for (const auto& other : it->second.partitions) {
        auto ow = watchers_.find(other);
        if (ow == watchers_.end()) continue;
        ow->second.erase(id);
        if (ow->second.empty()) watchers_.erase(ow);
      }
      watches_.erase(it);
    }
  }
  for (auto& wake : wakes) wake();
}

}  // namespace herald::broker
