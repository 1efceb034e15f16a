// The SDK's remote event store: the `/streams` HTTP API of a running `herald serve`
// (docs/http-api.md), one request per call through client::HttpClient, on connections kept open
// between calls (one per thread calling at once); subscriptions read its Server-Sent Events on a
// thread of their own and reconnect from the last event after a drop.
#include <algorithm>
#include <chrono>
#include <deque>
#include <memory>
#include <thread>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/base64.h"
#include "base/json.h"
#include "base/mutex.h"
#include "base/time_text.h"
#include "base/utf8.h"
#include "client/http_client.h"
#include "herald/event_store.h"

namespace herald::sdk {
namespace {

using client::HttpAnswer;
using nlohmann::json;

std::string StreamPath(const std::string& stream) {
  return "/streams/" + client::PathSegment(stream);
}

json ExpectedJson(const ExpectedRevision& e) {
  switch (e.kind) {
    case ExpectedRevision::Kind::kAny:
      return "any";
    case ExpectedRevision::Kind::kNoStream:
      return "no_stream";
    case ExpectedRevision::Kind::kStreamExists:
      return "stream_exists";
    case ExpectedRevision::Kind::kExact:
      break;
  }
  return e.revision;
}

// An event of an append body: JSON data as JSON, other text as a string, bytes as base64.
json EventJson(const EventData& e) {
  json out = {{"type", e.type}, {"content_type", e.content_type}};
  if (!e.id.empty()) out["id"] = e.id;
  if (e.content_type == "application/json") {
    auto data = ParseBoundedJson(e.data.empty() ? "null" : e.data);
    if (!data) throw Error(fmt::format("event '{}': its data is not JSON", e.type));
    out["data"] = std::move(*data);
  } else if (IsValidUtf8(e.data)) {
    out["data"] = e.data;
  } else {
    out["data_base64"] = Base64Encode(AsBytes(e.data));
  }
  if (!e.metadata.empty()) {
    auto metadata = ParseBoundedJson(e.metadata);
    if (!metadata || !metadata->is_object()) {
      throw Error(fmt::format("event '{}': its metadata is not a JSON object", e.type));
    }
    out["metadata"] = std::move(*metadata);
  }
  return out;
}

int64_t Integer(const json& j, const char* field) {
  auto it = j.find(field);
  auto n = it == j.end() ? std::nullopt : JsonInteger<int64_t>(*it);
  if (!n) throw Error(fmt::format("the server's answer lacks \"{}\"", field));
  return *n;
}

// An event as the API answers it.
RecordedEvent RecordedFrom(const json& j) {
  if (!j.is_object()) throw Error("the server answered an event that is not a JSON object");
  RecordedEvent e;
  e.stream = j.value("stream", "");
  e.revision = Integer(j, "revision");
  e.position = Integer(j, "position");
  e.id = j.value("id", "");
  e.type = j.value("type", "");
  e.content_type = j.value("content_type", "application/json");
  if (auto encoded = j.find("data_base64"); encoded != j.end() && encoded->is_string()) {
    auto bytes = Base64Decode(encoded->get<std::string>());
    if (bytes.ok()) e.data.assign(reinterpret_cast<const char*>(bytes->data()), bytes->size());
  } else if (auto data = j.find("data"); data != j.end()) {
    e.data = e.content_type != "application/json" && data->is_string() ? data->get<std::string>()
                                                                       : data->dump();
  }
  if (auto metadata = j.find("metadata"); metadata != j.end()) e.metadata = metadata->dump();
  if (auto created = ParseIso8601(j.value("created", "")); created.ok()) e.created_ms = *created;
  return e;
}

std::vector<RecordedEvent> EventsFrom(const json& page) {
  auto events = page.find("events");
  if (events == page.end() || !events->is_array()) {
    throw Error("the server answered a page without \"events\"");
  }
  std::vector<RecordedEvent> out;
  out.reserve(events->size());
  for (const json& e : *events) out.push_back(RecordedFrom(e));
  return out;
}

// Throws what an error answer about `stream` means.
[[noreturn]] void Throw(const HttpAnswer& a, const std::string& stream) {
  const std::string code = a.ErrorCode();
  const std::string message =
      fmt::format("stream '{}': HTTP {} {}: {}", stream, a.status, code, a.ErrorMessage());
  if (code == "wrong_expected_version") {
    const json j = a.Json();
    auto current = j.is_object() && j.contains("current_revision")
                       ? JsonInteger<int64_t>(j["current_revision"])
                       : std::nullopt;
    throw WrongExpectedVersion(message, current.value_or(-1));
  }
  if (a.status == 410 || code == "stream_deleted") throw StreamDeleted(message);
  throw Error(message);
}

json BodyOf(const HttpAnswer& a) {
  json j = a.Json();
  if (!j.is_object())
    throw Error(fmt::format("the server answered {}: not a JSON object", a.status));
  return j;
}

class RemoteSubscription : public Subscription {
 public:
  RemoteSubscription(client::HttpClientOptions http, std::string target_path, bool one_stream,
                     std::string query, std::optional<int64_t> after)
      : http_(std::move(http)),
        path_(std::move(target_path)),
        one_stream_(one_stream),
        query_(std::move(query)),
        last_(after) {
    http_.stop_check_ms = 100;
    reader_ = std::thread([this] { ReadLoop(); });
  }

  ~RemoteSubscription() override {
    {
      MutexLock lock(mu_);
      stopping_ = true;
    }
    reader_.join();
  }

  std::vector<RecordedEvent> Next(std::chrono::milliseconds timeout, size_t max_events) override {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    MutexLock lock(mu_);
    while (queue_.empty() && !failure_) {
      if (!cv_.WaitUntil(mu_, deadline)) break;
    }
    if (queue_.empty() && failure_) std::rethrow_exception(failure_);
    std::vector<RecordedEvent> out;
    while (!queue_.empty() && out.size() < std::max<size_t>(max_events, 1)) {
      out.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    return out;
  }

  bool caught_up() const override {
    MutexLock lock(mu_);
    return caught_up_;
  }

 private:
  // Reads the event stream, from after the last event received, until stopped; a dropped
  // connection is opened again after a pause growing to 5 s. An answer other than the stream (a
  // 4xx) or a deleted stream ends it with an error for Next.
  void ReadLoop() {
    std::chrono::milliseconds pause(100);
    for (;;) {
      std::optional<int64_t> after;
      {
        MutexLock lock(mu_);
        if (stopping_) return;
        after = last_;
      }
      std::string target = path_ + "/subscribe?" + query_;
      if (after) target += fmt::format("{}from={}", query_.empty() ? "" : "&", *after);
      client::HttpClient http(http_);
      Status s = http.ReadEvents(
          target,
          [this](const std::string& event, const std::string&, const std::string& data) {
            return OnEvent(event, data);
          },
          [this] {
            MutexLock lock(mu_);
            return stopping_;
          });
      {
        MutexLock lock(mu_);
        if (stopping_ || failure_) return;
        if (s.code() == StatusCode::kFailedPrecondition) {
          Fail(std::make_exception_ptr(Error("subscription: " + s.message())));
          return;
        }
        cv_.WaitFor(mu_, pause);  // (woken early by nothing: it is only a pause)
      }
      pause = std::min(pause * 2, std::chrono::milliseconds(5000));
    }
  }

  bool OnEvent(const std::string& event, const std::string& data) {
    MutexLock lock(mu_);
    if (event == "message") {
      try {
        RecordedEvent e = RecordedFrom(json::parse(data));
        last_ = one_stream_ ? e.revision : e.position;
        queue_.push_back(std::move(e));
      } catch (const std::exception& error) {
        Fail(std::make_exception_ptr(Error(fmt::format("subscription: {}", error.what()))));
        return false;
      }
    } else if (event == "caught-up") {
      caught_up_ = true;
    } else if (event == "stream-deleted") {
      Fail(std::make_exception_ptr(StreamDeleted("the subscribed stream is deleted")));
      return false;
    }
    cv_.NotifyAll();
    return !stopping_;
  }

  void Fail(std::exception_ptr failure) REQUIRES(mu_) {
    failure_ = std::move(failure);
    cv_.NotifyAll();
  }

  client::HttpClientOptions http_;
  const std::string path_;
  const bool one_stream_;
  const std::string query_;  // "type=..." or empty
  mutable Mutex mu_;
  CondVar cv_;
  std::deque<RecordedEvent> queue_ GUARDED_BY(mu_);
  std::optional<int64_t> last_ GUARDED_BY(mu_);  // revision or position of the last one received
  bool caught_up_ GUARDED_BY(mu_) = false;
  bool stopping_ GUARDED_BY(mu_) = false;
  std::exception_ptr failure_ GUARDED_BY(mu_);
  std::thread reader_;
};

class RemoteEventStore : public EventStore {
 public:
  explicit RemoteEventStore(const RemoteOptions& options) {
    http_.url = options.url;
    http_.api_key = options.api_key;
    http_.timeout_ms = options.timeout_ms;
    http_.user_agent = "herald-sdk";
  }

  AppendResult Append(const std::string& stream, const ExpectedRevision& expected,
                      std::vector<EventData> events) override {
    json body = {{"expected_revision", ExpectedJson(expected)}, {"events", json::array()}};
    for (const auto& e : events) body["events"].push_back(EventJson(e));
    HttpAnswer a = Call("POST", StreamPath(stream), body.dump());
    if (a.status != 200) Throw(a, stream);
    const json j = BodyOf(a);
    return {Integer(j, "next_expected_revision"), Integer(j, "position")};
  }

  StreamSlice Read(const std::string& stream, const ReadOptions& options) override {
    std::string target = fmt::format("{}?direction={}&limit={}", StreamPath(stream),
                                     options.backward ? "backward" : "forward", options.max_count);
    if (!options.backward || options.from_revision >= 0) {
      target += fmt::format("&from={}", options.from_revision);
    }
    HttpAnswer a = Call("GET", target);
    StreamSlice slice;
    if (a.status == 404 && a.ErrorCode() == "stream_not_found") return slice;
    if (a.status == 410) {
      slice.status = StreamStatus::kDeleted;
      return slice;
    }
    if (a.status != 200) Throw(a, stream);
    const json j = BodyOf(a);
    slice.status = StreamStatus::kOk;
    slice.events = EventsFrom(j);
    slice.last_revision = Integer(j, "last_revision");
    if (auto next = j.find("next"); next != j.end() && !next->is_null()) {
      slice.next_revision = JsonInteger<int64_t>(*next);
    }
    return slice;
  }

  AllSlice ReadAll(const ReadAllOptions& options) override {
    const std::string stream = options.category.empty() ? "$all" : "$ce-" + options.category;
    std::string target = fmt::format("{}?from_position={}&limit={}", StreamPath(stream),
                                     options.from_position, options.max_count);
    if (!options.types.empty()) target += "&type=" + TypeList(options.types);
    HttpAnswer a = Call("GET", target);
    if (a.status != 200) Throw(a, stream);
    const json j = BodyOf(a);
    return {EventsFrom(j), Integer(j, "next_position"), Integer(j, "end_position")};
  }

  void SaveSnapshot(const std::string& stream, int64_t revision,
                    const std::string& state) override {
    auto data = ParseBoundedJson(state);
    if (!data) throw Error(fmt::format("stream '{}': a snapshot's state is JSON", stream));
    json body = {{"revision", revision}, {"data", std::move(*data)}};
    HttpAnswer a = Call("PUT", StreamPath(stream) + "/snapshot", body.dump());
    if (a.status != 200) Throw(a, stream);
  }

  std::optional<Snapshot> LoadSnapshot(const std::string& stream) override {
    HttpAnswer a = Call("GET", StreamPath(stream) + "/snapshot");
    if (a.status == 404) return std::nullopt;
    if (a.status != 200) Throw(a, stream);
    const json j = BodyOf(a);
    Snapshot s;
    s.revision = Integer(j, "revision");
    s.position = Integer(j, "position");
    s.state = j.contains("data") ? j["data"].dump() : "null";
    if (auto created = ParseIso8601(j.value("created", "")); created.ok()) s.created_ms = *created;
    return s;
  }

  void SetMetadata(const std::string& stream, const std::string& metadata) override {
    HttpAnswer a = Call("PUT", StreamPath(stream) + "/metadata", metadata);
    if (a.status != 200) Throw(a, stream);
  }

  std::string GetMetadata(const std::string& stream) override {
    HttpAnswer a = Call("GET", StreamPath(stream) + "/metadata");
    if (a.status != 200) Throw(a, stream);
    return BodyOf(a).dump();
  }

  void Delete(const std::string& stream, const ExpectedRevision& expected, bool hard) override {
    const json e = ExpectedJson(expected);
    HttpAnswer a = Call("DELETE", fmt::format("{}?hard={}&expected_revision={}", StreamPath(stream),
                                              hard ? "true" : "false",
                                              e.is_string() ? e.get<std::string>() : e.dump()));
    if (a.status != 200) Throw(a, stream);
  }

  std::unique_ptr<Subscription> Subscribe(const SubscribeOptions& options) override {
    const bool one_stream = options.stream != "$all" && !options.stream.starts_with("$ce-");
    std::string query;
    if (!one_stream && !options.types.empty()) query = "type=" + TypeList(options.types);
    return std::make_unique<RemoteSubscription>(http_, StreamPath(options.stream), one_stream,
                                                std::move(query), options.after);
  }

 private:
  static std::string TypeList(const std::vector<std::string>& types) {
    std::string out;
    for (const auto& t : types) {
      if (!out.empty()) out += ',';
      out += client::PathSegment(t);
    }
    return out;
  }

  HttpAnswer Call(const std::string& method, const std::string& target,
                  const std::string& body = "") {
    std::unique_ptr<client::HttpClient> http;
    {
      MutexLock lock(idle_mu_);
      if (!idle_.empty()) {
        http = std::move(idle_.back());
        idle_.pop_back();
      }
    }
    if (!http) http = std::make_unique<client::HttpClient>(http_);
    auto answer = http->Call(method, target, body);
    if (!answer.ok()) throw Error(answer.status().ToString());
    MutexLock lock(idle_mu_);
    if (idle_.size() < kMaxIdleConnections) idle_.push_back(std::move(http));
    return std::move(answer).value();
  }

  // Connections kept for the next call: as many as threads have called at once, up to this.
  static constexpr size_t kMaxIdleConnections = 16;

  client::HttpClientOptions http_;
  Mutex idle_mu_;
  std::vector<std::unique_ptr<client::HttpClient>> idle_ GUARDED_BY(idle_mu_);
};

}  // namespace

std::shared_ptr<EventStore> ConnectEventStore(const RemoteOptions& options) {
  return std::make_shared<RemoteEventStore>(options);
}

}  // namespace herald::sdk
