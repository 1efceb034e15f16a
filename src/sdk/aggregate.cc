#include "herald/aggregate.h"

#include <algorithm>
#include <thread>

#include "herald/publisher.h"

namespace herald::sdk {

void Aggregate::Raise(EventData event) {
  if (event.id.empty()) event.id = NewUuid();
  Apply(event);
  pending_.push_back(std::move(event));
}

RepositoryBase::RepositoryBase(std::shared_ptr<EventStore> store, RepositoryOptions options)
    : store_(std::move(store)), options_(std::move(options)) {
  if (!store_) throw Error("a Repository needs an EventStore");
  options_.retry.max_attempts = std::max(options_.retry.max_attempts, 1);
}

void RepositoryBase::WaitBeforeRetry(int attempt) const {
  std::this_thread::sleep_for(options_.retry.JitteredBackoffAfter(attempt));
}

std::string RepositoryBase::StreamOf(const std::string& id) const {
  return options_.category.empty() ? id : options_.category + "-" + id;
}

void RepositoryBase::LoadInto(const std::string& id, Aggregate& aggregate) const {
  const std::string stream = StreamOf(id);
  if (options_.snapshot_every > 0) {
    if (auto snapshot = store_->LoadSnapshot(stream)) {
      aggregate.LoadState(snapshot->state);
      aggregate.revision_ = snapshot->revision;
    }
  }
  for (RecordedEvent& e : store_->ReadToEnd(stream, aggregate.revision_ + 1)) {
    EventData event;
    event.type = std::move(e.type);
    event.data = std::move(e.data);
    event.content_type = std::move(e.content_type);
    event.id = std::move(e.id);
    event.metadata = std::move(e.metadata);
    aggregate.Apply(event);
    aggregate.revision_ = e.revision;
  }
}

std::optional<AppendResult> RepositoryBase::SaveFrom(const std::string& id,
                                                     Aggregate& aggregate) const {
  if (aggregate.pending_.empty()) return std::nullopt;
  const std::string stream = StreamOf(id);
  const int64_t before = aggregate.revision_;
  AppendResult r = store_->Append(stream, ExpectedRevision::Exact(before), aggregate.pending_);
  aggregate.pending_.clear();
  aggregate.revision_ = r.next_expected_revision;
  const int64_t every = options_.snapshot_every;
  if (every > 0 && (r.next_expected_revision + 1) / every > (before + 1) / every) {
    if (auto state = aggregate.SaveState()) {
      try {
        store_->SaveSnapshot(stream, r.next_expected_revision, *state);
      } catch (const Error&) {
        // Skipped: the next load reads more events, nothing else.
      }
    }
  }
  return r;
}

}  // namespace herald::sdk
