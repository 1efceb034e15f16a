// SCRAM (RFC 5802; SHA-256 and SHA-512 as RFC 7677), the server side as Kafka speaks it over SASL
// (mechanisms SCRAM-SHA-256 and SCRAM-SHA-512): stored credentials derived from a password, or
// from a salted password as AlterUserScramCredentials carries one, and the two-round exchange
// that checks a client's proof against them. The password itself is never stored. The client's
// side too (ScramClient), for the benchmarks' raw Kafka clients.
//
// Thread-safety: the functions are pure; a ScramServer or ScramClient is one connection's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"

namespace herald::security {

// Kafka's ScramMechanism values (DescribeUserScramCredentials, AlterUserScramCredentials).
enum class ScramMechanism : int8_t { kSha256 = 1, kSha512 = 2 };

// "SCRAM-SHA-256" or "SCRAM-SHA-512".
std::string_view MechanismName(ScramMechanism mechanism);
// The mechanism with SASL name `name`, nullopt for another.
std::optional<ScramMechanism> MechanismNamed(std::string_view name);

// The size of the mechanism's digest (32 or 64 bytes): of StoredKey, ServerKey and a proof.
size_t DigestSize(ScramMechanism mechanism);

// Kafka's bounds on a credential's iterations.
inline constexpr int32_t kMinIterations = 4096;
inline constexpr int32_t kMaxIterations = 16384;

struct ScramCredential {
  Buffer salt;
  Buffer stored_key;  // H(ClientKey)
  Buffer server_key;  // HMAC(SaltedPassword, "Server Key")
  int32_t iterations = 0;

  bool operator==(const ScramCredential&) const = default;
};

// Fills `out` with random bytes from OpenSSL's generator (aborts, naming `what`, when it has
// none): nonces, salts, keys and the REST consumers' delegated logins.
void FillRandom(std::span<uint8_t> out, std::string_view what);

// SaltedPassword := Hi(password, salt, iterations), PBKDF2 with the mechanism's HMAC.
Buffer SaltedPassword(ScramMechanism mechanism, std::string_view password, ByteView salt,
                      int32_t iterations);
// The credential stored for a salted password.
ScramCredential CredentialFromSalted(ScramMechanism mechanism, ByteView salted_password,
                                     ByteView salt, int32_t iterations);
// The credential for `password`, with a new random salt.
ScramCredential NewCredential(ScramMechanism mechanism, std::string_view password,
                              int32_t iterations = kMinIterations);

// One server-side exchange: First (client-first -> server-first), then Final (client-final ->
// server-final). Any failure (a malformed message, an unknown user, a wrong proof, calls out of
// order) is kInvalidArgument saying why, for the server's log; a client is told only that
// authentication failed.
class ScramServer {
 public:
  // The user's credential for this mechanism, nullopt when the user has none.
  using Lookup = std::function<std::optional<ScramCredential>(const std::string& user)>;

  // `server_nonce`: the server's part of the nonce (random when empty; given by tests).
  ScramServer(ScramMechanism mechanism, Lookup lookup, std::string server_nonce = "");

  Result<std::string> First(std::string_view client_first);
  Result<std::string> Final(std::string_view client_final);

  // The user the exchange authenticated, once Final succeeded.
  const std::string& user() const { return user_; }
  bool done() const { return state_ == State::kDone; }

 private:
  enum class State { kFirst, kFinal, kDone, kFailed };

  const ScramMechanism mechanism_;
  const Lookup lookup_;
  std::string server_nonce_;
  State state_ = State::kFirst;
  std::string user_;
  std::string client_nonce_;
  std::string nonce_;  // the client's and the server's
  std::string gs2_header_;         // "n,," or "n,a=...,", which client-final repeats
  std::string client_first_bare_;  // for the AuthMessage
  std::string server_first_;
  std::optional<ScramCredential> credential_;
};

// One client-side exchange: First gives client-first; Final answers the server-first with
// client-final (the password's key derived once, with PBKDF2); Verify checks the server-final's
// signature. A server-first or server-final that does not fit is kInvalidArgument.
class ScramClient {
 public:
  ScramClient(ScramMechanism mechanism, std::string user, std::string password);

  std::string First();
  Result<std::string> Final(std::string_view server_first);
  Status Verify(std::string_view server_final) const;

 private:
  const ScramMechanism mechanism_;
  const std::string user_;
  const std::string password_;
  const std::string client_nonce_;
  std::string client_first_bare_;
  std::string auth_message_;
  Buffer server_key_;
};

}  // namespace herald::security
