// TlsContext: the node's TLS settings (certificate chain, private key, the CAs that client
// certificates are checked against), shared by every TLS listener (Kafka and HTTP). PEM files;
// TLS 1.2 and later only. Reload() reads the files again (SIGHUP): connections accepted after it
// use the new certificate, connections already open keep theirs.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <memory>
#include <string>
#include <utility>  // Boost 1.74's awaitable.hpp uses std::exchange without including it

#include <boost/asio/ssl.hpp>

#include "base/mutex.h"
#include "base/status.h"

namespace herald::net {

// Whether a client must present a certificate signed by one of ca_file's CAs.
enum class ClientAuth { kNone, kRequested, kRequired };

// "none", "requested" or "required"; kInvalidArgument otherwise.
Result<ClientAuth> ParseClientAuth(const std::string& text);

struct TlsOptions {
  std::string cert_file;  // the server's certificate chain (PEM), leaf first
  std::string key_file;   // its private key (PEM, not encrypted)
  std::string ca_file;    // CAs for client certificates (PEM); needed unless client_auth is kNone
  ClientAuth client_auth = ClientAuth::kNone;
};

class TlsContext {
 public:
  // Reads the files. kInvalidArgument naming the file and OpenSSL's reason when one does not
  // load, or when the key does not match the certificate.
  static Result<std::shared_ptr<TlsContext>> Load(TlsOptions options);

  // The context new connections take (a connection keeps the one it took).
  std::shared_ptr<boost::asio::ssl::context> Current() const;
  // Reads the files again; on an error the current context stays.
  Status Reload();

  const TlsOptions& options() const { return options_; }

 private:
  explicit TlsContext(TlsOptions options) : options_(std::move(options)) {}
  static Result<std::shared_ptr<boost::asio::ssl::context>> Build(const TlsOptions& options);

  const TlsOptions options_;
  mutable Mutex mu_;
  std::shared_ptr<boost::asio::ssl::context> current_ GUARDED_BY(mu_);
};

}  // namespace herald::net
