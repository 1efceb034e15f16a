#include "herald_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>

#include <fmt/format.h>

namespace herald::bench {
namespace {

bool CanConnect(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

uint16_t FreeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = 0;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

Status HeraldServer::Start(const std::string& binary, const std::string& dir) {
  const uint16_t kafka_port = FreeLoopbackPort();
  uint16_t http_port = FreeLoopbackPort();
  while (http_port == kafka_port) http_port = FreeLoopbackPort();
  bootstrap_ = fmt::format("127.0.0.1:{}", kafka_port);
  http_url_ = fmt::format("http://127.0.0.1:{}", http_port);
  const std::string http_addr = fmt::format("127.0.0.1:{}", http_port);
  const std::string log = dir + "/broker.log";
  const std::string data = dir + "/data";
  pid_ = ::fork();
  if (pid_ < 0) return Internal("fork failed");
  if (pid_ == 0) {
    if (!std::freopen(log.c_str(), "w", stderr) || !std::freopen(log.c_str(), "a", stdout)) {
      ::_exit(126);
    }
    ::execl(binary.c_str(), binary.c_str(), "--log-level", "warn", "serve", "--data-dir",
            data.c_str(), "--kafka-addr", bootstrap_.c_str(), "--http-addr", http_addr.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  for (int i = 0; i < 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (CanConnect(kafka_port) && CanConnect(http_port)) return Status::Ok();
  }
  return Unavailable("the benchmark's broker did not start; see {}", log);
}

double HeraldServer::PeakRssMiB() const {
  std::ifstream status(fmt::format("/proc/{}/status", pid_));
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmHWM:")) return std::stod(line.substr(6)) / 1024.0;
  }
  return 0;
}

HeraldServer::~HeraldServer() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
}

}  // namespace herald::bench
