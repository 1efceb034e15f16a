// DelegatedLogins: SCRAM logins the node makes for itself, each standing for the principal it
// was issued for, as Kafka's delegation tokens do. The REST proxy's consumer instances are real
// Kafka consumers of this node: each authenticates with a login issued for the HTTP caller that
// created it, so the Kafka door applies that caller's ACLs to what the instance reads and
// commits. Logins live in memory only (a restart forgets them, as it forgets the instances), have
// a random name and password, and are revoked when their instance goes.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "base/mutex.h"
#include "security/scram.h"

namespace herald::security {

// Who a delegated login stands for.
struct Delegation {
  std::string principal;      // "User:alice"
  bool unrestricted = false;  // the ACLs do not apply (an HTTP caller with a bare API key)
  std::string host;           // the caller's IP address, as ACL bindings name hosts
};

class DelegatedLogins {
 public:
  struct Login {
    std::string user;      // "delegated-" and 32 hex digits
    std::string password;  // 32 random bytes in base64
  };
  // The SCRAM mechanism the logins have a credential for.
  static constexpr ScramMechanism kMechanism = ScramMechanism::kSha256;

  // A new login standing for `delegation` (one key derivation: milliseconds).
  Login Issue(Delegation delegation);
  // Forgets `user`'s login: it no longer authenticates (connections already authenticated keep
  // the principal they have).
  void Revoke(const std::string& user);

  // `user`'s credential for `mechanism` (SaslServer::Credentials); nullopt when it has none.
  std::optional<ScramCredential> Find(const std::string& user, ScramMechanism mechanism) const;
  // Who `user` stands for; nullopt once revoked.
  std::optional<Delegation> DelegationOf(const std::string& user) const;

 private:
  struct Entry {
    ScramCredential credential;
    Delegation delegation;
  };
  mutable Mutex mu_;
  std::map<std::string, Entry> logins_ GUARDED_BY(mu_);
};

}  // namespace herald::security
