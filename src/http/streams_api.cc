// The event store over HTTP (/streams): appends with an expected revision, stream, $all and
// category reads, subscriptions as Server-Sent Events, snapshots, stream metadata and deletion.
// Errors answer {"error_code": "<snake_case>", "message": "..."} with the HTTP status that fits
// (400, 404, 409, 410, 503).
#include <atomic>
#include <charconv>
#include <chrono>

#include <fmt/format.h>

#include "base/base64.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mutex.h"
#include "base/split.h"
#include "base/utf8.h"
#include "eventstore/catch_up.h"
#include "http/api.h"
#include "http/event_json.h"

namespace herald::http {
namespace {

using broker::AclOperation;
using broker::ResourceType;
using eventstore::AppendError;
using eventstore::AppendResult;
using eventstore::EventStore;
using eventstore::ExpectedRevision;
using nlohmann::json;

constexpr size_t kDefaultLimit = 100;

std::optional<int64_t> ParseInt(std::string_view text) {
  int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// A query parameter that must be a non-negative integer when present.
std::optional<int64_t> QueryCount(const Call& call, const std::string& name, int64_t fallback,
                                  const Reply& reply) {
  auto text = call.Query(name);
  if (!text) return fallback;
  auto value = ParseInt(*text);
  if (!value || *value < 0) {
    reply(StreamError(bhttp::status::bad_request, "invalid_request",
                      fmt::format("{} must be a non-negative integer", name)));
    return std::nullopt;
  }
  return value;
}

// The expected revision of a write: EventStoreDB's ES-ExpectedVersion header (-2 any, -1 no
// stream, -4 stream exists, N) or, in the body or query, "any", "no_stream", "stream_exists" or
// N. `required` makes its absence an error.
Result<ExpectedRevision> ExpectedFrom(const Call& call, const json* value, bool required) {
  const auto header = call.request->base().find("ES-ExpectedVersion");
  if (header != call.request->base().end()) {
    auto n = ParseInt(header->value());
    if (n == -2) return ExpectedRevision::Any();
    if (n == -1) return ExpectedRevision::NoStream();
    if (n == -4) return ExpectedRevision::StreamExists();
    if (n && *n >= 0) return ExpectedRevision::Exact(*n);
    return InvalidArgument("ES-ExpectedVersion must be -2, -1, -4 or a revision");
  }
  if (value == nullptr || value->is_null()) {
    if (required) {
      return InvalidArgument(
          "expected_revision is required: \"any\", \"no_stream\", \"stream_exists\" or a revision");
    }
    return ExpectedRevision::Any();
  }
  if (value->is_string()) {
    const std::string text = value->get<std::string>();
    if (text == "any") return ExpectedRevision::Any();
    if (text == "no_stream") return ExpectedRevision::NoStream();
    if (text == "stream_exists") return ExpectedRevision::StreamExists();
    if (auto n = ParseInt(text); n && *n >= 0) return ExpectedRevision::Exact(*n);
  } else if (auto n = JsonInteger<int64_t>(*value); n && *n >= 0) {
    return ExpectedRevision::Exact(*n);
  }
  return InvalidArgument(
      "expected_revision must be \"any\", \"no_stream\", \"stream_exists\" or a revision >= 0");
}

// What an append, metadata write or deletion answers.
Response AppendResponse(const AppendResult& r) {
  switch (r.error) {
    case AppendError::kNone:
      return JsonResponse(bhttp::status::ok, {{"next_expected_revision", r.next_expected_revision},
                                              {"position", r.position}});
    case AppendError::kWrongExpectedVersion:
      return StreamError(bhttp::status::conflict, "wrong_expected_version", r.message,
                         {{"current_revision", r.current_revision}});
    case AppendError::kStreamDeleted:
      return StreamError(bhttp::status::gone, "stream_deleted", r.message);
    case AppendError::kEventIdReused:
      return StreamError(bhttp::status::conflict, "duplicate_event_id", r.message);
    case AppendError::kInvalid:
      return StreamError(bhttp::status::bad_request, "invalid_request", r.message);
    case AppendError::kStorage:
      break;
  }
  LogError("stream_append_failed", {}, r.message);
  return StreamError(bhttp::status::service_unavailable, "unavailable", r.message);
}

// The events of a POST body: [{"id"?, "type", "data", "metadata"?, "content_type"?}]. JSON data
// is stored as JSON (application/json); a string with a content_type that is not JSON is stored
// as is, and so are the bytes of "data_base64" (given instead of "data").
Result<std::vector<eventstore::EventData>> EventsFrom(const json& body) {
  auto events = body.find("events");
  if (events == body.end() || !events->is_array()) {
    return InvalidArgument("the body needs \"events\": an array of events");
  }
  std::vector<eventstore::EventData> out;
  out.reserve(events->size());
  for (const json& e : *events) {
    if (!e.is_object()) return InvalidArgument("each event is a JSON object");
    eventstore::EventData d;
    auto type = e.find("type");
    if (type == e.end() || !type->is_string())
      return InvalidArgument("each event needs a \"type\"");
    d.type = type->get<std::string>();
    if (auto id = e.find("id"); id != e.end() && !id->is_null()) {
      if (!id->is_string()) return InvalidArgument("an event \"id\" is a UUID string");
      d.id = id->get<std::string>();
    }
    auto data = e.find("data");
    auto content_type = e.find("content_type");
    if (content_type != e.end() && !content_type->is_string()) {
      return InvalidArgument("\"content_type\" is a string");
    }
    // Empty when not given.
    const std::string type_text = content_type == e.end() ? "" : content_type->get<std::string>();
    if (auto encoded = e.find("data_base64"); encoded != e.end()) {
      // Bytes of any content type but JSON.
      d.content_type = type_text.empty() ? "application/octet-stream" : type_text;
      auto bytes = encoded->is_string() ? Base64Decode(encoded->get<std::string>())
                                        : Result<Buffer>(InvalidArgument("not a string"));
      if (!bytes.ok() || data != e.end() || d.content_type == "application/json") {
        return InvalidArgument(
            "\"data_base64\" is a base64 string, given instead of \"data\" with a content_type "
            "other than application/json");
      }
      d.data.assign(reinterpret_cast<const char*>(bytes->data()), bytes->size());
    } else if (!type_text.empty() && type_text != "application/json" && data != e.end() &&
               data->is_string()) {
      d.data = data->get<std::string>();
      d.content_type = type_text;
    } else {
      d.data = data == e.end() ? "null" : data->dump();
      d.content_type = "application/json";
    }
    if (auto metadata = e.find("metadata"); metadata != e.end() && !metadata->is_null()) {
      if (!metadata->is_object()) return InvalidArgument("event \"metadata\" is a JSON object");
      d.metadata = metadata->dump();
    }
    out.push_back(std::move(d));
  }
  return out;
}

// The stream named in the path, when an application may write it; else answers 400.
std::optional<std::string> WritableStream(const Call& call, const Reply& reply) {
  const std::string& stream = call.Param("stream");
  if (Status s = EventStore::ValidateStreamName(stream); !s.ok()) {
    reply(StreamError(bhttp::status::bad_request, "invalid_stream_name", s.message()));
    return std::nullopt;
  }
  return stream;
}

std::optional<json> JsonBody(const Call& call, const Reply& reply) {
  if (call.ContentType() != "application/json") {
    reply(StreamError(bhttp::status::unsupported_media_type, "unsupported_media_type",
                      "send the body as application/json"));
    return std::nullopt;
  }
  auto body = ParseBoundedJson(call.request->body());
  if (!body || !body->is_object()) {
    reply(
        StreamError(bhttp::status::bad_request, "invalid_json", "the body must be a JSON object"));
    return std::nullopt;
  }
  return body;
}

void AppendToStream(EventStore& store, Call call, Reply reply) {
  auto stream = WritableStream(call, reply);
  if (!stream) return;
  auto body = JsonBody(call, reply);
  if (!body) return;
  auto it = body->find("expected_revision");
  auto expected = ExpectedFrom(call, it == body->end() ? nullptr : &*it, /*required=*/true);
  if (!expected.ok()) {
    reply(StreamError(bhttp::status::bad_request, "invalid_expected_revision",
                      expected.status().message()));
    return;
  }
  auto events = EventsFrom(*body);
  if (!events.ok()) {
    reply(StreamError(bhttp::status::bad_request, "invalid_request", events.status().message()));
    return;
  }
  store.Append(*stream, *expected, std::move(events).value(),
               [reply = std::move(reply)](AppendResult r) { reply(AppendResponse(r)); });
}

void ReadGlobal(EventStore& store, const Call& call, const Reply& reply,
                eventstore::ReadAllOptions options) {
  auto from = QueryCount(call, "from_position", 0, reply);
  if (!from) return;
  auto limit = QueryCount(call, "limit", kDefaultLimit, reply);
  if (!limit) return;
  options.from_position = *from;
  options.max_count = static_cast<size_t>(*limit);
  if (auto types = call.Query("type")) options.types = SplitList(*types);
  auto slice = store.ReadAll(options);
  if (!slice.ok()) {
    reply(StreamError(bhttp::status::service_unavailable, "unavailable", slice.status().message()));
    return;
  }
  reply(JsonResponse(bhttp::status::ok, {{"events", EventsJson(slice->events)},
                                         {"next_position", slice->next_position},
                                         {"end_position", slice->end_position}}));
}

void ReadStream(EventStore& store, Call call, Reply reply) {
  const std::string& stream = call.Param("stream");
  if (stream == "$all") return ReadGlobal(store, call, reply, {});
  if (stream.starts_with("$ce-") && stream.size() > 4) {
    return ReadGlobal(store, call, reply, {.stream_prefix = stream.substr(4) + "-"});
  }
  if (!WritableStream(call, reply)) return;
  const std::string direction = call.Query("direction").value_or("forward");
  if (direction != "forward" && direction != "backward") {
    reply(StreamError(bhttp::status::bad_request, "invalid_request",
                      "direction is forward or backward"));
    return;
  }
  const bool backward = direction == "backward";
  auto from = QueryCount(call, "from", backward ? -1 : 0, reply);
  if (!from) return;
  auto limit = QueryCount(call, "limit", kDefaultLimit, reply);
  if (!limit) return;
  auto slice = store.ReadStream(
      stream,
      {.from_revision = *from, .backward = backward, .max_count = static_cast<size_t>(*limit)});
  if (!slice.ok()) {
    reply(StreamError(bhttp::status::service_unavailable, "unavailable", slice.status().message()));
    return;
  }
  switch (slice->state) {
    case eventstore::StreamState::kNone:
    case eventstore::StreamState::kSoftDeleted:
      reply(StreamError(bhttp::status::not_found, "stream_not_found",
                        fmt::format("stream '{}' does not exist", stream)));
      return;
    case eventstore::StreamState::kHardDeleted:
      reply(StreamError(bhttp::status::gone, "stream_deleted",
                        fmt::format("stream '{}' was deleted for good", stream)));
      return;
    case eventstore::StreamState::kLive:
      break;
  }
  reply(JsonResponse(bhttp::status::ok,
                     {{"events", EventsJson(slice->events)},
                      {"last_revision", slice->last_revision},
                      {"next", slice->next_revision ? json(*slice->next_revision) : json()}}));
}

void GetMetadata(EventStore& store, Call call, Reply reply) {
  auto stream = WritableStream(call, reply);
  if (!stream) return;
  auto parsed = ParseBoundedJson(store.GetMetadata(*stream).json);
  reply(JsonResponse(bhttp::status::ok, parsed ? *parsed : json::object()));
}

void SetMetadata(EventStore& store, Call call, Reply reply) {
  auto stream = WritableStream(call, reply);
  if (!stream) return;
  auto body = JsonBody(call, reply);
  if (!body) return;
  store.SetMetadata(*stream, body->dump(),
                    [reply = std::move(reply)](AppendResult r) { reply(AppendResponse(r)); });
}

// PUT /streams/{stream}/snapshot {"revision": N, "data": <state>}.
void SaveSnapshot(EventStore& store, Call call, Reply reply) {
  auto stream = WritableStream(call, reply);
  if (!stream) return;
  auto body = JsonBody(call, reply);
  if (!body) return;
  auto revision =
      body->contains("revision") ? JsonInteger<int64_t>((*body)["revision"]) : std::nullopt;
  if (!revision || *revision < 0 || !body->contains("data")) {
    reply(StreamError(bhttp::status::bad_request, "invalid_request",
                      "a snapshot is {\"revision\": N, \"data\": <the state as of N>}"));
    return;
  }
  store.SaveSnapshot(*stream, *revision, (*body)["data"].dump(),
                     [reply = std::move(reply)](AppendResult r) { reply(AppendResponse(r)); });
}

// GET /streams/{stream}/snapshot: the latest, {"revision", "data", "position", "created"}.
void LoadSnapshot(EventStore& store, Call call, Reply reply) {
  auto stream = WritableStream(call, reply);
  if (!stream) return;
  auto snapshot = store.LoadSnapshot(*stream);
  if (!snapshot.ok()) {
    reply(StreamError(bhttp::status::service_unavailable, "unavailable",
                      snapshot.status().message()));
    return;
  }
  if (!snapshot->has_value()) {
    reply(StreamError(bhttp::status::not_found, "snapshot_not_found",
                      fmt::format("stream '{}' has no snapshot", *stream)));
    return;
  }
  const eventstore::Snapshot& s = **snapshot;
  reply(JsonResponse(bhttp::status::ok, {{"revision", s.revision},
                                         {"data", json::parse(s.state, nullptr, false)},
                                         {"position", s.position},
                                         {"created", FormatLogTimestamp(s.created_ms)}}));
}

void DeleteStream(EventStore& store, Call call, Reply reply) {
  auto stream = WritableStream(call, reply);
  if (!stream) return;
  const std::string hard = call.Query("hard").value_or("false");
  if (hard != "true" && hard != "false") {
    reply(StreamError(bhttp::status::bad_request, "invalid_request", "hard is true or false"));
    return;
  }
  std::optional<json> expected_query;
  if (auto text = call.Query("expected_revision")) expected_query = json(*text);
  auto expected = ExpectedFrom(call, expected_query ? &*expected_query : nullptr, false);
  if (!expected.ok()) {
    reply(StreamError(bhttp::status::bad_request, "invalid_expected_revision",
                      expected.status().message()));
    return;
  }
  store.Delete(*stream, *expected, hard == "true",
               [reply = std::move(reply)](AppendResult r) { reply(AppendResponse(r)); });
}

// A subscription's body: the events after `from` (exclusive), read in pages of 100 and written
// as Server-Sent Events, then a `caught-up` event, then live events as they become durable, with
// a comment line every 15 s while nothing happens (so a closed connection is noticed). Reading by
// revision (one stream) or position (all, category) from where the last page ended means no event
// is skipped or repeated at the hand-over from catch-up to live.
//
//   id: <revision or position>        event: caught-up                 event: stream-deleted
//   data: <the event as GET returns>  data: {"revision"|"position": N} data: {}
class Subscription final : public BodyStream, public std::enable_shared_from_this<Subscription> {
 public:
  // `stream` empty: every stream that `filter` lets through, by position.
  Subscription(EventStore& store, boost::asio::any_io_executor executor, std::string stream,
               eventstore::ReadAllOptions filter, int64_t next)
      : store_(store),
        stream_(stream),
        reader_(store, std::move(stream), std::move(filter), next),
        heartbeat_(std::move(executor)) {}

  void Next(std::function<void(std::optional<std::string>)> deliver) override {
    if (cancelled_ || finished_) {
      deliver(std::nullopt);
      return;
    }
    const int64_t end = store_.end_position();  // everything below it is in the read
    std::string piece;
    if (Status s = Read(piece); !s.ok()) {
      LogWarn("subscription_failed", {{"stream", stream_}}, s.ToString());
      deliver(std::nullopt);
      return;
    }
    if (!piece.empty()) {
      deliver(std::move(piece));
      return;
    }
    {
      MutexLock lock(mu_);
      pending_ = std::move(deliver);
    }
    std::weak_ptr<Subscription> weak = weak_from_this();
    heartbeat_.expires_after(std::chrono::seconds(15));
    heartbeat_.async_wait([weak](const boost::system::error_code& ec) {
      if (auto self = weak.lock(); self && !ec) self->Finish(": heartbeat\n\n");
    });
    // One wake-up per end: a heartbeat's Next finds the previous one still waiting.
    if (end != waiting_past_) {
      waiting_past_ = end;
      store_.WhenPast(end, [weak](Status) {
        if (auto self = weak.lock()) self->Finish("");
      });
    }
  }

  void Cancel() override {
    cancelled_ = true;
    heartbeat_.cancel();
    Finish(std::nullopt);
  }

 private:
  // Appends the next page, and the caught-up marker once the end is reached, to `piece`.
  Status Read(std::string& piece) {
    HERALD_ASSIGN_OR_RETURN(auto page, reader_.Read(100));
    if (page.deleted) {
      piece += "event: stream-deleted\ndata: {}\n\n";
      finished_ = true;
      return Status::Ok();
    }
    for (const auto& e : page.events) {
      Append(piece, reader_.one_stream() ? e.revision : e.position, e);
    }
    if (page.at_end && !caught_up_) {
      caught_up_ = true;
      // The last revision or position looked at (-1: none): `from` to resume after it.
      piece += fmt::format(
          "event: caught-up\ndata: {}\n\n",
          json{{reader_.one_stream() ? "revision" : "position", reader_.next() - 1}}.dump());
    }
    return Status::Ok();
  }

  static void Append(std::string& piece, int64_t id, const eventstore::RecordedEvent& e) {
    piece += fmt::format("id: {}\ndata: {}\n\n", id, EventJson(e).dump());
  }

  void Finish(std::optional<std::string> piece) {
    std::function<void(std::optional<std::string>)> deliver;
    {
      MutexLock lock(mu_);
      deliver.swap(pending_);
    }
    if (deliver) deliver(std::move(piece));
  }

  EventStore& store_;
  const std::string stream_;
  eventstore::CatchUpReader reader_;
  bool caught_up_ = false;
  bool finished_ = false;
  std::atomic<bool> cancelled_{false};
  boost::asio::steady_timer heartbeat_;  // used from the connection's strand only
  int64_t waiting_past_ = -1;            // the end a WhenPast wake-up is registered for
  Mutex mu_;
  std::function<void(std::optional<std::string>)> pending_ GUARDED_BY(mu_);
};

// GET /streams/{stream}/subscribe?from=N&type=A,B: N (exclusive) is a revision for one stream and
// a position for $all and categories; without it, from the start.
void Subscribe(EventStore& store, boost::asio::any_io_executor executor, Call call, Reply reply) {
  const std::string& stream = call.Param("stream");
  eventstore::ReadAllOptions filter;
  std::string one_stream;
  if (stream.starts_with("$ce-") && stream.size() > 4) {
    filter.stream_prefix = stream.substr(4) + "-";
  } else if (stream != "$all") {
    if (!WritableStream(call, reply)) return;
    one_stream = stream;
  }
  if (auto types = call.Query("type")) filter.types = SplitList(*types);
  int64_t next = 0;
  if (auto from = call.Query("from")) {
    auto n = ParseInt(*from);
    if (!n || *n < 0) {
      reply(StreamError(bhttp::status::bad_request, "invalid_request",
                        "from must be a non-negative integer"));
      return;
    }
    next = *n + 1;
  }
  Response head{bhttp::status::ok, 11};
  head.set(bhttp::field::content_type, "text/event-stream");
  head.set(bhttp::field::cache_control, "no-cache");
  reply(Answer(std::move(head),
               std::make_shared<Subscription>(store, std::move(executor), std::move(one_stream),
                                              std::move(filter), next)));
}

}  // namespace

void AddStreamRoutes(Router& router, eventstore::EventStore& store,
                     boost::asio::any_io_executor executor) {
  using bhttp::verb;
  auto bind = [&store](void (*handler)(EventStore&, Call, Reply)) -> Handler {
    return [&store, handler](Call call, Reply reply) {
      handler(store, std::move(call), std::move(reply));
    };
  };
  // With ACLs, the store's topic decides for every stream, as they all live in it (and READ on it
  // reads them all through Kafka anyway): READ reads streams, snapshots and subscriptions, WRITE
  // appends and saves snapshots, DELETE deletes streams, DESCRIBE_CONFIGS and ALTER_CONFIGS read
  // and set stream metadata.
  auto add = [&router, &store](verb method, const std::string& pattern, AclOperation operation,
                               Handler handler) {
    router.Add(method, pattern,
               Requiring(
                   operation, ResourceType::kTopic, [&store](const Call&) { return store.topic(); },
                   std::move(handler)),
               Access::kAuthenticated);
  };
  const std::string stream = "/streams/{stream}";
  add(verb::post, stream, AclOperation::kWrite, bind(AppendToStream));
  add(verb::get, stream, AclOperation::kRead, bind(ReadStream));
  add(verb::delete_, stream, AclOperation::kDelete, bind(DeleteStream));
  add(verb::get, stream + "/metadata", AclOperation::kDescribeConfigs, bind(GetMetadata));
  add(verb::put, stream + "/metadata", AclOperation::kAlterConfigs, bind(SetMetadata));
  add(verb::get, stream + "/snapshot", AclOperation::kRead, bind(LoadSnapshot));
  add(verb::put, stream + "/snapshot", AclOperation::kWrite, bind(SaveSnapshot));
  add(verb::get, stream + "/subscribe", AclOperation::kRead,
      [&store, executor](Call call, Reply reply) {
        Subscribe(store, executor, std::move(call), std::move(reply));
      });
}

}  // namespace herald::http
