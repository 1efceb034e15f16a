// The SDK's embedded event store: eventstore::EventStore on an embedded transport's data
// directory, its results turned into the SDK's types and exceptions.
#include <algorithm>
#include <chrono>
#include <future>
#include <memory>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/mutex.h"
#include "eventstore/catch_up.h"
#include "eventstore/event_store.h"
#include "herald/event_store.h"
#include "sdk/check.h"
#include "sdk/embedded.h"

namespace herald::sdk {
namespace {

namespace es = eventstore;

es::ExpectedRevision ToCore(const ExpectedRevision& e) {
  switch (e.kind) {
    case ExpectedRevision::Kind::kAny:
      return es::ExpectedRevision::Any();
    case ExpectedRevision::Kind::kNoStream:
      return es::ExpectedRevision::NoStream();
    case ExpectedRevision::Kind::kStreamExists:
      return es::ExpectedRevision::StreamExists();
    case ExpectedRevision::Kind::kExact:
      break;
  }
  return es::ExpectedRevision::Exact(e.revision);
}

RecordedEvent FromCore(es::RecordedEvent e) {
  RecordedEvent out;
  out.stream = std::move(e.stream);
  out.revision = e.revision;
  out.position = e.position;
  out.id = std::move(e.id);
  out.type = std::move(e.type);
  out.data = std::move(e.data);
  out.content_type = std::move(e.content_type);
  out.metadata = std::move(e.metadata);
  out.created_ms = e.created_ms;
  return out;
}

std::vector<RecordedEvent> FromCore(std::vector<es::RecordedEvent> events) {
  std::vector<RecordedEvent> out;
  out.reserve(events.size());
  for (auto& e : events) out.push_back(FromCore(std::move(e)));
  return out;
}

// Throws what a failed write means to the SDK; returns the result of one that succeeded.
AppendResult ResultOf(const es::AppendResult& r, const std::string& stream) {
  switch (r.error) {
    case es::AppendError::kNone:
      return {r.next_expected_revision, r.position};
    case es::AppendError::kWrongExpectedVersion:
      throw WrongExpectedVersion(fmt::format("stream '{}': {}", stream, r.message),
                                 r.current_revision);
    case es::AppendError::kStreamDeleted:
      throw StreamDeleted(fmt::format("stream '{}' is deleted", stream));
    default:
      throw Error(fmt::format("stream '{}': {}", stream, r.message));
  }
}

// Calls `call` with a store callback and waits for what the callback is given.
template <typename Call>
es::AppendResult WaitFor(Call call) {
  auto promise = std::make_shared<std::promise<es::AppendResult>>();
  auto answer = promise->get_future();
  call([promise](es::AppendResult r) { promise->set_value(std::move(r)); });
  return answer.get();
}

// A wake-up the store's WhenPast calls, shared so that it may outlive its subscription.
struct Wake {
  Mutex mu;
  CondVar cv;
  int64_t woken_past GUARDED_BY(mu) = -1;  // the latest end passed
};

class EmbeddedSubscription : public Subscription {
 public:
  EmbeddedSubscription(std::shared_ptr<es::EventStore> store, std::string stream,
                       es::ReadAllOptions filter, int64_t next)
      : store_(std::move(store)), reader_(*store_, std::move(stream), std::move(filter), next) {}

  std::vector<RecordedEvent> Next(std::chrono::milliseconds timeout, size_t max_events) override {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const int64_t end = store_->end_position();  // every event below it is in the read
      auto page = Check(reader_.Read(std::max<size_t>(max_events, 1)), "subscription");
      if (page.deleted) throw StreamDeleted("the subscribed stream is deleted");
      if (page.at_end) caught_up_ = true;
      if (!page.events.empty()) return FromCore(std::move(page.events));
      // One wake-up per end: a later Next at the same end finds it still registered.
      if (end != waiting_past_) {
        waiting_past_ = end;
        store_->WhenPast(end, [wake = wake_, end](Status) {
          MutexLock lock(wake->mu);
          wake->woken_past = std::max(wake->woken_past, end);
          wake->cv.NotifyAll();
        });
      }
      MutexLock lock(wake_->mu);
      while (wake_->woken_past < end) {
        if (!wake_->cv.WaitUntil(wake_->mu, deadline)) return {};
      }
    }
  }

  bool caught_up() const override { return caught_up_; }

 private:
  const std::shared_ptr<es::EventStore> store_;
  es::CatchUpReader reader_;
  const std::shared_ptr<Wake> wake_ = std::make_shared<Wake>();
  int64_t waiting_past_ = -1;
  bool caught_up_ = false;
};

class EmbeddedEventStore : public EventStore {
 public:
  explicit EmbeddedEventStore(std::shared_ptr<es::EventStore> store) : store_(std::move(store)) {}

  AppendResult Append(const std::string& stream, const ExpectedRevision& expected,
                      std::vector<EventData> events) override {
    std::vector<es::EventData> core;
    core.reserve(events.size());
    for (auto& e : events) {
      core.push_back({.id = std::move(e.id),
                      .type = std::move(e.type),
                      .data = std::move(e.data),
                      .content_type = std::move(e.content_type),
                      .metadata = std::move(e.metadata)});
    }
    return ResultOf(store_->AppendAndWait(stream, ToCore(expected), std::move(core)), stream);
  }

  StreamSlice Read(const std::string& stream, const ReadOptions& options) override {
    auto slice = Check(store_->ReadStream(stream, {.from_revision = options.from_revision,
                                                   .backward = options.backward,
                                                   .max_count = options.max_count}),
                       "reading " + stream);
    StreamSlice out;
    switch (slice.state) {
      case es::StreamState::kLive:
        out.status = StreamStatus::kOk;
        break;
      case es::StreamState::kHardDeleted:
        out.status = StreamStatus::kDeleted;
        break;
      default:
        out.status = StreamStatus::kNotFound;
    }
    out.events = FromCore(std::move(slice.events));
    out.last_revision = slice.last_revision;
    out.next_revision = slice.next_revision;
    return out;
  }

  AllSlice ReadAll(const ReadAllOptions& options) override {
    auto slice = Check(store_->ReadAll(Filter(options, options.from_position, options.max_count)),
                       "reading $all");
    return {FromCore(std::move(slice.events)), slice.next_position, slice.end_position};
  }

  void SaveSnapshot(const std::string& stream, int64_t revision,
                    const std::string& state) override {
    if (!nlohmann::json::accept(state)) {
      throw Error(fmt::format("stream '{}': a snapshot's state is JSON", stream));
    }
    ResultOf(WaitFor([&](auto done) { store_->SaveSnapshot(stream, revision, state, done); }),
             stream);
  }

  std::optional<Snapshot> LoadSnapshot(const std::string& stream) override {
    auto snapshot = Check(store_->LoadSnapshot(stream), "the snapshot of " + stream);
    if (!snapshot) return std::nullopt;
    return Snapshot{snapshot->revision, std::move(snapshot->state), snapshot->position,
                    snapshot->created_ms};
  }

  void SetMetadata(const std::string& stream, const std::string& json) override {
    ResultOf(WaitFor([&](auto done) { store_->SetMetadata(stream, json, done); }), stream);
  }

  std::string GetMetadata(const std::string& stream) override {
    return store_->GetMetadata(stream).json;
  }

  void Delete(const std::string& stream, const ExpectedRevision& expected, bool hard) override {
    ResultOf(WaitFor([&](auto done) { store_->Delete(stream, ToCore(expected), hard, done); }),
             stream);
  }

  std::unique_ptr<Subscription> Subscribe(const SubscribeOptions& options) override {
    const bool category = options.stream.starts_with("$ce-");
    const bool one_stream = options.stream != "$all" && !category;
    ReadAllOptions filter;
    if (category) filter.category = options.stream.substr(4);
    filter.types = options.types;
    return std::make_unique<EmbeddedSubscription>(
        store_, one_stream ? options.stream : std::string(), Filter(filter, 0, 0),
        options.after ? *options.after + 1 : 0);
  }

 private:
  static es::ReadAllOptions Filter(const ReadAllOptions& options, int64_t from, size_t max_count) {
    es::ReadAllOptions out;
    out.from_position = from;
    out.max_count = max_count;
    if (!options.category.empty()) out.stream_prefix = options.category + "-";
    out.types = options.types;
    return out;
  }

  const std::shared_ptr<es::EventStore> store_;
};

}  // namespace

std::shared_ptr<EventStore> OpenEmbeddedEventStore(std::shared_ptr<Transport> transport) {
  auto store = EmbeddedEventStoreOf(transport);
  if (!store) throw Error("OpenEmbeddedEventStore needs an embedded transport (OpenEmbedded)");
  return std::make_shared<EmbeddedEventStore>(std::move(store));
}

}  // namespace herald::sdk
