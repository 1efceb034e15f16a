// HTTP authentication and the ACLs' view of an HTTP request.
//
// Who a request is from comes from its Authorization header:
//   Bearer KEY   an API key (--api-key): bound to a principal (PRINCIPAL=KEY), or, given bare,
//                one whose holder may do anything (the ACLs do not apply to it);
//   Basic B64    a user of `herald user create` and their password (--http-auth basic), checked
//                against the same SCRAM credentials as SASL; the principal is User:<name>.
// With neither configured, no credentials are needed and every request is User:ANONYMOUS. With
// either, a request without valid credentials is answered 401, except on public routes
// (/healthz, /readyz). A Basic password is checked on the authenticator's own thread (key
// derivations take milliseconds), at most kMaxPendingChecks at once
// (kMaxPendingChecksPerHost from one host), and remembered for a while once accepted
// (security/password_checker.h).
//
// Thread-safety: Authenticate may be called from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>  // Boost 1.74's awaitable.hpp uses std::exchange without including it

#include <boost/asio/thread_pool.hpp>

#include "base/mutex.h"
#include "base/status.h"
#include "broker/authorizer.h"
#include "security/password_checker.h"

namespace herald::http {

inline constexpr char kAnonymous[] = "User:ANONYMOUS";

// Who made a request, and what the ACLs let them do.
struct Identity {
  std::string principal = kAnonymous;
  std::string host;                                // the client's IP address
  bool authenticated = false;                      // valid credentials came with the request
  bool credentials_required = false;               // the listener needs them (but on public routes)
  bool unrestricted = false;                       // a bare API key: the ACLs do not apply
  const broker::Authorizer* authorizer = nullptr;  // null: no ACLs (--authorizer none)
  std::string request;                             // "METHOD /route/{pattern}", once routed

  // Whether the ACLs let this caller do `operation` on the resource (always without ACLs). A
  // refusal is audited only with OnDenial::kAudit, for a check that answers 403 (Permitted):
  // May also filters listings, which refuse nothing.
  bool May(broker::AclOperation operation, broker::ResourceType type, std::string_view name,
           broker::OnDenial on_denial = broker::OnDenial::kQuiet) const;
  // The refusal's audit event (broker::AuditDenial).
  void AuditDenial(broker::AclOperation operation, broker::ResourceType type,
                   std::string_view name) const;
  // May on topic `topic`, or on the cluster (which covers every topic: CreateTopics' and
  // DeleteTopics' rule).
  bool MayOnTopicOrCluster(broker::AclOperation operation, std::string_view topic) const;
  // Whether it may do anything: no ACLs, unrestricted, or a super user.
  bool MayDoAnything() const;
  // Whether the caller is known: it authenticated, or the listener needs no credentials.
  bool Known() const { return authenticated || !credentials_required; }
};

struct HttpAuthOptions {
  std::map<std::string, std::string> api_keys;       // key -> principal ("": may do anything)
  std::shared_ptr<security::PasswordChecker> users;  // set: Basic with these users
  const broker::Authorizer* authorizer = nullptr;    // the ACLs, null for none
};

class HttpAuthenticator {
 public:
  static constexpr int kMaxPendingChecks = 256;
  // Of those, from one host: a client that sends wrong passwords fast waits for its own checks,
  // not everyone's.
  static constexpr int kMaxPendingChecksPerHost = 16;

  explicit HttpAuthenticator(HttpAuthOptions options);
  ~HttpAuthenticator();  // Stop()
  // Waits for the checks in progress; call before the io_context their answers go to is gone.
  void Stop() { checks_.join(); }
  HttpAuthenticator(const HttpAuthenticator&) = delete;
  HttpAuthenticator& operator=(const HttpAuthenticator&) = delete;

  // Whether requests need credentials: an API key or Basic is configured.
  bool required() const { return !keys_.empty() || options_.users != nullptr; }
  // The WWW-Authenticate value of a 401 to a request whose Authorization header is
  // `authorization`: the schemes configured, and for a refused API key, error="invalid_token"
  // (RFC 6750).
  std::string Challenge(std::string_view authorization) const;

  // The identity of a request whose Authorization header is `authorization` (empty: none), from
  // `host`; `done` gets it, or kInvalidArgument for credentials that are wrong or malformed (401),
  // kUnavailable when too many Basic checks are pending, in all or from `host` (503), kInternal
  // when a check failed (500). Without API keys or Basic, the header is ignored. `done` runs before
  // Authenticate returns, unless a Basic password needs checking: then it runs on the
  // authenticator's thread.
  void Authenticate(std::string_view authorization, std::string host,
                    std::function<void(Result<Identity>)> done);

 private:
  using Digest = std::array<uint8_t, 32>;
  static Digest DigestOf(std::string_view key);

  const HttpAuthOptions options_;
  // The API keys by their SHA-256, so that finding one takes no time that depends on how much of
  // a wrong key is right.
  std::map<Digest, std::string> keys_;
  // Counts a check pending for `host`; false (counting nothing) when one of the caps is reached.
  bool Reserve(const std::string& host);
  void Release(const std::string& host);

  boost::asio::thread_pool checks_{1};
  Mutex pending_mu_;
  int pending_ GUARDED_BY(pending_mu_) = 0;
  std::map<std::string, int> pending_by_host_ GUARDED_BY(pending_mu_);
};

}  // namespace herald::http
