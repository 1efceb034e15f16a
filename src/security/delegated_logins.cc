#include "security/delegated_logins.h"

#include <array>
#include <cstdint>

#include <fmt/format.h>

#include "base/base64.h"

namespace herald::security {
namespace {

template <size_t N>
std::array<uint8_t, N> RandomBytes() {
  std::array<uint8_t, N> bytes{};
  FillRandom(bytes, "a delegated login");
  return bytes;
}

}  // namespace

DelegatedLogins::Login DelegatedLogins::Issue(Delegation delegation) {
  Login login;
  login.user = "delegated-";
  for (uint8_t b : RandomBytes<16>()) login.user += fmt::format("{:02x}", b);
  const auto secret = RandomBytes<32>();
  login.password = Base64Encode(ByteView(secret.data(), secret.size()));
  ScramCredential credential = NewCredential(kMechanism, login.password);
  MutexLock lock(mu_);
  logins_[login.user] = Entry{std::move(credential), std::move(delegation)};
  return login;
}

void DelegatedLogins::Revoke(const std::string& user) {
  MutexLock lock(mu_);
  logins_.erase(user);
}

std::optional<ScramCredential> DelegatedLogins::Find(const std::string& user,
                                                     ScramMechanism mechanism) const {
  if (mechanism != kMechanism) return std::nullopt;
  MutexLock lock(mu_);
  auto it = logins_.find(user);
  if (it == logins_.end()) return std::nullopt;
  return it->second.credential;
}

std::optional<Delegation> DelegatedLogins::DelegationOf(const std::string& user) const {
  MutexLock lock(mu_);
  auto it = logins_.find(user);
  if (it == logins_.end()) return std::nullopt;
  return it->second.delegation;
}

}  // namespace herald::security
