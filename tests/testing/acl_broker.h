// A broker as the ACL tests run it: `herald serve` with SASL (PLAIN and SCRAM-SHA-256) on the
// Kafka listener, the ACL authorizer (an API key on HTTP, which it needs) and one super user, on a
// data directory where three users were created offline (`herald user create`):
//   admin  the super user: may do anything;
//   alice  the principal a test's bindings are for;
//   bob    with no binding (or a DENY), to be refused.
// And raw wire connections authenticated as one of them.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "broker/authorizer.h"
#include "testing/herald_process.h"
#include "testing/raw_wire_client.h"

namespace herald::testing {

inline constexpr char kAclMechanisms[] = "PLAIN,SCRAM-SHA-256";
inline constexpr char kAclApiKey[] = "http-4dm1n-key";

// The password of admin, alice or bob.
std::string AclPassword(const std::string& user);

// The PLAIN token (RFC 4616): authorization id, NUL, user, NUL, password.
std::string PlainToken(const std::string& user, const std::string& password,
                       const std::string& authorization_id = "");

// Creates admin, alice and bob in `data_dir` (made if missing) with `herald user create`. Throws
// std::runtime_error with the command's output when one fails.
void CreateAclUsers(const std::string& data_dir);

// Starts `herald serve` on `data_dir` as described above, with `extra` arguments; throws as
// HeraldProcess does.
std::unique_ptr<HeraldProcess> StartAclBroker(const std::string& data_dir,
                                              const std::vector<std::string>& extra = {});

// A raw connection to `port` authenticated as `user` (SaslHandshake v1 and SaslAuthenticate v2,
// PLAIN, with AclPassword). Throws std::runtime_error naming the error code when refused.
std::unique_ptr<raw_wire::RawWireClient> ConnectAs(uint16_t port, const std::string& user);
// The same with `password`.
std::unique_ptr<raw_wire::RawWireClient> ConnectAs(uint16_t port, const std::string& user,
                                                   const std::string& password);

// Creates `binding` with CreateAcls on `admin` (a super user's connection); throws
// std::runtime_error naming the binding and the error code when it is refused.
void Grant(raw_wire::RawWireClient& admin, const broker::AclBinding& binding);

// Whether `log` (a broker's text log) has an `event` line with every one of `fields`
// ("principal=User:bob", "request=Produce", ...).
bool Logged(const std::string& log, std::string_view event, const std::vector<std::string>& fields);

// Logged(log, "acl_denied", fields): a refusal's audit event.
inline bool Audited(const std::string& log, const std::vector<std::string>& fields) {
  return Logged(log, "acl_denied", fields);
}

}  // namespace herald::testing
