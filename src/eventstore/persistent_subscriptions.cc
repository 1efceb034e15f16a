#include "eventstore/persistent_subscriptions.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "base/json.h"
#include "base/log.h"
#include "base/utf8.h"
#include "storage/file_system.h"

namespace herald::eventstore {
namespace {

using nlohmann::json;

constexpr int64_t kSaveEveryMs = 1000;

ReadAllOptions FilterOf(const std::string& stream) {
  ReadAllOptions filter;
  if (stream.starts_with("$ce-")) filter.stream_prefix = stream.substr(4) + "-";
  return filter;
}

Status ValidateSettings(const PersistentSettings& s) {
  if (s.start_from < -1) return InvalidArgument("start_from is -1 (the end) or more");
  if (s.max_retry_count < 0 || s.max_retry_count > 1000000) {
    return InvalidArgument("max_retry_count is 0 to 1000000");
  }
  if (s.message_timeout_ms < 1 || s.message_timeout_ms > 86400000) {
    return InvalidArgument("message_timeout_ms is 1 to 86400000");
  }
  if (s.max_in_flight < 1 || s.max_in_flight > 100000) {
    return InvalidArgument("max_in_flight is 1 to 100000");
  }
  return Status::Ok();
}

}  // namespace

PersistentSubscriptions::PersistentSubscriptions(EventStore& store, storage::Engine& engine)
    : store_(store),
      engine_(engine),
      path_(storage::JoinPath(
          storage::JoinPath(storage::JoinPath(engine.data_dir(), "meta"), "eventstore"),
          store.topic() + ".subscriptions.json")) {}

PersistentSubscriptions::~PersistentSubscriptions() {
  Close().IgnoreError();
}

Result<std::unique_ptr<PersistentSubscriptions>> PersistentSubscriptions::Open(
    EventStore& store, storage::Engine& engine) {
  std::unique_ptr<PersistentSubscriptions> subs(new PersistentSubscriptions(store, engine));
  HERALD_RETURN_IF_ERROR(subs->Load());
  return subs;
}

bool PersistentSubscriptions::OneStream(const std::string& stream) {
  return stream != "$all" && !stream.starts_with("$ce-");
}

int64_t PersistentSubscriptions::KeyOf(const Group& g, const RecordedEvent& e) {
  return OneStream(g.stream) ? e.revision : e.position;
}

std::unique_ptr<CatchUpReader> PersistentSubscriptions::ReaderAt(const std::string& stream,
                                                                 int64_t next) const {
  return std::make_unique<CatchUpReader>(store_, OneStream(stream) ? stream : "", FilterOf(stream),
                                         next);
}

int64_t PersistentSubscriptions::CheckpointOf(const Group& g) {
  int64_t checkpoint = g.reader->next();
  if (!g.in_flight.empty()) checkpoint = std::min(checkpoint, g.in_flight.begin()->first);
  if (!g.retry.empty()) checkpoint = std::min(checkpoint, g.retry.begin()->first);
  return checkpoint;
}

Status PersistentSubscriptions::Load() {
  // (Looked up first: a broker started at its file-descriptor limit opens nothing it need not.)
  if (!engine_.fs().Exists(path_)) return Status::Ok();
  auto bytes = storage::ReadFile(engine_.fs(), path_);
  if (!bytes.ok()) {
    if (bytes.status().code() == StatusCode::kNotFound) return Status::Ok();
    return bytes.status();
  }
  auto doc = ParseBoundedJson(
      std::string_view(reinterpret_cast<const char*>(bytes->data()), bytes->size()));
  auto bad = [&](const char* why) { return Corruption("{}: {}", path_, why); };
  if (!doc || !doc->is_object() || !(*doc)["groups"].is_array()) return bad("not a groups file");
  MutexLock lock(mu_);
  for (const json& j : (*doc)["groups"]) {
    if (!j.is_object() || !j.value("stream", json()).is_string() ||
        !j.value("group", json()).is_string()) {
      return bad("a group without stream and name");
    }
    Group g;
    g.stream = j["stream"].get<std::string>();
    g.name = j["group"].get<std::string>();
    auto start = JsonIntegerOr<int64_t>(j, "start_from", 0);
    auto retries = JsonIntegerOr<int>(j, "max_retry_count", 10);
    auto timeout = JsonIntegerOr<int64_t>(j, "message_timeout_ms", 30000);
    auto in_flight = JsonIntegerOr<int64_t>(j, "max_in_flight", 1000);
    auto checkpoint = JsonIntegerOr<int64_t>(j, "checkpoint", 0);
    if (!start || !retries || !timeout || !in_flight || *in_flight < 0 || !checkpoint ||
        *checkpoint < 0) {
      return bad("a group's numbers");
    }
    g.settings = {*start, *retries, *timeout, static_cast<size_t>(*in_flight)};
    HERALD_RETURN_IF_ERROR(ValidateSettings(g.settings));
    if (auto parked = j.find("parked"); parked != j.end() && parked->is_array()) {
      for (const json& k : *parked) {
        auto key = JsonInteger<int64_t>(k);
        if (!key) return bad("a parked event");
        g.parked.insert(*key);
      }
    }
    g.reader = ReaderAt(g.stream, *checkpoint);
    groups_.emplace(Key{g.stream, g.name}, std::move(g));
  }
  return Status::Ok();
}

Status PersistentSubscriptions::SaveLocked() {
  json groups = json::array();
  for (const auto& [key, g] : groups_) {
    groups.push_back({{"stream", g.stream},
                      {"group", g.name},
                      {"start_from", g.settings.start_from},
                      {"max_retry_count", g.settings.max_retry_count},
                      {"message_timeout_ms", g.settings.message_timeout_ms},
                      {"max_in_flight", g.settings.max_in_flight},
                      {"checkpoint", CheckpointOf(g)},
                      {"parked", json(std::vector<int64_t>(g.parked.begin(), g.parked.end()))}});
  }
  // (Names are checked UTF-8 at Create; the replacement only keeps a write from ever throwing.)
  const std::string text = json{{"version", 1}, {"groups", std::move(groups)}}.dump(
      -1, ' ', false, json::error_handler_t::replace);
  HERALD_RETURN_IF_ERROR(storage::CreateDirs(engine_.fs(), storage::DirName(path_)));
  HERALD_RETURN_IF_ERROR(storage::WriteFileAtomic(engine_.fs(), path_, AsBytes(text)));
  dirty_ = false;
  saved_ms_ = engine_.clock().NowMs();
  return Status::Ok();
}

void PersistentSubscriptions::SaveSoonLocked() {
  dirty_ = true;
  if (engine_.clock().NowMs() - saved_ms_ < kSaveEveryMs) return;
  if (Status s = SaveLocked(); !s.ok()) {
    LogWarn("persistent_subscriptions_save_failed", {{"path", path_}}, s.ToString());
  }
}

Status PersistentSubscriptions::Close() {
  MutexLock lock(mu_);
  return dirty_ ? SaveLocked() : Status::Ok();
}

Result<PersistentSubscriptions::Group*> PersistentSubscriptions::Find(const std::string& stream,
                                                                      const std::string& group) {
  auto it = groups_.find({stream, group});
  if (it == groups_.end()) {
    return NotFound("no persistent subscription '{}' on '{}'", group, stream);
  }
  return &it->second;
}

Status PersistentSubscriptions::Create(const std::string& stream, const std::string& group,
                                       PersistentSettings settings) {
  if (OneStream(stream)) {
    HERALD_RETURN_IF_ERROR(EventStore::ValidateStreamName(stream));
  } else if (stream != "$all") {
    // A category: a name a stream could start with.
    HERALD_RETURN_IF_ERROR(EventStore::ValidateStreamName(stream.substr(4)));
  }
  if (group.empty() || group.size() > 255 || !IsValidUtf8(group) ||
      std::any_of(group.begin(), group.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x20; })) {
    return InvalidArgument("a group name is 1-255 bytes of UTF-8 without control characters");
  }
  HERALD_RETURN_IF_ERROR(ValidateSettings(settings));
  int64_t start = settings.start_from;
  if (start == -1) {
    if (OneStream(stream)) {
      HERALD_ASSIGN_OR_RETURN(
          auto slice,
          store_.ReadStream(stream, {.from_revision = -1, .backward = true, .max_count = 1}));
      start = slice.last_revision + 1;
    } else {
      start = store_.end_position();
    }
  }
  MutexLock lock(mu_);
  if (groups_.count({stream, group})) {
    return AlreadyExists("persistent subscription '{}' on '{}' exists", group, stream);
  }
  Group g;
  g.stream = stream;
  g.name = group;
  g.settings = settings;
  g.reader = ReaderAt(stream, start);
  groups_.emplace(Key{stream, group}, std::move(g));
  return SaveLocked();
}

Status PersistentSubscriptions::Delete(const std::string& stream, const std::string& group) {
  MutexLock lock(mu_);
  if (auto found = Find(stream, group); !found.ok()) return found.status();
  groups_.erase({stream, group});
  return SaveLocked();
}

void PersistentSubscriptions::ParkLocked(Group& g, int64_t key) {
  g.parked.insert(key);
  if (Status s = SaveLocked(); !s.ok()) {
    LogWarn("persistent_subscriptions_save_failed", {{"path", path_}}, s.ToString());
  }
}

void PersistentSubscriptions::RetryLocked(Group& g, int64_t key, InFlight f) {
  if (++f.retry_count > g.settings.max_retry_count) {
    LogWarn("persistent_subscription_parked", {{"stream", g.stream},
                                               {"group", g.name},
                                               {"event", f.event.id},
                                               {"retries", f.retry_count - 1}});
    ParkLocked(g, key);
    return;
  }
  g.retry.emplace(key, std::move(f));
}

void PersistentSubscriptions::AddInFlight(Group& g, int64_t key, InFlight f) {
  g.in_flight_ids[f.event.id] = key;
  g.in_flight.insert_or_assign(key, std::move(f));
}

std::optional<std::pair<int64_t, PersistentSubscriptions::InFlight>>
PersistentSubscriptions::TakeInFlight(Group& g, const std::string& id) {
  auto at = g.in_flight_ids.find(id);
  if (at == g.in_flight_ids.end()) return std::nullopt;
  auto node = g.in_flight.extract(at->second);
  g.in_flight_ids.erase(at);
  if (node.empty()) return std::nullopt;
  return std::make_pair(node.key(), std::move(node.mapped()));
}

void PersistentSubscriptions::ExpireLocked(Group& g, int64_t now_ms) {
  std::vector<std::string> expired;
  for (const auto& [key, f] : g.in_flight) {
    if (f.deadline_ms <= now_ms) expired.push_back(f.event.id);
  }
  for (const std::string& id : expired) {
    if (auto taken = TakeInFlight(g, id)) RetryLocked(g, taken->first, std::move(taken->second));
  }
}

Result<std::vector<PersistentDelivery>> PersistentSubscriptions::Read(const std::string& stream,
                                                                      const std::string& group,
                                                                      size_t count) {
  MutexLock lock(mu_);
  HERALD_ASSIGN_OR_RETURN(Group * g, Find(stream, group));
  const int64_t now = engine_.clock().NowMs();
  const int64_t deadline = now + g->settings.message_timeout_ms;
  ExpireLocked(*g, now);
  std::vector<PersistentDelivery> out;
  while (out.size() < count && !g->retry.empty()) {
    auto node = g->retry.extract(g->retry.begin());
    node.mapped().deadline_ms = deadline;
    out.push_back({node.mapped().event, node.mapped().retry_count});
    AddInFlight(*g, node.key(), std::move(node.mapped()));
    ++g->delivered;
  }
  while (out.size() < count && g->in_flight.size() < g->settings.max_in_flight) {
    const size_t room =
        std::min(count - out.size(), g->settings.max_in_flight - g->in_flight.size());
    HERALD_ASSIGN_OR_RETURN(auto page, g->reader->Read(room));
    for (RecordedEvent& e : page.events) {
      const int64_t key = KeyOf(*g, e);
      if (g->parked.count(key)) continue;  // parked before a restart
      out.push_back({e, 0});
      AddInFlight(*g, key, InFlight{std::move(e), 0, deadline});
      ++g->delivered;
    }
    if (page.at_end || page.deleted) break;
  }
  return out;
}

Status PersistentSubscriptions::Ack(const std::string& stream, const std::string& group,
                                    const std::vector<std::string>& ids) {
  MutexLock lock(mu_);
  HERALD_ASSIGN_OR_RETURN(Group * g, Find(stream, group));
  for (const std::string& id : ids) {
    if (TakeInFlight(*g, id)) ++g->acked;
  }
  SaveSoonLocked();
  return Status::Ok();
}

Status PersistentSubscriptions::Nack(const std::string& stream, const std::string& group,
                                     const std::vector<std::string>& ids, NackAction action) {
  MutexLock lock(mu_);
  HERALD_ASSIGN_OR_RETURN(Group * g, Find(stream, group));
  for (const std::string& id : ids) {
    auto taken = TakeInFlight(*g, id);
    if (!taken) continue;
    switch (action) {
      case NackAction::kRetry:
        RetryLocked(*g, taken->first, std::move(taken->second));
        break;
      case NackAction::kPark:
        ParkLocked(*g, taken->first);
        break;
      case NackAction::kSkip:
        break;
    }
  }
  SaveSoonLocked();
  return Status::Ok();
}

Result<std::optional<RecordedEvent>> PersistentSubscriptions::EventAt(const Group& g,
                                                                      int64_t key) const {
  if (OneStream(g.stream)) {
    HERALD_ASSIGN_OR_RETURN(auto slice,
                            store_.ReadStream(g.stream, {.from_revision = key, .max_count = 1}));
    if (slice.events.empty() || slice.events[0].revision != key)
      return std::optional<RecordedEvent>();
    return std::optional<RecordedEvent>(std::move(slice.events[0]));
  }
  ReadAllOptions options = FilterOf(g.stream);
  options.from_position = key;
  options.max_count = 1;
  HERALD_ASSIGN_OR_RETURN(auto slice, store_.ReadAll(options));
  if (slice.events.empty() || slice.events[0].position != key)
    return std::optional<RecordedEvent>();
  return std::optional<RecordedEvent>(std::move(slice.events[0]));
}

Result<std::vector<RecordedEvent>> PersistentSubscriptions::Parked(const std::string& stream,
                                                                   const std::string& group,
                                                                   size_t max_count) {
  MutexLock lock(mu_);
  HERALD_ASSIGN_OR_RETURN(Group * g, Find(stream, group));
  std::vector<RecordedEvent> out;
  for (int64_t key : g->parked) {
    if (out.size() >= max_count) break;
    HERALD_ASSIGN_OR_RETURN(auto e, EventAt(*g, key));
    if (e) out.push_back(std::move(*e));
  }
  return out;
}

Status PersistentSubscriptions::ReplayParked(const std::string& stream, const std::string& group) {
  MutexLock lock(mu_);
  HERALD_ASSIGN_OR_RETURN(Group * g, Find(stream, group));
  for (int64_t key : g->parked) {
    HERALD_ASSIGN_OR_RETURN(auto e, EventAt(*g, key));
    if (e) g->retry.emplace(key, InFlight{std::move(*e), 0, 0});
  }
  g->parked.clear();
  return SaveLocked();
}

PersistentGroupInfo PersistentSubscriptions::InfoLocked(const Group& g) const {
  PersistentGroupInfo info;
  info.stream = g.stream;
  info.group = g.name;
  info.settings = g.settings;
  info.checkpoint = CheckpointOf(g);
  info.next = g.reader->next();
  info.in_flight = g.in_flight.size();
  info.retry_queue = g.retry.size();
  info.parked = g.parked.size();
  info.delivered = g.delivered;
  info.acked = g.acked;
  return info;
}

Result<PersistentGroupInfo> PersistentSubscriptions::Info(const std::string& stream,
                                                          const std::string& group) {
  MutexLock lock(mu_);
  HERALD_ASSIGN_OR_RETURN(Group * g, Find(stream, group));
  return InfoLocked(*g);
}

std::vector<PersistentGroupInfo> PersistentSubscriptions::List() {
  MutexLock lock(mu_);
  std::vector<PersistentGroupInfo> out;
  for (const auto& [key, g] : groups_) out.push_back(InfoLocked(g));
  return out;
}

}  // namespace herald::eventstore
