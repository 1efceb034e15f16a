#include "security/sasl.h"

#include <algorithm>

#include <fmt/format.h>
#include <openssl/crypto.h>

namespace herald::security {
namespace {

Status Refused(std::string_view why) {
  return Status(StatusCode::kInvalidArgument, fmt::format("SASL authentication failed: {}", why));
}

// Whether `password` is the one `credential` was made from.
bool PasswordMatches(ScramMechanism mechanism, std::string_view password,
                     const ScramCredential& credential) {
  if (credential.iterations < kMinIterations || credential.iterations > kMaxIterations) {
    return false;
  }
  const ScramCredential derived = CredentialFromSalted(
      mechanism, SaltedPassword(mechanism, password, credential.salt, credential.iterations),
      credential.salt, credential.iterations);
  return derived.stored_key.size() == credential.stored_key.size() &&
         CRYPTO_memcmp(derived.stored_key.data(), credential.stored_key.data(),
                       derived.stored_key.size()) == 0;
}

}  // namespace

Status CheckPassword(const SaslServer::Credentials& credentials, const std::string& user,
                     std::string_view password) {
  if (user.empty() || password.empty()) {
    return Status(StatusCode::kInvalidArgument, "an empty user name or password");
  }
  // Either of the user's SCRAM credentials accepts the password (each mechanism may have its
  // own, as in Kafka). One key derivation per mechanism whatever the user has (a missing
  // credential is stood in for by one of Kafka's minimum iterations), so a refusal takes about as
  // long for a user that does not exist as for a wrong password.
  static constexpr uint8_t kNoSalt[16] = {};
  bool matched = false;
  for (auto mechanism : {ScramMechanism::kSha256, ScramMechanism::kSha512}) {
    const auto credential = credentials(user, mechanism);
    if (credential) {
      matched |= PasswordMatches(mechanism, password, *credential);
    } else {
      (void)SaltedPassword(mechanism, password, ByteView(kNoSalt, sizeof kNoSalt), kMinIterations);
    }
  }
  if (matched) return Status::Ok();
  return Status(StatusCode::kInvalidArgument,
                fmt::format("a wrong password or no credential for user '{}'", user));
}

bool IsKnownMechanism(std::string_view name) {
  return name == kPlain || MechanismNamed(name).has_value();
}

SaslServer::SaslServer(std::vector<std::string> enabled, Credentials credentials)
    : enabled_(std::move(enabled)), credentials_(std::move(credentials)) {}

Status SaslServer::Select(std::string_view mechanism) {
  if (selected()) return Refused("a mechanism was chosen already");
  if (std::find(enabled_.begin(), enabled_.end(), mechanism) == enabled_.end()) {
    return Status(StatusCode::kInvalidArgument,
                  fmt::format("SASL mechanism '{}' is not enabled", mechanism));
  }
  mechanism_ = std::string(mechanism);
  if (auto scram = MechanismNamed(mechanism)) {
    scram_ = std::make_unique<ScramServer>(
        *scram, [this, scram](const std::string& user) { return credentials_(user, *scram); });
  }
  return Status::Ok();
}

Result<std::string> SaslServer::Step(std::string_view token) {
  if (!selected()) return Refused("no mechanism chosen");
  if (failed_ || authenticated()) return Refused("the exchange is over");
  if (!scram_) return Plain(token);
  failed_ = true;  // until this step succeeds
  auto answer = scram_steps_++ == 0 ? scram_->First(token) : scram_->Final(token);
  if (!answer.ok()) return answer.status();
  failed_ = false;
  if (scram_->done()) Authenticated(scram_->user());
  return answer;
}

Result<std::string> SaslServer::Plain(std::string_view token) {
  failed_ = true;  // until it succeeds
  // [authzid] NUL authcid NUL passwd
  const size_t first = token.find('\0');
  const size_t second = first == std::string_view::npos ? first : token.find('\0', first + 1);
  if (second == std::string_view::npos || token.find('\0', second + 1) != std::string_view::npos) {
    return Refused("malformed PLAIN token");
  }
  const std::string_view authzid = token.substr(0, first);
  const std::string user(token.substr(first + 1, second - first - 1));
  const std::string_view password = token.substr(second + 1);
  if (!authzid.empty() && authzid != user)
    return Refused("an authorization id other than the user");
  if (Status checked = CheckPassword(credentials_, user, password); !checked.ok()) {
    return Refused(checked.message());
  }
  failed_ = false;
  Authenticated(user);
  return std::string();
}

void SaslServer::Authenticated(const std::string& user) {
  user_ = user;
  principal_ = "User:" + user;
}

}  // namespace herald::security
