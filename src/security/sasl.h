// SaslServer: one connection's SASL authentication, whatever carries its tokens (Kafka's
// SaslHandshake and SaslAuthenticate, or raw frames after SaslHandshake v0): PLAIN (RFC 4616)
// and SCRAM-SHA-256/512 (scram.h), both checked against the same stored SCRAM credentials, so a
// user created once can use any of them. PLAIN checks a password by deriving its salted form
// with the credential's salt and iterations: the password is still never stored.
//
// Thread-safety: one connection's; Credentials must be callable from the connection's thread.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "security/scram.h"

namespace herald::security {

// The mechanisms Herald can serve, by SASL name.
inline constexpr std::string_view kPlain = "PLAIN";
bool IsKnownMechanism(std::string_view name);

class SaslServer {
 public:
  // `user`'s credential for `mechanism`, nullopt when it has none.
  using Credentials =
      std::function<std::optional<ScramCredential>(const std::string& user, ScramMechanism)>;

  // `enabled`: the mechanisms clients may choose, by SASL name.
  SaslServer(std::vector<std::string> enabled, Credentials credentials);
  // Not copied or moved: the SCRAM exchange calls back into this object.
  SaslServer(const SaslServer&) = delete;
  SaslServer& operator=(const SaslServer&) = delete;

  const std::vector<std::string>& enabled() const { return enabled_; }

  // Chooses the mechanism (SaslHandshake). kInvalidArgument when it is not enabled, or once one
  // was chosen.
  Status Select(std::string_view mechanism);
  // One client token; the server's token in answer. kInvalidArgument (saying why, for the log)
  // when authentication fails; the exchange is then over.
  Result<std::string> Step(std::string_view token);

  bool selected() const { return !mechanism_.empty(); }
  bool authenticated() const { return !principal_.empty(); }
  const std::string& mechanism() const { return mechanism_; }
  // "User:<name>", once authenticated.
  const std::string& principal() const { return principal_; }
  // <name>, once authenticated.
  const std::string& user() const { return user_; }

 private:
  Result<std::string> Plain(std::string_view token);
  void Authenticated(const std::string& user);

  const std::vector<std::string> enabled_;
  const Credentials credentials_;
  std::string mechanism_;
  std::unique_ptr<ScramServer> scram_;
  int scram_steps_ = 0;
  std::string user_;
  std::string principal_;  // "User:" + user_
  bool failed_ = false;
};

// Whether `password` is `user`'s, against either of the user's SCRAM credentials (as PLAIN and
// HTTP Basic check one): OK, or kInvalidArgument saying why, for the log. It takes one key
// derivation per mechanism (milliseconds), also for a user who does not exist.
Status CheckPassword(const SaslServer::Credentials& credentials, const std::string& user,
                     std::string_view password);

}  // namespace herald::security
