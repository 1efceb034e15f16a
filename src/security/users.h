// UserStore: the SCRAM credentials of the node's users (per user, one per mechanism), in the
// compacted internal topic __herald_users, replayed at open. A change is made durable before it
// is applied and answered. Keys are {"user","mechanism"} as JSON; values the credential
// ({"salt","stored_key","server_key"} in base64, "iterations"); a deletion is a tombstone.
//
// Thread-safety: every method may be called from any thread. Upsert and Delete wait for an
// fsync: call them off the network threads.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/mutex.h"
#include "base/status.h"
#include "security/scram.h"
#include "storage/engine.h"
#include "storage/log.h"

namespace herald::security {

inline constexpr char kUsersTopic[] = "__herald_users";

class UserStore {
 public:
  // Opens __herald_users (creating it) and replays it; a record that does not decode is skipped
  // with a warning.
  static Result<std::unique_ptr<UserStore>> Open(storage::Engine& engine);

  std::optional<ScramCredential> Find(const std::string& user, ScramMechanism mechanism) const;
  // Every user with a credential: its mechanisms and their iterations.
  std::map<std::string, std::map<ScramMechanism, int32_t>> List() const;

  // One change: `user`'s credential for `mechanism` set, or removed (no credential).
  struct Change {
    std::string user;
    ScramMechanism mechanism = ScramMechanism::kSha256;
    std::optional<ScramCredential> credential;
  };
  // Checks every change, then writes them all in one durable batch and applies them; when one
  // fails its check, nothing is written and the first failure is answered: kInvalidArgument for
  // an empty user name, one that is not UTF-8, iterations outside [kMinIterations,
  // kMaxIterations] or keys that do not fit the mechanism; kNotFound for the removal of a
  // credential the user does not have; kAlreadyExists for two changes of one credential.
  Status Apply(const std::vector<Change>& changes);
  // Apply of one change.
  Status Upsert(const std::string& user, ScramMechanism mechanism, ScramCredential credential);
  Status Delete(const std::string& user, ScramMechanism mechanism);

 private:
  using Key = std::pair<std::string, ScramMechanism>;
  UserStore(std::shared_ptr<storage::Log> log, Clock& clock)
      : log_(std::move(log)), clock_(clock) {}

  const std::shared_ptr<storage::Log> log_;
  Clock& clock_;
  Mutex write_mu_;  // one change at a time, so the log's order is the map's
  mutable Mutex mu_;
  std::map<Key, ScramCredential> credentials_ GUARDED_BY(mu_);
};

}  // namespace herald::security
