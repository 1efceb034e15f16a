#include "http/router.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>

#include <fmt/format.h>

#include "base/json.h"
#include "base/log.h"
#include "broker/broker_metrics.h"

namespace herald::http {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes %XX escapes (and '+' as a space when `plus_is_space`, as in query strings). An escape
// that is not two hex digits is kept as it is.
std::string PercentDecode(std::string_view in, bool plus_is_space) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size()) {
      int hi = HexValue(in[i + 1]), lo = HexValue(in[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_is_space && in[i] == '+' ? ' ' : in[i]);
  }
  return out;
}

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> out;
  size_t at = 0;
  while (at < path.size()) {
    while (at < path.size() && path[at] == '/') ++at;
    if (at >= path.size()) break;
    size_t end = path.find('/', at);
    if (end == std::string_view::npos) end = path.size();
    out.push_back(path.substr(at, end - at));
    at = end;
  }
  return out;
}

std::map<std::string, std::string> ParseQuery(std::string_view query) {
  std::map<std::string, std::string> out;
  size_t at = 0;
  while (at <= query.size() && !query.empty()) {
    size_t end = query.find('&', at);
    if (end == std::string_view::npos) end = query.size();
    std::string_view pair = query.substr(at, end - at);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      std::string key = PercentDecode(pair.substr(0, eq), true);
      std::string value =
          eq == std::string_view::npos ? "" : PercentDecode(pair.substr(eq + 1), true);
      out.emplace(std::move(key), std::move(value));
    }
    at = end + 1;
  }
  return out;
}

}  // namespace

std::optional<std::string> Call::Query(const std::string& name) const {
  auto it = query.find(name);
  if (it == query.end()) return std::nullopt;
  return it->second;
}

std::string Call::ContentType() const {
  std::string type(request->base()[bhttp::field::content_type]);
  type = type.substr(0, type.find(';'));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  std::transform(type.begin(), type.end(), type.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return type;
}

Response JsonResponse(bhttp::status status, const nlohmann::json& body,
                      std::string_view content_type) {
  Response r{status, 11};
  r.set(bhttp::field::content_type, content_type);
  r.body() = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  r.body().push_back('\n');
  return r;
}

Response ErrorResponse(int error_code, std::string_view message) {
  // Three digits are a status alone (the schema registry's 409).
  return JsonResponse(static_cast<bhttp::status>(error_code < 1000 ? error_code : error_code / 100),
                      {{"error_code", error_code}, {"message", message}});
}

Response TextResponse(bhttp::status status, std::string body, std::string_view content_type) {
  Response r{status, 11};
  r.set(bhttp::field::content_type, content_type);
  r.body() = std::move(body);
  return r;
}

bool Permitted(const Call& call, const Reply& reply, broker::AclOperation operation,
               broker::ResourceType type, std::string_view name) {
  if (call.identity.May(operation, type, name, broker::OnDenial::kAudit)) return true;
  reply(ErrorResponse(
      40301, fmt::format("{} is not authorized to {} {} '{}'", call.identity.principal,
                         broker::OperationName(operation), broker::ResourceTypeName(type), name)));
  return false;
}

Handler Requiring(broker::AclOperation operation, broker::ResourceType type, ResourceOf name,
                  Handler handler) {
  return [=, name = std::move(name), handler = std::move(handler)](Call call, Reply reply) {
    if (Permitted(call, reply, operation, type, name(call))) {
      handler(std::move(call), std::move(reply));
    }
  };
}

std::optional<nlohmann::json> ParseJsonBody(const Call& call, const Reply& reply) {
  auto parsed = ParseBoundedJson(call.request->body());
  if (!parsed) {
    reply(ErrorResponse(42201, fmt::format("the request body is not valid JSON (or nests deeper "
                                           "than {} levels)",
                                           kMaxJsonDepth)));
  }
  return parsed;
}

void RunHandler(const Handler& handler, Call call, const Reply& reply, std::string_view route) {
  // No exception leaves a route: a body of the wrong shape is the client's error, anything else
  // the server's, and either is answered.
  try {
    handler(std::move(call), reply);
  } catch (const nlohmann::json::exception& e) {
    reply(ErrorResponse(
        42201, fmt::format("the request body does not have the expected shape: {}", e.what())));
  } catch (const std::exception& e) {
    LogError("http_handler_failed", {{"route", route}}, e.what());
    reply(ErrorResponse(50001, fmt::format("internal error: {}", e.what())));
  }
}

void Router::Add(bhttp::verb method, std::string_view pattern, Handler handler, Access access) {
  Route route{
      method,
      std::string(pattern),
      {},
      std::move(handler),
      access,
      &broker::metrics::RequestDuration(
          "http", fmt::format("{} {}", std::string_view(bhttp::to_string(method)), pattern))};
  for (std::string_view s : SplitPath(pattern)) route.segments.emplace_back(s);
  routes_.push_back(std::move(route));
}

void Router::Dispatch(std::shared_ptr<const Request> request, Identity identity,
                      Reply reply) const {
  std::string_view target = request->target();
  size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  std::vector<std::string_view> segments = SplitPath(path);
  bool path_matched = false;
  for (const Route& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    std::map<std::string, std::string> params;
    bool match = true;
    for (size_t i = 0; i < segments.size() && match; ++i) {
      const std::string& want = route.segments[i];
      if (want.size() > 2 && want.front() == '{' && want.back() == '}') {
        params[want.substr(1, want.size() - 2)] = PercentDecode(segments[i], false);
      } else {
        match = want == segments[i];
      }
    }
    if (!match) continue;
    path_matched = true;
    if (route.method != request->method()) continue;
    identity.request =
        fmt::format("{} {}", std::string_view(request->method_string()), route.pattern);
    if (route.access != Access::kPublic) {
      if (!identity.Known()) {
        return reply(ErrorResponse(40101, "authentication is required"));
      }
      if (route.access == Access::kAdministrator && !identity.MayDoAnything()) {
        identity.AuditDenial(broker::AclOperation::kAll, broker::ResourceType::kCluster,
                             broker::kClusterResourceName);
        return reply(ErrorResponse(
            40301, fmt::format("{} may not use {} {}: it is for super users", identity.principal,
                               std::string(request->method_string()), route.pattern)));
      }
    }
    Call call{request, std::move(params),
              q == std::string_view::npos ? std::map<std::string, std::string>{}
                                          : ParseQuery(target.substr(q + 1)),
              std::move(identity)};
    // The first answer wins: a handler that throws after answering keeps its answer.
    auto answered = std::make_shared<std::atomic<bool>>(false);
    Reply once = [answered, duration = route.duration, reply = std::move(reply),
                  started = std::chrono::steady_clock::now()](Answer a) {
      if (answered->exchange(true)) return;
      duration->Observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
      reply(std::move(a));
    };
    RunHandler(route.handler, std::move(call), once, route.pattern);
    return;
  }
  if (!identity.Known()) {
    reply(ErrorResponse(40101, "authentication is required"));
  } else if (path_matched) {
    reply(ErrorResponse(
        40501, fmt::format("{} is not allowed on {}", std::string(request->method_string()),
                           std::string(path))));
  } else {
    reply(ErrorResponse(40400, fmt::format("no resource at {}", std::string(path))));
  }
}

}  // namespace herald::http
