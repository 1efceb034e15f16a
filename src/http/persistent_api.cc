// Persistent subscriptions over HTTP (`/subscriptions`): competing consumers of the event store
// (eventstore::PersistentSubscriptions). docs/http-api.md has the routes.
//
// With ACLs, as a Kafka consumer group: READ on the store's topic for every route, and on the
// group (by its name) READ to create it and consume (messages, ack, nack, replaying parked
// events), DESCRIBE to see it (its info, its parked events, the list), DELETE to delete it.
#include <string>
#include <vector>

#include "base/json.h"
#include "eventstore/persistent_subscriptions.h"
#include "http/api.h"
#include "http/event_json.h"

namespace herald::http {
namespace {

using broker::AclOperation;
using broker::ResourceType;
using eventstore::NackAction;
using eventstore::PersistentSubscriptions;
using nlohmann::json;

constexpr size_t kMaxCount = 1000;

// What a failed call of PersistentSubscriptions answers.
Response SubscriptionError(const Status& s) {
  switch (s.code()) {
    case StatusCode::kNotFound:
      return StreamError(bhttp::status::not_found, "subscription_not_found", s.message());
    case StatusCode::kAlreadyExists:
      return StreamError(bhttp::status::conflict, "subscription_exists", s.message());
    case StatusCode::kInvalidArgument:
      return StreamError(bhttp::status::bad_request, "invalid_request", s.message());
    default:
      return StreamError(bhttp::status::service_unavailable, "unavailable", s.message());
  }
}

json InfoJson(const eventstore::PersistentGroupInfo& i) {
  return {{"stream", i.stream},
          {"group", i.group},
          {"settings",
           {{"start_from", i.settings.start_from},
            {"max_retry_count", i.settings.max_retry_count},
            {"message_timeout_ms", i.settings.message_timeout_ms},
            {"max_in_flight", i.settings.max_in_flight}}},
          {"checkpoint", i.checkpoint},
          {"next", i.next},
          {"in_flight", i.in_flight},
          {"retry_queue", i.retry_queue},
          {"parked", i.parked},
          {"delivered", i.delivered},
          {"acked", i.acked}};
}

// The "ids" of an ack or nack body: event ids (strings).
std::optional<std::vector<std::string>> IdsFrom(const json& body) {
  auto ids = body.find("ids");
  if (ids == body.end() || !ids->is_array()) return std::nullopt;
  std::vector<std::string> out;
  for (const json& id : *ids) {
    if (!id.is_string()) return std::nullopt;
    out.push_back(id.get<std::string>());
  }
  return out;
}

// A count from the query (`name`), 1..kMaxCount; `fallback` when absent.
std::optional<size_t> CountFrom(const Call& call, const char* name, size_t fallback) {
  auto text = call.Query(name);
  if (!text) return fallback;
  auto n = JsonInteger<int64_t>(json::parse(*text, nullptr, false));
  if (!n || *n < 1 || static_cast<size_t>(*n) > kMaxCount) return std::nullopt;
  return static_cast<size_t>(*n);
}

class Routes {
 public:
  explicit Routes(PersistentSubscriptions& subs) : subs_(subs) {}

  // PUT /subscriptions/{stream}/{group} {"start_from"?, "max_retry_count"?,
  // "message_timeout_ms"?, "max_in_flight"?}
  void Create(Call call, Reply reply) {
    eventstore::PersistentSettings settings;
    if (!call.request->body().empty()) {
      auto body = ParseJsonBody(call, reply);
      if (!body) return;
      auto start = JsonIntegerOr<int64_t>(*body, "start_from", settings.start_from);
      auto retries = JsonIntegerOr<int>(*body, "max_retry_count", settings.max_retry_count);
      auto timeout =
          JsonIntegerOr<int64_t>(*body, "message_timeout_ms", settings.message_timeout_ms);
      auto in_flight = JsonIntegerOr<int64_t>(*body, "max_in_flight", 1000);
      if (!body->is_object() || !start || !retries || !timeout || !in_flight || *in_flight < 1) {
        reply(StreamError(bhttp::status::bad_request, "invalid_request",
                          "settings are integers: start_from, max_retry_count, "
                          "message_timeout_ms, max_in_flight"));
        return;
      }
      settings = {*start, *retries, *timeout, static_cast<size_t>(*in_flight)};
    }
    Status s = subs_.Create(call.Param("stream"), call.Param("group"), settings);
    if (!s.ok()) {
      reply(SubscriptionError(s));
      return;
    }
    reply(JsonResponse(bhttp::status::created,
                       {{"stream", call.Param("stream")}, {"group", call.Param("group")}}));
  }

  void Delete(Call call, Reply reply) {
    Status s = subs_.Delete(call.Param("stream"), call.Param("group"));
    reply(s.ok() ? JsonResponse(bhttp::status::ok, json::object()) : SubscriptionError(s));
  }

  void List(Call call, Reply reply) {
    json out = json::array();
    for (const auto& info : subs_.List()) {
      if (call.identity.May(AclOperation::kDescribe, ResourceType::kGroup, info.group)) {
        out.push_back(InfoJson(info));
      }
    }
    reply(JsonResponse(bhttp::status::ok, {{"subscriptions", std::move(out)}}));
  }

  void Info(Call call, Reply reply) {
    auto info = subs_.Info(call.Param("stream"), call.Param("group"));
    reply(info.ok() ? JsonResponse(bhttp::status::ok, InfoJson(*info))
                    : SubscriptionError(info.status()));
  }

  // GET /subscriptions/{stream}/{group}/messages?count=N: {"events": [event + "retry_count"]}
  void Messages(Call call, Reply reply) {
    auto count = CountFrom(call, "count", 10);
    if (!count) {
      reply(StreamError(bhttp::status::bad_request, "invalid_request", "count is 1 to 1000"));
      return;
    }
    auto batch = subs_.Read(call.Param("stream"), call.Param("group"), *count);
    if (!batch.ok()) {
      reply(SubscriptionError(batch.status()));
      return;
    }
    json events = json::array();
    for (const auto& d : *batch) {
      json e = EventJson(d.event);
      e["retry_count"] = d.retry_count;
      events.push_back(std::move(e));
    }
    reply(JsonResponse(bhttp::status::ok, {{"events", std::move(events)}}));
  }

  // POST .../ack {"ids": [...]} and .../nack {"ids": [...], "action": "retry"|"park"|"skip"}
  void Settle(Call call, Reply reply, bool ack) {
    auto body = ParseJsonBody(call, reply);
    if (!body) return;
    auto ids = body->is_object() ? IdsFrom(*body) : std::nullopt;
    if (!ids) {
      reply(StreamError(bhttp::status::bad_request, "invalid_request",
                        "the body is {\"ids\": [event ids]}"));
      return;
    }
    Status s;
    if (ack) {
      s = subs_.Ack(call.Param("stream"), call.Param("group"), *ids);
    } else {
      const std::string action = body->value("action", std::string("retry"));
      NackAction what = NackAction::kRetry;
      if (action == "park") {
        what = NackAction::kPark;
      } else if (action == "skip") {
        what = NackAction::kSkip;
      } else if (action != "retry") {
        reply(StreamError(bhttp::status::bad_request, "invalid_request",
                          "action is retry, park or skip"));
        return;
      }
      s = subs_.Nack(call.Param("stream"), call.Param("group"), *ids, what);
    }
    reply(s.ok() ? JsonResponse(bhttp::status::ok, json::object()) : SubscriptionError(s));
  }

  void Parked(Call call, Reply reply) {
    auto limit = CountFrom(call, "limit", 100);
    if (!limit) {
      reply(StreamError(bhttp::status::bad_request, "invalid_request", "limit is 1 to 1000"));
      return;
    }
    auto events = subs_.Parked(call.Param("stream"), call.Param("group"), *limit);
    reply(events.ok() ? JsonResponse(bhttp::status::ok, {{"events", EventsJson(*events)}})
                      : SubscriptionError(events.status()));
  }

  void ReplayParked(Call call, Reply reply) {
    Status s = subs_.ReplayParked(call.Param("stream"), call.Param("group"));
    reply(s.ok() ? JsonResponse(bhttp::status::ok, json::object()) : SubscriptionError(s));
  }

 private:
  PersistentSubscriptions& subs_;
};

}  // namespace

void AddPersistentSubscriptionRoutes(Router& router, PersistentSubscriptions& subs,
                                     const std::string& store_topic) {
  using bhttp::verb;
  auto routes = std::make_shared<Routes>(subs);
  auto bind = [routes](void (Routes::*method)(Call, Reply)) -> Handler {
    return [routes, method](Call call, Reply reply) {
      ((*routes).*method)(std::move(call), std::move(reply));
    };
  };
  auto settle = [routes](bool ack) -> Handler {
    return [routes, ack](Call call, Reply reply) {
      routes->Settle(std::move(call), std::move(reply), ack);
    };
  };
  // READ on the store's topic, and `operation` on the group of the path (none for the list).
  auto add = [&router, store_topic](verb method, const std::string& pattern,
                                    std::optional<AclOperation> operation, Handler handler) {
    if (operation) {
      handler = Requiring(
          *operation, ResourceType::kGroup, [](const Call& call) { return call.Param("group"); },
          std::move(handler));
    }
    router.Add(method, pattern,
               Requiring(
                   AclOperation::kRead, ResourceType::kTopic,
                   [store_topic](const Call&) { return store_topic; }, std::move(handler)),
               Access::kAuthenticated);
  };
  constexpr auto kRead = AclOperation::kRead;
  constexpr auto kDescribe = AclOperation::kDescribe;
  const std::string group = "/subscriptions/{stream}/{group}";
  add(verb::get, "/subscriptions", std::nullopt, bind(&Routes::List));  // filtered
  add(verb::put, group, kRead, bind(&Routes::Create));
  add(verb::get, group, kDescribe, bind(&Routes::Info));
  add(verb::delete_, group, AclOperation::kDelete, bind(&Routes::Delete));
  add(verb::get, group + "/messages", kRead, bind(&Routes::Messages));
  add(verb::post, group + "/ack", kRead, settle(true));
  add(verb::post, group + "/nack", kRead, settle(false));
  add(verb::get, group + "/parked", kDescribe, bind(&Routes::Parked));
  add(verb::post, group + "/replay-parked", kRead, bind(&Routes::ReplayParked));
}

}  // namespace herald::http
