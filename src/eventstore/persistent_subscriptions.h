// PersistentSubscriptions: competing consumers over the event store, as EventStoreDB's persistent
// subscription groups. A group follows one stream, a category ("$ce-<category>") or "$all" from
// a starting point; its consumers read events, then ack each one (done) or nack it (retry now,
// park, or skip). An event neither acked nor nacked within the message timeout is delivered
// again; after `max_retry_count` retries it is parked: kept aside, listed, and replayed on
// request. Every event is delivered at least once.
//
//   PersistentSubscriptions subs = ...Open(store, engine);
//   subs->Create("$ce-order", "billing", {});
//   auto batch = subs->Read("$ce-order", "billing", 10);  // in flight until acked
//   subs->Ack("$ce-order", "billing", {batch->at(0).event.id});
//
// What survives a restart (the file `<data dir>/meta/eventstore/<topic>.subscriptions.json`,
// replaced atomically): each group's settings, its checkpoint (every event before it was acked,
// skipped or parked) and its parked events. Events after the checkpoint that were in flight or
// acked are delivered again after a restart (at least once). The checkpoint is written at most
// once a second while acks come, and at every create, delete, park, replay and Close.
//
// Thread-safety: every method may be called from any thread (one mutex; reads of the store
// happen under it, and the store never calls back).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/mutex.h"
#include "base/status.h"
#include "eventstore/catch_up.h"
#include "eventstore/event_store.h"
#include "storage/engine.h"

namespace herald::eventstore {

struct PersistentSettings {
  // Where a new group starts: a revision (one stream) or a position ($all, categories); -1: at
  // the end (only events written after it is created).
  int64_t start_from = 0;
  int max_retry_count = 10;            // deliveries after the first, before the event is parked
  int64_t message_timeout_ms = 30000;  // an unacked delivery is retried after this
  size_t max_in_flight = 1000;         // deliveries not yet acked, across the group's consumers
};

struct PersistentDelivery {
  RecordedEvent event;
  int retry_count = 0;  // 0 for the first delivery
};

struct PersistentGroupInfo {
  std::string stream;
  std::string group;
  PersistentSettings settings;
  int64_t checkpoint = 0;  // revision or position: every event before it is settled
  int64_t next = 0;        // the next event not yet delivered
  size_t in_flight = 0;
  size_t retry_queue = 0;
  size_t parked = 0;
  int64_t delivered = 0;  // deliveries since the start of this process
  int64_t acked = 0;
};

enum class NackAction { kRetry, kPark, kSkip };

class PersistentSubscriptions {
 public:
  // Loads the groups of `store` from their file (none when it is missing; kCorruption when it is
  // unreadable).
  static Result<std::unique_ptr<PersistentSubscriptions>> Open(EventStore& store,
                                                               storage::Engine& engine);
  ~PersistentSubscriptions();  // Close()
  PersistentSubscriptions(const PersistentSubscriptions&) = delete;
  PersistentSubscriptions& operator=(const PersistentSubscriptions&) = delete;

  // kAlreadyExists for a group that exists; kInvalidArgument for settings out of range.
  Status Create(const std::string& stream, const std::string& group, PersistentSettings settings);
  // kNotFound for a group that does not exist (so for every call below).
  Status Delete(const std::string& stream, const std::string& group);
  // Up to `count` events for a consumer: first those due again (nacked, or timed out), then the
  // next new ones, up to max_in_flight in flight. Each is in flight until acked or nacked.
  Result<std::vector<PersistentDelivery>> Read(const std::string& stream, const std::string& group,
                                               size_t count);
  // Settles the events with these ids (ids not in flight are ignored: already settled).
  Status Ack(const std::string& stream, const std::string& group,
             const std::vector<std::string>& ids);
  Status Nack(const std::string& stream, const std::string& group,
              const std::vector<std::string>& ids, NackAction action);
  // The parked events, oldest first (at most `max_count`).
  Result<std::vector<RecordedEvent>> Parked(const std::string& stream, const std::string& group,
                                            size_t max_count);
  // Moves every parked event to the retry queue (retry counts start again).
  Status ReplayParked(const std::string& stream, const std::string& group);
  Result<PersistentGroupInfo> Info(const std::string& stream, const std::string& group);
  std::vector<PersistentGroupInfo> List();
  // Writes the file. Later calls still work (and write again).
  Status Close();

 private:
  struct InFlight {
    RecordedEvent event;
    int retry_count = 0;
    int64_t deadline_ms = 0;
  };
  struct Group {
    std::string stream;
    std::string name;
    PersistentSettings settings;
    std::unique_ptr<CatchUpReader> reader;                   // at the next new event
    std::map<int64_t, InFlight> in_flight;                   // by revision or position
    std::unordered_map<std::string, int64_t> in_flight_ids;  // event id -> its key in in_flight
    std::map<int64_t, InFlight> retry;                       // due again, oldest first
    std::set<int64_t> parked;                                // by revision or position
    int64_t delivered = 0;
    int64_t acked = 0;
  };
  using Key = std::pair<std::string, std::string>;  // stream, group

  PersistentSubscriptions(EventStore& store, storage::Engine& engine);
  Status Load();
  Status SaveLocked() REQUIRES(mu_);
  void SaveSoonLocked() REQUIRES(mu_);
  Result<Group*> Find(const std::string& stream, const std::string& group) REQUIRES(mu_);
  std::unique_ptr<CatchUpReader> ReaderAt(const std::string& stream, int64_t next) const;
  // A group's key for an event: its revision (one stream) or position.
  static int64_t KeyOf(const Group& g, const RecordedEvent& e);
  static bool OneStream(const std::string& stream);
  // Puts a delivery in flight.
  static void AddInFlight(Group& g, int64_t key, InFlight f);
  // Takes the delivery of event `id` out of flight; nullopt when it is not (already settled).
  static std::optional<std::pair<int64_t, InFlight>> TakeInFlight(Group& g, const std::string& id);
  // Moves timed-out deliveries to the retry queue (or parks them).
  void ExpireLocked(Group& g, int64_t now_ms) REQUIRES(mu_);
  // Every event before it is settled: the first in flight or due again, else the next new one.
  static int64_t CheckpointOf(const Group& g);
  // A delivery that was not acked: due again, or parked once its retries ran out.
  void RetryLocked(Group& g, int64_t key, InFlight f) REQUIRES(mu_);
  void ParkLocked(Group& g, int64_t key) REQUIRES(mu_);
  // The event of `g` at `key`; nullopt when it is gone (truncated, deleted).
  Result<std::optional<RecordedEvent>> EventAt(const Group& g, int64_t key) const;
  PersistentGroupInfo InfoLocked(const Group& g) const REQUIRES(mu_);

  EventStore& store_;
  storage::Engine& engine_;
  const std::string path_;
  Mutex mu_;
  std::map<Key, Group> groups_ GUARDED_BY(mu_);
  bool dirty_ GUARDED_BY(mu_) = false;
  int64_t saved_ms_ GUARDED_BY(mu_) = 0;
};

}  // namespace herald::eventstore
