#include "security/users.h"

#include <set>

#include <nlohmann/json.hpp>

#include "base/base64.h"
#include "base/log.h"
#include "base/utf8.h"
#include "storage/record_batch.h"
#include "storage/record_scan.h"

namespace herald::security {
namespace {

using nlohmann::json;

std::string KeyOf(const std::string& user, ScramMechanism mechanism) {
  return json{{"user", user}, {"mechanism", MechanismName(mechanism)}}.dump();
}

std::string ValueOf(const ScramCredential& c) {
  return json{{"salt", Base64Encode(c.salt)},
              {"stored_key", Base64Encode(c.stored_key)},
              {"server_key", Base64Encode(c.server_key)},
              {"iterations", c.iterations}}
      .dump();
}

std::string_view Text(ByteView bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// A record of __herald_users: its user and mechanism, and its credential (nullopt: a deletion).
Result<std::pair<std::pair<std::string, ScramMechanism>, std::optional<ScramCredential>>> Decode(
    const storage::RecordView& r) {
  if (!r.key) return Status(StatusCode::kCorruption, "a record without a key");
  const json key = json::parse(Text(*r.key), nullptr, false);
  if (!key.is_object() || !key.contains("user") || !key["user"].is_string() ||
      !key.contains("mechanism") || !key["mechanism"].is_string()) {
    return Status(StatusCode::kCorruption, "a key that is not {user, mechanism}");
  }
  auto mechanism = MechanismNamed(key["mechanism"].get<std::string>());
  if (!mechanism) return Status(StatusCode::kCorruption, "an unknown mechanism");
  std::pair<std::string, ScramMechanism> id{key["user"].get<std::string>(), *mechanism};
  if (!r.value) return std::pair{std::move(id), std::optional<ScramCredential>()};
  const json value = json::parse(Text(*r.value), nullptr, false);
  ScramCredential c;
  auto bytes = [&](const char* name) -> Result<Buffer> {
    if (!value.is_object() || !value.contains(name) || !value[name].is_string()) {
      return Status(StatusCode::kCorruption, fmt::format("no {}", name));
    }
    return Base64Decode(value[name].get<std::string>());
  };
  HERALD_ASSIGN_OR_RETURN(c.salt, bytes("salt"));
  HERALD_ASSIGN_OR_RETURN(c.stored_key, bytes("stored_key"));
  HERALD_ASSIGN_OR_RETURN(c.server_key, bytes("server_key"));
  if (!value.contains("iterations") || !value["iterations"].is_number_integer()) {
    return Status(StatusCode::kCorruption, "no iterations");
  }
  const int64_t iterations = value["iterations"].get<int64_t>();
  if (iterations < kMinIterations || iterations > kMaxIterations) {
    return Status(StatusCode::kCorruption, "iterations out of range");
  }
  c.iterations = static_cast<int32_t>(iterations);
  if (c.stored_key.size() != DigestSize(*mechanism) ||
      c.server_key.size() != DigestSize(*mechanism)) {
    return Status(StatusCode::kCorruption, "keys that do not fit the mechanism");
  }
  return std::pair{std::move(id), std::optional<ScramCredential>(std::move(c))};
}

}  // namespace

Result<std::unique_ptr<UserStore>> UserStore::Open(storage::Engine& engine) {
  if (!engine.HasTopic(kUsersTopic)) {
    HERALD_RETURN_IF_ERROR(engine.CreateTopic(kUsersTopic, 1, {{"cleanup.policy", "compact"}}));
  }
  HERALD_ASSIGN_OR_RETURN(auto log, engine.GetLog(kUsersTopic, 0));
  std::unique_ptr<UserStore> store(new UserStore(log, engine.clock()));
  std::map<Key, ScramCredential> replayed;
  HERALD_RETURN_IF_ERROR(storage::ScanRecords(
      *log, log->log_start_offset(), log->end_offset(), [&](const storage::RecordView& r) {
        auto entry = Decode(r);
        if (!entry.ok()) {
          LogWarn("user_record_skipped", {{"topic", kUsersTopic}, {"offset", r.offset}},
                  entry.status().message());
        } else if (entry->second) {
          replayed[entry->first] = std::move(*entry->second);
        } else {
          replayed.erase(entry->first);
        }
        return true;
      }));
  {
    MutexLock lock(store->mu_);
    store->credentials_ = std::move(replayed);
  }
  return store;
}

std::optional<ScramCredential> UserStore::Find(const std::string& user,
                                               ScramMechanism mechanism) const {
  MutexLock lock(mu_);
  auto it = credentials_.find({user, mechanism});
  if (it == credentials_.end()) return std::nullopt;
  return it->second;
}

std::map<std::string, std::map<ScramMechanism, int32_t>> UserStore::List() const {
  std::map<std::string, std::map<ScramMechanism, int32_t>> out;
  MutexLock lock(mu_);
  for (const auto& [key, credential] : credentials_) {
    out[key.first][key.second] = credential.iterations;
  }
  return out;
}

Status UserStore::Upsert(const std::string& user, ScramMechanism mechanism,
                         ScramCredential credential) {
  return Apply({{user, mechanism, std::move(credential)}});
}

Status UserStore::Delete(const std::string& user, ScramMechanism mechanism) {
  return Apply({{user, mechanism, std::nullopt}});
}

Status UserStore::Apply(const std::vector<Change>& changes) {
  std::set<Key> seen;
  for (const Change& c : changes) {
    if (c.user.empty()) return InvalidArgument("a user name must not be empty");
    if (!IsValidUtf8(c.user)) return InvalidArgument("a user name must be UTF-8");
    if (!seen.insert({c.user, c.mechanism}).second) {
      return AlreadyExists("user '{}' has two changes of its {} credential", c.user,
                           MechanismName(c.mechanism));
    }
    if (!c.credential) continue;
    if (c.credential->iterations < kMinIterations || c.credential->iterations > kMaxIterations) {
      return InvalidArgument("iterations must be between {} and {}, not {}", kMinIterations,
                             kMaxIterations, c.credential->iterations);
    }
    if (c.credential->stored_key.size() != DigestSize(c.mechanism) ||
        c.credential->server_key.size() != DigestSize(c.mechanism)) {
      return InvalidArgument("keys of {} bytes do not fit {}", c.credential->stored_key.size(),
                             MechanismName(c.mechanism));
    }
  }
  if (changes.empty()) return Status::Ok();
  MutexLock write(write_mu_);
  // Removals are checked under write_mu_, so no change of the same credential comes between the
  // check and the write.
  for (const Change& c : changes) {
    if (!c.credential && !Find(c.user, c.mechanism)) {
      return NotFound("user '{}' has no {} credential", c.user, MechanismName(c.mechanism));
    }
  }
  std::vector<storage::RecordSpec> records;
  const int64_t now = clock_.NowMs();
  for (const Change& c : changes) {
    storage::RecordSpec record;
    record.timestamp = now;
    record.key = KeyOf(c.user, c.mechanism);
    if (c.credential) record.value = ValueOf(*c.credential);
    records.push_back(std::move(record));
  }
  Buffer batch = storage::BuildBatch(records);
  auto written = log_->AppendAndWait(batch, storage::AckLevel::kDurable);
  if (!written.ok()) return written.status().WithContext("writing " + std::string(kUsersTopic));
  MutexLock lock(mu_);
  for (const Change& c : changes) {
    if (c.credential) {
      credentials_[{c.user, c.mechanism}] = *c.credential;
    } else {
      credentials_.erase({c.user, c.mechanism});
    }
  }
  return Status::Ok();
}

}  // namespace herald::security
