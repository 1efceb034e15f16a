#include "http/auth.h"

#include <algorithm>
#include <cctype>
#include <optional>

#include <boost/asio/post.hpp>
#include <fmt/format.h>
#include <openssl/sha.h>

#include "base/base64.h"

namespace herald::http {
namespace {

Status Unauthenticated(std::string_view why) {
  return Status(StatusCode::kInvalidArgument, std::string(why));
}

// The value after `scheme` and a space in an Authorization header (schemes are case-insensitive,
// RFC 9110), or nullopt for another scheme.
std::optional<std::string_view> Credentials(std::string_view header, std::string_view scheme) {
  if (header.size() <= scheme.size() || header[scheme.size()] != ' ') return std::nullopt;
  for (size_t i = 0; i < scheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(header[i])) !=
        std::tolower(static_cast<unsigned char>(scheme[i]))) {
      return std::nullopt;
    }
  }
  std::string_view value = header.substr(scheme.size() + 1);
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  return value;
}

}  // namespace

bool Identity::May(broker::AclOperation operation, broker::ResourceType type, std::string_view name,
                   broker::OnDenial on_denial) const {
  return unrestricted ||
         broker::Permits(authorizer, {principal, host, request}, operation, type, name, on_denial);
}

void Identity::AuditDenial(broker::AclOperation operation, broker::ResourceType type,
                           std::string_view name) const {
  broker::AuditDenial({principal, host, request}, operation, type, name);
}

bool Identity::MayOnTopicOrCluster(broker::AclOperation operation, std::string_view topic) const {
  return May(operation, broker::ResourceType::kCluster, broker::kClusterResourceName) ||
         May(operation, broker::ResourceType::kTopic, topic);
}

bool Identity::MayDoAnything() const {
  return authorizer == nullptr || unrestricted || authorizer->IsSuperUser(principal);
}

HttpAuthenticator::HttpAuthenticator(HttpAuthOptions options) : options_(std::move(options)) {
  for (const auto& [key, principal] : options_.api_keys) keys_.emplace(DigestOf(key), principal);
}

HttpAuthenticator::Digest HttpAuthenticator::DigestOf(std::string_view key) {
  Digest digest{};
  SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), digest.data());
  return digest;
}

HttpAuthenticator::~HttpAuthenticator() {
  checks_.join();
}

std::string HttpAuthenticator::Challenge(std::string_view authorization) const {
  std::string challenge;
  if (options_.users) challenge = R"(Basic realm="herald", charset="UTF-8")";
  if (!keys_.empty()) {
    if (!challenge.empty()) challenge += ", ";
    challenge +=
        Credentials(authorization, "Bearer") ? R"(Bearer error="invalid_token")" : "Bearer";
  }
  return challenge;
}

bool HttpAuthenticator::Reserve(const std::string& host) {
  MutexLock lock(pending_mu_);
  int& from_host = pending_by_host_[host];
  if (pending_ >= kMaxPendingChecks || from_host >= kMaxPendingChecksPerHost) {
    if (from_host == 0) pending_by_host_.erase(host);
    return false;
  }
  ++pending_;
  ++from_host;
  return true;
}

void HttpAuthenticator::Release(const std::string& host) {
  MutexLock lock(pending_mu_);
  --pending_;
  if (--pending_by_host_[host] == 0) pending_by_host_.erase(host);
}

void HttpAuthenticator::Authenticate(std::string_view authorization, std::string host,
                                     std::function<void(Result<Identity>)> done) {
  Identity identity;
  identity.host = std::move(host);
  identity.authorizer = options_.authorizer;
  identity.credentials_required = required();
  // Anonymous: public routes only when credentials are required.
  if (authorization.empty() || !required()) return done(identity);
  if (auto key = Credentials(authorization, "Bearer"); key && !keys_.empty()) {
    auto it = keys_.find(DigestOf(*key));
    if (it == keys_.end()) return done(Unauthenticated("an unknown API key"));
    identity.authenticated = true;
    identity.unrestricted = it->second.empty();
    if (!it->second.empty()) identity.principal = it->second;
    return done(identity);
  }
  auto basic = Credentials(authorization, "Basic");
  if (!basic || options_.users == nullptr) {
    return done(Unauthenticated("credentials of a scheme this listener does not take"));
  }
  auto decoded = Base64Decode(*basic);
  if (!decoded.ok()) return done(Unauthenticated("Basic credentials that are not base64"));
  const std::string pair(decoded->begin(), decoded->end());
  const size_t colon = pair.find(':');
  if (colon == std::string::npos) return done(Unauthenticated("Basic credentials without ':'"));
  std::string user = pair.substr(0, colon);
  std::string password = pair.substr(colon + 1);
  // RFC 7617: no control characters in the user-id (nor in the password, here).
  auto control = [](unsigned char c) { return c < 0x20 || c == 0x7f; };
  if (std::any_of(pair.begin(), pair.end(), control)) {
    return done(Unauthenticated("Basic credentials with a control character"));
  }
  identity.principal = "User:" + user;
  identity.authenticated = true;
  if (options_.users->Remembered(user, password)) return done(identity);
  if (!Reserve(identity.host)) {
    return done(Status(StatusCode::kUnavailable, "too many password checks pending"));
  }
  boost::asio::post(checks_, [this, user = std::move(user), password = std::move(password),
                              identity = std::move(identity), done = std::move(done)]() mutable {
    Status checked;
    try {
      checked = options_.users->Check(user, password);
    } catch (const std::exception& e) {
      checked = Status(StatusCode::kInternal, fmt::format("checking a password: {}", e.what()));
    }
    Release(identity.host);
    if (checked.ok()) {
      done(std::move(identity));
    } else if (checked.code() == StatusCode::kInternal) {
      done(checked);
    } else {
      done(Unauthenticated(checked.message()));
    }
  });
}

}  // namespace herald::http
