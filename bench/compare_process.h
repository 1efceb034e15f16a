// Child processes for `herald bench compare`: the peer servers it starts (redis-server,
// nats-server, rabbitmq-server and its epmd) and the one-shot commands it runs to learn about them.
//
// A ChildProcess runs in its own process group with its output in a log file, and dies with its
// parent (PR_SET_PDEATHSIG). Stop() sends SIGTERM to the process, waits a grace period, then
// SIGKILLs what is left of its process group; the destructor calls Stop().
//
// Thread-safety: one object per thread; Start must be called from the thread that stays alive
// while the child runs (PR_SET_PDEATHSIG follows the forking thread).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "compare_system.h"

namespace herald::bench {

class ChildProcess {
 public:
  using Env = std::vector<std::pair<std::string, std::string>>;

  ChildProcess() = default;
  ~ChildProcess() { Stop(); }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Starts argv[0] (looked up in PATH when it has no '/') with argv, the current environment plus
  // `env` (which wins), in directory `cwd`, stdout and stderr appended to `log_path`.
  // OK once forked; kNotFound when the executable is not installed; kInternal when fork fails.
  Status Start(const std::vector<std::string>& argv, const Env& env, const std::string& cwd,
               const std::string& log_path);

  // True while the process has not exited. When it has, `exit_description` says how.
  bool Running(std::string* exit_description = nullptr);

  // SIGTERM, up to `grace` for it to exit, then SIGKILL to its whole process group. Idempotent.
  void Stop(std::chrono::milliseconds grace = std::chrono::seconds(20));

  pid_t pid() const { return pid_; }
  const std::string& log_path() const { return log_path_; }
  // The command line, shell-quoted where needed, with the extra environment in front.
  const std::string& command_line() const { return command_line_; }

 private:
  pid_t pid_ = -1;
  bool exited_ = false;
  std::string log_path_;
  std::string command_line_;
};

// Waits until 127.0.0.1:`port` accepts TCP connections. kUnavailable when `process` exits first
// (with how it exited) or when `timeout` passes; both messages end with the log's last lines.
Status WaitForPort(ChildProcess& process, uint16_t port, std::chrono::milliseconds timeout);

// The last `max_lines` lines of a text file (empty when it cannot be read).
std::string TailOfFile(const std::string& path, int max_lines = 5);

// Runs `argv` to completion (at most `timeout`), returning its exit code and its stdout and
// stderr combined. kNotFound when the executable is missing; kUnavailable on timeout.
struct CommandOutput {
  int exit_code = -1;
  std::string output;
};
Result<CommandOutput> RunToCompletion(const std::vector<std::string>& argv,
                                      std::chrono::milliseconds timeout = std::chrono::seconds(10));

// The absolute path of `name` in PATH (or `name` itself when it holds a '/'); empty when missing.
std::string FindExecutable(const std::string& name);

// A peer system whose server is one child process: Start keeps the config, runs StartServer and
// stops everything again when that fails; Stop stops the server.
class PeerSystem : public System {
 public:
  ~PeerSystem() override = default;  // derived destructors call Stop()
  Status Start(const SystemConfig& config) override {
    config_ = config;
    Status s = StartServer();
    if (!s.ok()) Stop();
    return s;
  }
  void Stop() override { server_.reset(); }
  std::string version() const override { return version_; }

 protected:
  // Starts the server (setting server_ and version_) and creates the destination.
  virtual Status StartServer() = 0;

  SystemConfig config_;
  std::unique_ptr<ChildProcess> server_;
  std::string version_ = "unknown";
};

}  // namespace herald::bench
