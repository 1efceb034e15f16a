#include "security/password_checker.h"

#include <algorithm>
#include <vector>

#include <fmt/format.h>
#include <openssl/hmac.h>

#include "base/assert.h"
#include "base/bytes.h"

namespace herald::security {

PasswordChecker::PasswordChecker(SaslServer::Credentials credentials, Clock& clock,
                                 int64_t remember_ms, size_t capacity)
    : credentials_(std::move(credentials)),
      clock_(clock),
      remember_ms_(remember_ms),
      capacity_(std::max<size_t>(capacity, 2)) {
  FillRandom(key_, "the password cache");
}

PasswordChecker::Digest PasswordChecker::DigestOf(const std::string& user,
                                                  std::string_view password) const {
  // The user's name after its length, then the StoredKey of each credential the user has now
  // (so that a pair accepted before the credentials changed is not found again), then the
  // password: no other pair, nor the same pair under other credentials, makes the same message.
  std::string message = fmt::format("{}:", user.size());
  message.append(user);
  for (ScramMechanism mechanism : {ScramMechanism::kSha256, ScramMechanism::kSha512}) {
    const auto credential = credentials_(user, mechanism);
    message.push_back(credential ? '+' : '-');
    if (credential) message.append(AsString(credential->stored_key));
  }
  message.append(password);
  Digest digest{};
  unsigned int size = 0;
  HERALD_ASSERT(HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
                     reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                     digest.data(), &size) != nullptr &&
                    size == digest.size(),
                "HMAC-SHA-256 failed");
  return digest;
}

bool PasswordChecker::Remembered(const std::string& user, std::string_view password) const {
  const Digest digest = DigestOf(user, password);
  const int64_t now = clock_.NowMs();
  MutexLock lock(mu_);
  auto it = accepted_.find(digest);
  return it != accepted_.end() && now - it->second < remember_ms_;
}

Status PasswordChecker::Check(const std::string& user, std::string_view password) {
  // Of the credentials as they are before the check: should they change during it, the pair is
  // remembered under credentials it will not be looked up with.
  const Digest digest = DigestOf(user, password);
  HERALD_RETURN_IF_ERROR(CheckPassword(credentials_, user, password));
  const int64_t now = clock_.NowMs();
  MutexLock lock(mu_);
  if (accepted_.size() >= capacity_ && !accepted_.contains(digest)) {
    // Forget the older half at least (and whatever expired).
    std::vector<int64_t> times;
    for (const auto& [d, when] : accepted_) times.push_back(when);
    std::nth_element(times.begin(), times.begin() + static_cast<ptrdiff_t>(times.size() / 2),
                     times.end());
    const int64_t median = times[times.size() / 2];
    std::erase_if(accepted_, [&](const auto& entry) {
      return entry.second <= median || now - entry.second >= remember_ms_;
    });
  }
  accepted_[digest] = now;
  return Status::Ok();
}

}  // namespace herald::security
