// PasswordChecker: checks a user's password against the stored SCRAM credentials (CheckPassword)
// and remembers, for a while, the pairs it accepted, so that a client that sends its password
// with every request (HTTP Basic) costs the key derivations once rather than each time. What it
// remembers is a keyed SHA-256 of the pair and of the user's credentials (the key random per
// process), never the password: once a user's credentials change or go, what was remembered for
// it is not found again.
// Refused pairs are not remembered: each costs the derivations again.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/mutex.h"
#include "base/status.h"
#include "security/sasl.h"

namespace herald::security {

class PasswordChecker {
 public:
  // Pairs are remembered for `remember_ms`, at most `capacity` of them (when full, the oldest
  // half is forgotten).
  PasswordChecker(SaslServer::Credentials credentials, Clock& clock,
                  int64_t remember_ms = 5 * 60 * 1000, size_t capacity = 10'000);

  // Whether `password` is `user`'s and was accepted less than remember_ms ago: a hash, no key
  // derivation.
  bool Remembered(const std::string& user, std::string_view password) const;
  // CheckPassword (milliseconds of key derivation), remembering the pair when it is accepted.
  Status Check(const std::string& user, std::string_view password);

 private:
  using Digest = std::array<uint8_t, 32>;
  Digest DigestOf(const std::string& user, std::string_view password) const;

  const SaslServer::Credentials credentials_;
  Clock& clock_;
  const int64_t remember_ms_;
  const size_t capacity_;
  std::array<uint8_t, 32> key_;  // random, for the keyed hash
  mutable Mutex mu_;
  std::map<Digest, int64_t> accepted_ GUARDED_BY(mu_);  // -> when, in clock_ milliseconds
};

}  // namespace herald::security
