#include "security/scram.h"

#include <charconv>
#include <system_error>
#include <utility>

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "base/assert.h"
#include "base/base64.h"

namespace herald::security {
namespace {

const EVP_MD* Digest(ScramMechanism mechanism) {
  return mechanism == ScramMechanism::kSha256 ? EVP_sha256() : EVP_sha512();
}

Buffer Hmac(ScramMechanism mechanism, ByteView key, ByteView data) {
  Buffer out(EVP_MAX_MD_SIZE);
  unsigned int size = 0;
  HERALD_ASSERT(HMAC(Digest(mechanism), key.data(), static_cast<int>(key.size()), data.data(),
                     data.size(), out.data(), &size) != nullptr,
                "HMAC failed");
  out.resize(size);
  return out;
}

Buffer Hash(ScramMechanism mechanism, ByteView data) {
  Buffer out(EVP_MAX_MD_SIZE);
  unsigned int size = 0;
  HERALD_ASSERT(
      EVP_Digest(data.data(), data.size(), out.data(), &size, Digest(mechanism), nullptr) == 1,
      "digest failed");
  out.resize(size);
  return out;
}

ByteView Bytes(std::string_view text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

// A nonce of printable characters other than ',' (RFC 5802's "printable").
std::string RandomNonce() {
  uint8_t random[24];
  FillRandom(random, "a nonce");
  return Base64Encode(ByteView(random, sizeof(random)));  // no ',' in base64
}

// The value of attribute `name` (`name=value`, one letter) at the start of `part`.
std::optional<std::string_view> Attribute(std::string_view part, char name) {
  if (part.size() < 2 || part[0] != name || part[1] != '=') return std::nullopt;
  return part.substr(2);
}

// `text` split at commas.
std::vector<std::string_view> Parts(std::string_view text) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (;;) {
    const size_t comma = text.find(',', start);
    parts.push_back(text.substr(start, comma - start));
    if (comma == std::string_view::npos) return parts;
    start = comma + 1;
  }
}

// A saslname with =2C and =3D decoded; nullopt when another '=' appears.
std::optional<std::string> DecodeSaslName(std::string_view name) {
  std::string out;
  for (size_t i = 0; i < name.size(); ++i) {
    if (name[i] != '=') {
      out.push_back(name[i]);
      continue;
    }
    const std::string_view escape = name.substr(i, 3);
    if (escape == "=2C") {
      out.push_back(',');
    } else if (escape == "=3D") {
      out.push_back('=');
    } else {
      return std::nullopt;
    }
    i += 2;
  }
  return out;
}

Status ScramRefused(std::string_view why) {
  return Status(StatusCode::kInvalidArgument, fmt::format("SCRAM authentication failed: {}", why));
}

}  // namespace

size_t DigestSize(ScramMechanism mechanism) {
  return mechanism == ScramMechanism::kSha256 ? 32 : 64;
}

std::string_view MechanismName(ScramMechanism mechanism) {
  return mechanism == ScramMechanism::kSha256 ? "SCRAM-SHA-256" : "SCRAM-SHA-512";
}

std::optional<ScramMechanism> MechanismNamed(std::string_view name) {
  if (name == "SCRAM-SHA-256") return ScramMechanism::kSha256;
  if (name == "SCRAM-SHA-512") return ScramMechanism::kSha512;
  return std::nullopt;
}

Buffer SaltedPassword(ScramMechanism mechanism, std::string_view password, ByteView salt,
                      int32_t iterations) {
  Buffer out(DigestSize(mechanism));
  PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), salt.data(),
                    static_cast<int>(salt.size()), iterations, Digest(mechanism),
                    static_cast<int>(out.size()), out.data());
  return out;
}

ScramCredential CredentialFromSalted(ScramMechanism mechanism, ByteView salted_password,
                                     ByteView salt, int32_t iterations) {
  ScramCredential c;
  c.salt.assign(salt.begin(), salt.end());
  c.stored_key = Hash(mechanism, Hmac(mechanism, salted_password, Bytes("Client Key")));
  c.server_key = Hmac(mechanism, salted_password, Bytes("Server Key"));
  c.iterations = iterations;
  return c;
}

void FillRandom(std::span<uint8_t> out, std::string_view what) {
  HERALD_ASSERT(RAND_bytes(out.data(), static_cast<int>(out.size())) == 1, "no random bytes for {}",
                what);
}

ScramCredential NewCredential(ScramMechanism mechanism, std::string_view password,
                              int32_t iterations) {
  Buffer salt(32);
  FillRandom(salt, "a salt");
  return CredentialFromSalted(mechanism, SaltedPassword(mechanism, password, salt, iterations),
                              salt, iterations);
}

ScramServer::ScramServer(ScramMechanism mechanism, Lookup lookup, std::string server_nonce)
    : mechanism_(mechanism),
      lookup_(std::move(lookup)),
      server_nonce_(server_nonce.empty() ? RandomNonce() : std::move(server_nonce)) {}

Result<std::string> ScramServer::First(std::string_view client_first) {
  if (state_ != State::kFirst) return ScramRefused("client-first out of order");
  state_ = State::kFailed;  // until this step succeeds
  // gs2-header: "n," (no channel binding), an optional "a=authzid", ","; then the bare message.
  if (!client_first.starts_with("n,")) return ScramRefused("channel binding is not supported");
  const size_t header_end = client_first.find(',', 2);
  if (header_end == std::string_view::npos) return ScramRefused("malformed client-first message");
  const std::string_view authzid = client_first.substr(2, header_end - 2);
  gs2_header_ = std::string(client_first.substr(0, header_end + 1));
  client_first_bare_ = std::string(client_first.substr(header_end + 1));
  const auto parts = Parts(client_first_bare_);
  if (parts.size() < 2) return ScramRefused("malformed client-first message");
  const auto name = Attribute(parts[0], 'n');
  const auto client_nonce = Attribute(parts[1], 'r');
  if (!name || !client_nonce || client_nonce->empty()) {
    return ScramRefused("malformed client-first message");
  }
  auto user = DecodeSaslName(*name);
  if (!user || user->empty()) return ScramRefused("malformed user name");
  if (!authzid.empty()) {
    auto as = Attribute(authzid, 'a');
    auto decoded = as ? DecodeSaslName(*as) : std::nullopt;
    if (!decoded || *decoded != *user)
      return ScramRefused("an authorization id other than the user");
  }
  credential_ = lookup_(*user);
  if (!credential_)
    return ScramRefused(
        fmt::format("no {} credential for user '{}'", MechanismName(mechanism_), *user));
  if (credential_->iterations < kMinIterations || credential_->iterations > kMaxIterations) {
    return ScramRefused("the credential's iterations are out of range");
  }
  user_ = std::move(*user);
  client_nonce_ = std::string(*client_nonce);
  nonce_ = client_nonce_ + server_nonce_;
  server_first_ = fmt::format("r={},s={},i={}", nonce_, Base64Encode(credential_->salt),
                              credential_->iterations);
  state_ = State::kFinal;
  return server_first_;
}

Result<std::string> ScramServer::Final(std::string_view client_final) {
  if (state_ != State::kFinal) return ScramRefused("client-final out of order");
  state_ = State::kFailed;
  const size_t proof_at = client_final.rfind(",p=");
  if (proof_at == std::string_view::npos) return ScramRefused("client-final without a proof");
  const std::string_view without_proof = client_final.substr(0, proof_at);
  const auto parts = Parts(without_proof);
  if (parts.size() < 2) return ScramRefused("malformed client-final message");
  const auto binding = Attribute(parts[0], 'c');
  const auto nonce = Attribute(parts[1], 'r');
  // The gs2 header again, base64 ("biws" for "n,,").
  if (!binding || *binding != Base64Encode(Bytes(gs2_header_))) {
    return ScramRefused("the channel binding does not match the first message");
  }
  // librdkafka up to 2.x sends its own nonce before the combined one (Kafka's broker accepts a
  // nonce that ends with the combined one); that exact form is accepted too.
  if (!nonce || (*nonce != nonce_ && *nonce != client_nonce_ + nonce_)) {
    return ScramRefused("the nonce does not match");
  }
  auto proof = Base64Decode(client_final.substr(proof_at + 3));
  const size_t digest = DigestSize(mechanism_);
  if (!proof.ok() || proof->size() != digest) return ScramRefused("malformed proof");
  if (credential_->stored_key.size() != digest || credential_->server_key.size() != digest) {
    return ScramRefused("the stored credential does not fit the mechanism");
  }
  const std::string auth_message =
      fmt::format("{},{},{}", client_first_bare_, server_first_, without_proof);
  const Buffer client_signature = Hmac(mechanism_, credential_->stored_key, Bytes(auth_message));
  Buffer client_key = std::move(*proof);
  for (size_t i = 0; i < client_key.size(); ++i) client_key[i] ^= client_signature[i];
  const Buffer stored_key = Hash(mechanism_, client_key);
  if (CRYPTO_memcmp(stored_key.data(), credential_->stored_key.data(), stored_key.size()) != 0) {
    return ScramRefused(fmt::format("a wrong password for user '{}'", user_));
  }
  const Buffer server_signature = Hmac(mechanism_, credential_->server_key, Bytes(auth_message));
  state_ = State::kDone;
  return "v=" + Base64Encode(server_signature);
}

ScramClient::ScramClient(ScramMechanism mechanism, std::string user, std::string password)
    : mechanism_(mechanism),
      user_(std::move(user)),
      password_(std::move(password)),
      client_nonce_(RandomNonce()) {}

std::string ScramClient::First() {
  std::string name;  // a saslname: ',' and '=' escaped
  for (char c : user_) {
    if (c == ',') {
      name += "=2C";
    } else if (c == '=') {
      name += "=3D";
    } else {
      name.push_back(c);
    }
  }
  client_first_bare_ = fmt::format("n={},r={}", name, client_nonce_);
  return "n,," + client_first_bare_;
}

Result<std::string> ScramClient::Final(std::string_view server_first) {
  const auto parts = Parts(server_first);
  if (parts.size() < 3 || !Attribute(parts[0], 'r') || !Attribute(parts[1], 's') ||
      !Attribute(parts[2], 'i')) {
    return ScramRefused("malformed server-first message");
  }
  const std::string_view nonce = parts[0].substr(2);
  const std::string_view salt_text = parts[1].substr(2);
  const std::string_view iterations_text = parts[2].substr(2);
  if (!nonce.starts_with(client_nonce_) || nonce.size() == client_nonce_.size()) {
    return ScramRefused("the server's nonce does not extend the client's");
  }
  auto salt = Base64Decode(salt_text);
  int32_t iterations = 0;
  const char* const digits_end = iterations_text.data() + iterations_text.size();
  const auto [end, error] = std::from_chars(iterations_text.data(), digits_end, iterations);
  if (!salt.ok() || error != std::errc() || end != digits_end || iterations < kMinIterations ||
      iterations > kMaxIterations) {
    return ScramRefused("malformed server-first message");
  }
  const Buffer salted = SaltedPassword(mechanism_, password_, *salt, iterations);
  Buffer proof = Hmac(mechanism_, salted, Bytes("Client Key"));  // ClientKey, for now
  const std::string without_proof = fmt::format("c=biws,r={}", nonce);
  auth_message_ = fmt::format("{},{},{}", client_first_bare_, server_first, without_proof);
  const Buffer signature =
      Hmac(mechanism_, Hash(mechanism_, proof), Bytes(auth_message_));  // ClientSignature
  for (size_t i = 0; i < proof.size(); ++i) proof[i] ^= signature[i];
  server_key_ = Hmac(mechanism_, salted, Bytes("Server Key"));
  return fmt::format("{},p={}", without_proof, Base64Encode(proof));
}

Status ScramClient::Verify(std::string_view server_final) const {
  if (server_key_.empty()) return ScramRefused("server-final before client-final");
  const std::string expected =
      "v=" + Base64Encode(Hmac(mechanism_, server_key_, Bytes(auth_message_)));
  if (server_final != expected) return ScramRefused("the server's signature does not match");
  return Status::Ok();
}

}  // namespace herald::security
