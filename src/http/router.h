// Router: maps a method and a path pattern ("/topics/{topic}/partitions/{partition}") to a handler,
// and the JSON answers every HTTP door of Herald shares.
//
// Errors use the Confluent REST Proxy shape, {"error_code": 40401, "message": "..."}, whose codes
// are the HTTP status followed by a detail digit pair (40401 unknown topic, 40402 unknown
// partition, 40403 unknown consumer instance, 42201 bad body, ...).
//
// Each route's answers are timed in request_duration_seconds{listener="http",api="GET /topics"}.
//
// Thread-safety: Add before serving; Dispatch from any thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>  // Boost 1.74's awaitable.hpp uses std::exchange without including it
#include <vector>

#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include "base/metrics.h"
#include "http/auth.h"

namespace herald::http {

namespace bhttp = boost::beast::http;
using Request = bhttp::request<bhttp::string_body>;
using Response = bhttp::response<bhttp::string_body>;

// One routed request: the request itself, what its path and query string held, and who made it.
struct Call {
  std::shared_ptr<const Request> request;
  std::map<std::string, std::string> params;  // {name} segments of the pattern
  std::map<std::string, std::string> query;   // decoded ?a=b&c=d
  Identity identity;

  const std::string& Param(const std::string& name) const { return params.at(name); }
  std::optional<std::string> Query(const std::string& name) const;
  // The Content-Type without parameters ("; charset=..."), lower-cased.
  std::string ContentType() const;
};

// The body of a response that goes on after its head, such as Server-Sent Events. The server
// writes the head (no Content-Length; the connection closes after the body), then asks for the
// body a piece at a time, writing each before asking for the next, until the stream ends or the
// connection does.
class BodyStream {
 public:
  virtual ~BodyStream() = default;
  // Calls `deliver` exactly once, from any thread: with the next bytes to write (empty: nothing
  // yet, ask again), or nullopt when the body is over.
  virtual void Next(std::function<void(std::optional<std::string>)> deliver) = 0;
  // The connection is closing: a pending Next delivers nullopt soon, and so does every later one.
  virtual void Cancel() = 0;
};

// What a route answers: a whole response, or a head whose body streams.
struct Answer {
  Answer(Response whole) : response(std::move(whole)) {}  // NOLINT: every route answers this way
  Answer(Response head, std::shared_ptr<BodyStream> body)
      : response(std::move(head)), stream(std::move(body)) {}
  Response response;
  std::shared_ptr<BodyStream> stream;  // null for a whole response
};

// Answers a call exactly once, from any thread.
using Reply = std::function<void(Answer)>;
using Handler = std::function<void(Call, Reply)>;

// A JSON answer.
Response JsonResponse(bhttp::status status, const nlohmann::json& body,
                      std::string_view content_type = "application/json");
// A Confluent-shaped error: HTTP status error_code / 100 (or error_code itself when it has three
// digits), body {"error_code", "message"}.
Response ErrorResponse(int error_code, std::string_view message);
// A plain-text answer.
Response TextResponse(bhttp::status status, std::string body, std::string_view content_type);

// Whether the call's identity may do `operation` on the resource (Identity::May); when not,
// answers 403 (40301) through `reply` and returns false.
bool Permitted(const Call& call, const Reply& reply, broker::AclOperation operation,
               broker::ResourceType type, std::string_view name);

// `handler` behind Permitted: it runs for callers that may do `operation` on the resource of
// `type` that `name` names for the call (a route of Access::kAuthenticated).
using ResourceOf = std::function<std::string(const Call&)>;
Handler Requiring(broker::AclOperation operation, broker::ResourceType type, ResourceOf name,
                  Handler handler);

// Who may call a route, checked before its handler runs.
enum class Access {
  kPublic,         // anyone, without credentials (/healthz, /readyz)
  kAuthenticated,  // a caller with valid credentials when they are required; the handler checks
                   // the ACLs itself (Permitted)
  kAdministrator,  // also, with ACLs, a caller who may do anything (Identity::MayDoAnything):
                   // routes with no ACL check of their own
};

// Parses the call's body as JSON; nullopt after answering 422 (42201) through `reply` when it is
// not JSON or nests deeper than kMaxJsonDepth (base/json.h).
std::optional<nlohmann::json> ParseJsonBody(const Call& call, const Reply& reply);

// Runs `handler`, answering through `reply` what it throws: 422 (42201) for a JSON value of the
// wrong type, else 500 (50001). Dispatch runs every route through it; a route that moves its work
// to another thread runs the work through it there. `reply` may then be called twice: it must
// keep the first answer (Dispatch's does).
void RunHandler(const Handler& handler, Call call, const Reply& reply, std::string_view route);

class Router {
 public:
  // `pattern` is a path whose segments are literals or {name}; a {name} matches one non-empty
  // segment (percent-decoded).
  void Add(bhttp::verb method, std::string_view pattern, Handler handler,
           Access access = Access::kAdministrator);

  // Routes `request` from `identity`: the matching handler, or 404 (no pattern matches the path)
  // or 405 (a pattern matches but not for this method) as JSON errors. Unless the route is
  // public, a caller who is not Known() is answered 401 (40101), also for a path no route has,
  // and one who may not do everything 403 (40301) on an administrator's route. A handler that
  // throws is answered 422 (42201) for a JSON value of the wrong type, else 500 (50001);
  // `reply` is called once.
  void Dispatch(std::shared_ptr<const Request> request, Identity identity, Reply reply) const;

 private:
  struct Route {
    bhttp::verb method;
    std::string pattern;
    std::vector<std::string> segments;  // "{name}" for a parameter
    Handler handler;
    Access access;
    Histogram* duration;  // request_duration_seconds{listener="http",api="METHOD pattern"}
  };
  std::vector<Route> routes_;
};

}  // namespace herald::http
