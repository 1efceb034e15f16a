#include "herald_server.h"

#include <chrono>
#include <fstream>
#include <vector>

#include <fmt/format.h>

#include "base/net.h"

namespace herald::bench {

Status HeraldServer::Start(const std::string& binary, const std::string& dir,
                           const std::optional<TlsFiles>& tls,
                           const std::vector<std::string>& extra) {
  const uint16_t kafka_port = FreeLoopbackPort();
  uint16_t http_port = FreeLoopbackPort();
  while (http_port == kafka_port) http_port = FreeLoopbackPort();
  bootstrap_ = fmt::format("127.0.0.1:{}", kafka_port);
  http_url_ = fmt::format("http://127.0.0.1:{}", http_port);
  std::vector<std::string> args = {binary,         "--log-level",
                                   "warn",         "serve",
                                   "--data-dir",   dir + "/data",
                                   "--kafka-addr", bootstrap_,
                                   "--http-addr",  fmt::format("127.0.0.1:{}", http_port)};
  uint16_t tls_port = 0;
  if (tls) {
    do {
      tls_port = FreeLoopbackPort();
    } while (tls_port == kafka_port || tls_port == http_port);
    tls_bootstrap_ = fmt::format("127.0.0.1:{}", tls_port);
    args.insert(args.end(), {"--kafka-tls-addr", tls_bootstrap_, "--tls-cert", tls->cert,
                             "--tls-key", tls->key});
  }
  args.insert(args.end(), extra.begin(), extra.end());
  HERALD_RETURN_IF_ERROR(process_.Start(args, {}, dir, dir + "/broker.log"));
  HERALD_RETURN_IF_ERROR(WaitForPort(process_, kafka_port, std::chrono::seconds(10)));
  if (tls) HERALD_RETURN_IF_ERROR(WaitForPort(process_, tls_port, std::chrono::seconds(10)));
  return WaitForPort(process_, http_port, std::chrono::seconds(10));
}

double HeraldServer::PeakRssMiB() const {
  std::ifstream status(fmt::format("/proc/{}/status", process_.pid()));
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmHWM:")) return std::stod(line.substr(6)) / 1024.0;
  }
  return 0;
}

}  // namespace herald::bench
