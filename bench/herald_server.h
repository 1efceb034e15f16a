// A `herald serve` child process for benchmarks: its own data directory under a scratch
// directory, free loopback ports for Kafka and HTTP, stopped (SIGTERM) when destroyed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "compare_process.h"

namespace herald::bench {

class HeraldServer {
 public:
  HeraldServer() = default;
  HeraldServer(const HeraldServer&) = delete;
  HeraldServer& operator=(const HeraldServer&) = delete;

  // A certificate and key for a TLS Kafka listener beside the plain one.
  struct TlsFiles {
    std::string cert;
    std::string key;
  };

  // Starts `binary` serve with data in `dir`/data and its log in `dir`/broker.log, and waits until
  // its listeners accept connections. kUnavailable when it does not come up within 10 s.
  // `extra`: more serve flags (--sasl-mechanisms, ...).
  Status Start(const std::string& binary, const std::string& dir,
               const std::optional<TlsFiles>& tls = std::nullopt,
               const std::vector<std::string>& extra = {});

  const std::string& bootstrap() const { return bootstrap_; }  // 127.0.0.1:PORT
  const std::string& tls_bootstrap() const { return tls_bootstrap_; }  // with TlsFiles
  const std::string& http_url() const { return http_url_; }    // http://127.0.0.1:PORT
  // The broker's peak resident memory so far (VmHWM), in MiB.
  double PeakRssMiB() const;

 private:
  ChildProcess process_;  // SIGTERM on destruction
  std::string bootstrap_;
  std::string tls_bootstrap_;
  std::string http_url_;
};

}  // namespace herald::bench
