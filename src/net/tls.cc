#include "net/tls.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

namespace herald::net {

namespace ssl = boost::asio::ssl;

Result<ClientAuth> ParseClientAuth(const std::string& text) {
  if (text == "none") return ClientAuth::kNone;
  if (text == "requested") return ClientAuth::kRequested;
  if (text == "required") return ClientAuth::kRequired;
  return InvalidArgument("client authentication '{}' is not one of none, requested, required",
                         text);
}

Result<std::shared_ptr<TlsContext>> TlsContext::Load(TlsOptions options) {
  auto tls = std::shared_ptr<TlsContext>(new TlsContext(std::move(options)));
  HERALD_RETURN_IF_ERROR(tls->Reload());
  return tls;
}

std::shared_ptr<ssl::context> TlsContext::Current() const {
  MutexLock lock(mu_);
  return current_;
}

Status TlsContext::Reload() {
  HERALD_ASSIGN_OR_RETURN(auto built, Build(options_));
  MutexLock lock(mu_);
  current_ = std::move(built);
  return Status::Ok();
}

Result<std::shared_ptr<ssl::context>> TlsContext::Build(const TlsOptions& o) {
  if (o.cert_file.empty() || o.key_file.empty()) {
    return InvalidArgument("TLS needs both a certificate file and a key file");
  }
  if (o.client_auth != ClientAuth::kNone && o.ca_file.empty()) {
    return InvalidArgument("checking client certificates needs a CA file");
  }
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = context->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_compression |
                       ssl::context::single_dh_use);
  // Needed for TLS 1.2 session resumption once client certificates are checked.
  static constexpr unsigned char kSessionContext[] = "herald";
  SSL_CTX_set_session_id_context(native, kSessionContext, sizeof(kSessionContext) - 1);
  boost::system::error_code ec;
  auto failed = [&](const std::string& what, const std::string& file) {
    // asio says only "asio.ssl error" for a file that is not there: say why first.
    if (FILE* f = std::fopen(file.c_str(), "r")) {
      std::fclose(f);
    } else {
      return InvalidArgument("{} '{}': {}", what, file, std::strerror(errno));
    }
    std::string reason = ec.message();
    if (const char* openssl = ERR_reason_error_string(ec.value())) reason = openssl;
    ERR_clear_error();  // nothing left behind for the next OpenSSL call on this thread
    return InvalidArgument("{} '{}': {}", what, file, reason);
  };
  context->use_certificate_chain_file(o.cert_file, ec);
  if (ec) return failed("the TLS certificate chain", o.cert_file);
  context->use_private_key_file(o.key_file, ssl::context::pem, ec);
  if (ec) return failed("the TLS private key", o.key_file);
  if (SSL_CTX_check_private_key(native) != 1) {
    ERR_clear_error();
    return InvalidArgument("the TLS private key '{}' does not match the certificate '{}'",
                           o.key_file, o.cert_file);
  }
  if (!o.ca_file.empty()) {
    context->load_verify_file(o.ca_file, ec);
    if (ec) return failed("the TLS CA file", o.ca_file);
    // The CAs' names are sent to clients choosing a certificate.
    if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(o.ca_file.c_str())) {
      SSL_CTX_set_client_CA_list(native, names);
    }
  }
  switch (o.client_auth) {
    case ClientAuth::kNone:
      context->set_verify_mode(ssl::verify_none);
      break;
    case ClientAuth::kRequested:
      context->set_verify_mode(ssl::verify_peer);
      break;
    case ClientAuth::kRequired:
      context->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
      break;
  }
  return context;
}

}  // namespace herald::net
