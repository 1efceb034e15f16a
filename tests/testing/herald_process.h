// A real `herald serve` child process on a free loopback port, for integration tests.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace herald::testing {

class HeraldProcess {
 public:
  // Starts `herald serve` on `data_dir` with free Kafka and HTTP ports and waits until both
  // accept connections. When `extra_args` set the Kafka listeners (--listeners, or listeners= in
  // a --config file), they are used as given, and bootstrap() is the first one's address.
  // Extra arguments go after `serve`. Aborts the test (throws) when it does not come up in 15 s.
  HeraldProcess(const std::string& data_dir, std::vector<std::string> extra_args = {},
                const std::string& log_format = "text");
  ~HeraldProcess();  // SIGKILL if still running
  HeraldProcess(const HeraldProcess&) = delete;
  HeraldProcess& operator=(const HeraldProcess&) = delete;

  const std::string& bootstrap() const { return bootstrap_; }
  uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  // Whether the process is still running (not exited, not killed).
  bool Alive() const;
  // The HTTP listener: "http://127.0.0.1:PORT".
  const std::string& http_url() const { return http_url_; }
  // SIGTERM, then waits; returns the exit code (-1 if it did not exit within 20 s or died by a
  // signal).
  int Stop();
  // SIGKILL, then waits.
  void Kill();
  // Everything the process wrote to stderr so far.
  std::string Log() const;
  // Prints the last `bytes` of Log() to stderr, for a test that failed.
  void PrintLogTail(size_t bytes = 4000) const;

 private:
  pid_t pid_ = -1;
  uint16_t port_ = 0;
  std::string bootstrap_;
  uint16_t http_port_ = 0;
  std::string http_url_;
  std::string log_path_;
};

}  // namespace herald::testing
