// Aggregates and repositories: event-sourced domain objects kept in an EventStore, one stream
// each. An aggregate decides on commands by raising events, and its state is what its events
// applied in order make of it; a repository loads it (the latest snapshot, then the events
// after it) and saves the events it raised, expecting the revision it was loaded at.
//
//   class Order : public herald::sdk::Aggregate {
//    public:
//     void Pay(int amount) {
//       if (paid_) throw herald::sdk::NonRetryableError("already_paid", "order is paid");
//       Raise({.type = "OrderPaid", .data = fmt::format(R"({{"amount":{}}})", amount)});
//     }
//    protected:
//     void Apply(const herald::sdk::EventData& event) override {
//       if (event.type == "OrderPaid") paid_ = true;
//     }
//    private:
//     bool paid_ = false;
//   };
//
//   herald::sdk::Repository<Order> orders(store, {.category = "order"});
//   orders.Execute("42", [](Order& order) { order.Pay(42); });  // stream "order-42"
//
// Execute loads, runs the command and saves; when another writer saved first it waits a little,
// loads again and runs the command again on the newer state (optimistic concurrency).
//
// Thread-safety: an Aggregate belongs to one thread; a Repository may be used from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "herald/event_store.h"
#include "herald/retry.h"

namespace herald::sdk {

class Aggregate {
 public:
  virtual ~Aggregate() = default;

  // The revision of the stream the state includes; -1 for an aggregate with no event stored.
  int64_t revision() const { return revision_; }
  // The events raised since it was loaded, not yet saved.
  const std::vector<EventData>& pending() const { return pending_; }

  // For snapshots: the state as JSON (nullopt, the default: this aggregate keeps none), and how
  // to restore it.
  virtual std::optional<std::string> SaveState() const { return std::nullopt; }
  virtual void LoadState(const std::string& state) { (void)state; }

 protected:
  // Applies one event to the state: a stored one while loading, a new one when raised. It must
  // accept every event the aggregate ever raised.
  virtual void Apply(const EventData& event) = 0;
  // Applies a new event and keeps it for the next save (giving it an id when it has none, so a
  // retried save is recognised as the same append).
  void Raise(EventData event);

 private:
  friend class RepositoryBase;
  int64_t revision_ = -1;
  std::vector<EventData> pending_;
};

struct RepositoryOptions {
  std::string category;  // streams are "<category>-<id>"; empty: the id itself
  // Execute's attempts when other writers keep saving first, and the waits between them.
  RetryPolicy retry{10, std::chrono::milliseconds(2), std::chrono::milliseconds(200), 2.0, 0.5};
  // With an aggregate that has SaveState: store a snapshot each time a save passes a multiple of
  // this many events (0: never). A snapshot that fails is skipped: the events are the truth.
  int64_t snapshot_every = 0;
};

// What Repository does, for any aggregate type.
class RepositoryBase {
 public:
  // The stream of the aggregate `id`.
  std::string StreamOf(const std::string& id) const;

 protected:
  RepositoryBase(std::shared_ptr<EventStore> store, RepositoryOptions options);
  // Brings a new aggregate to its stream's latest revision. Throws StreamDeleted for a
  // hard-deleted stream.
  void LoadInto(const std::string& id, Aggregate& aggregate) const;
  // Appends the pending events expecting the loaded revision, then clears them; nullopt when none
  // was pending. Throws WrongExpectedVersion when another writer saved first.
  std::optional<AppendResult> SaveFrom(const std::string& id, Aggregate& aggregate) const;
  int max_attempts() const { return options_.retry.max_attempts; }
  // Sleeps before attempt `attempt` + 1 of a command that met a conflict.
  void WaitBeforeRetry(int attempt) const;

 private:
  std::shared_ptr<EventStore> store_;
  RepositoryOptions options_;
};

template <typename A>
class Repository : public RepositoryBase {
  static_assert(std::is_base_of_v<Aggregate, A> && std::is_default_constructible_v<A>,
                "Repository<A> needs an Aggregate with a default constructor");

 public:
  explicit Repository(std::shared_ptr<EventStore> store, RepositoryOptions options = {})
      : RepositoryBase(std::move(store), std::move(options)) {}

  // The aggregate `id` as its events make it (new, at revision -1, when it has none).
  A Load(const std::string& id) const {
    A aggregate;
    LoadInto(id, aggregate);
    return aggregate;
  }
  // Saves what `aggregate` raised; see SaveFrom.
  std::optional<AppendResult> Save(const std::string& id, A& aggregate) const {
    return SaveFrom(id, aggregate);
  }
  // Loads `id`, runs `command(aggregate)` and saves; after a WrongExpectedVersion, waits (the
  // retry policy's backoff) and runs it again on the newer state, up to max_attempts (then the
  // conflict is thrown). What the command throws goes
  // to the caller with nothing saved. Returns the aggregate as saved.
  template <typename Command>
  A Execute(const std::string& id, Command&& command) const {
    for (int attempt = 1;; ++attempt) {
      A aggregate = Load(id);
      command(aggregate);
      try {
        SaveFrom(id, aggregate);
        return aggregate;
      } catch (const WrongExpectedVersion&) {
        if (attempt >= max_attempts()) throw;
      }
      WaitBeforeRetry(attempt);
    }
  }
};

}  // namespace herald::sdk
