#include "compare_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "base/net.h"

extern char** environ;

namespace herald::bench {
namespace {

using Clock = std::chrono::steady_clock;

std::string Quote(const std::string& s) {
  if (!s.empty() && s.find_first_of(" \t'\"$\\;&|<>*?()") == std::string::npos) return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// argv and envp arrays built before fork, so the child only calls async-signal-safe functions.
struct ExecArgs {
  std::string path;
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::vector<char*> argv;
  std::vector<char*> envp;

  ExecArgs(std::string p, const std::vector<std::string>& a, const ChildProcess::Env& extra)
      : path(std::move(p)), args(a) {
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
      std::string_view entry(*e);
      std::string_view key = entry.substr(0, entry.find('='));
      bool overridden = false;
      for (const auto& [k, v] : extra) overridden = overridden || k == key;
      if (!overridden) env.emplace_back(entry);
    }
    for (const auto& [k, v] : extra) env.push_back(fmt::format("{}={}", k, v));
    for (auto& s : args) argv.push_back(s.data());
    argv.push_back(nullptr);
    for (auto& s : env) envp.push_back(s.data());
    envp.push_back(nullptr);
  }
};

// In the child: own process group, die with the parent, the given stdout/stderr, no inherited
// descriptors beyond those, then exec. Never returns.
[[noreturn]] void ExecChild(const ExecArgs& exec, pid_t parent, const char* cwd, int out_fd) {
  ::setpgid(0, 0);
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (::getppid() != parent) ::_exit(125);
  if (cwd != nullptr && ::chdir(cwd) != 0) ::_exit(126);
  int null_fd = ::open("/dev/null", O_RDONLY);
  if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
  ::dup2(out_fd, STDOUT_FILENO);
  ::dup2(out_fd, STDERR_FILENO);
  ::close_range(3, ~0U, 0);
  ::execve(exec.path.c_str(), exec.argv.data(), exec.envp.data());
  ::_exit(127);
}

std::string DescribeExit(const siginfo_t& info) {
  if (info.si_code == CLD_EXITED) return fmt::format("exited with status {}", info.si_status);
  return fmt::format("was killed by signal {}", info.si_status);
}

}  // namespace

std::string FindExecutable(const std::string& name) {
  if (name.find('/') != std::string::npos) return ::access(name.c_str(), X_OK) == 0 ? name : "";
  const char* env_path = std::getenv("PATH");
  // Servers live in sbin, which a non-root PATH may lack.
  std::string path = fmt::format("{}:/usr/local/sbin:/usr/sbin:/sbin", env_path ? env_path : "");
  std::stringstream dirs(path);
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (dir.empty()) continue;
    std::string candidate = fmt::format("{}/{}", dir, name);
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

Status ChildProcess::Start(const std::vector<std::string>& argv, const Env& env,
                           const std::string& cwd, const std::string& log_path) {
  HERALD_ASSERT(pid_ < 0, "a ChildProcess starts once");
  if (argv.empty()) return InvalidArgument("no command");
  std::string path = FindExecutable(argv[0]);
  if (path.empty()) return NotFound("{} is not installed (not found in PATH)", argv[0]);
  log_path_ = log_path;
  for (const auto& [k, v] : env) command_line_ += fmt::format("{}={} ", k, Quote(v));
  for (size_t i = 0; i < argv.size(); ++i) {
    command_line_ += fmt::format("{}{}", i ? " " : "", Quote(i == 0 ? path : argv[i]));
  }
  ExecArgs exec(path, argv, env);
  int out_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (out_fd < 0) return ErrnoStatus(errno, "open " + log_path);
  const pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ == 0) ExecChild(exec, parent, cwd.empty() ? nullptr : cwd.c_str(), out_fd);
  ::close(out_fd);
  if (pid_ < 0) return Internal("fork failed: {}", std::strerror(errno));
  // Also set the group from this side, so a Stop() right after Start() finds it.
  ::setpgid(pid_, pid_);
  return Status::Ok();
}

bool ChildProcess::Running(std::string* exit_description) {
  if (pid_ <= 0) return false;
  siginfo_t info{};
  // WNOWAIT: leave the zombie, so the process group id stays ours until Stop() reaps it.
  if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
      info.si_pid == pid_) {
    exited_ = true;
    if (exit_description) *exit_description = DescribeExit(info);
    return false;
  }
  return true;
}

void ChildProcess::Stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return;
  if (Running()) {
    ::kill(pid_, SIGTERM);
    const auto deadline = Clock::now() + grace;
    while (Running() && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  // Whatever is left in the group (the leader if it ignored SIGTERM, or children it left).
  ::kill(-pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

Status WaitForPort(ChildProcess& process, uint16_t port, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::string why;
  while (Clock::now() < deadline) {
    if (!process.Running(&why)) {
      return Unavailable("it {} before listening on 127.0.0.1:{}; {}: {}", why, port,
                         process.log_path(), TailOfFile(process.log_path()));
    }
    if (CanConnectLoopback(port)) return Status::Ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return Unavailable("it did not listen on 127.0.0.1:{} within {} s; {}: {}", port,
                     std::chrono::duration_cast<std::chrono::seconds>(timeout).count(),
                     process.log_path(), TailOfFile(process.log_path()));
}

std::string TailOfFile(const std::string& path, int max_lines) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    lines.push_back(line);
    if (lines.size() > static_cast<size_t>(max_lines)) lines.erase(lines.begin());
  }
  std::string out;
  for (const auto& l : lines) out += (out.empty() ? "" : " | ") + l;
  return out;
}

Result<CommandOutput> RunToCompletion(const std::vector<std::string>& argv,
                                      std::chrono::milliseconds timeout) {
  if (argv.empty()) return InvalidArgument("no command");
  std::string path = FindExecutable(argv[0]);
  if (path.empty()) return NotFound("{} is not installed (not found in PATH)", argv[0]);
  ExecArgs exec(path, argv, {});
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return ErrnoStatus(errno, "pipe");
  const pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid == 0) ExecChild(exec, parent, nullptr, fds[1]);
  ::close(fds[1]);
  if (pid > 0) ::setpgid(pid, pid);
  if (pid < 0) {
    ::close(fds[0]);
    return Internal("fork failed: {}", std::strerror(errno));
  }
  CommandOutput result;
  const auto deadline = Clock::now() + timeout;
  bool timed_out = false;
  char buf[4096];
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    ssize_t n = ::read(fds[0], buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    result.output.append(buf, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  if (timed_out) ::kill(-pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) return Unavailable("{} did not finish within {} ms", argv[0], timeout.count());
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

}  // namespace herald::bench
