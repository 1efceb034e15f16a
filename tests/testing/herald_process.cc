#include "testing/herald_process.h"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <thread>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/net.h"

namespace herald::testing {
namespace {

int WaitExit(pid_t pid, std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return -1;
}

// Whether the HTTP listener on 127.0.0.1:`port` answers GET /readyz (whatever its status). Serve
// starts its HTTP listeners last, so an answer means the broker finished starting; a port that
// accepts connections only means it is bound, which happens before the storage is opened.
bool AnswersHttp(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  timeval timeout{.tv_sec = 1, .tv_usec = 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const std::string request = "GET /readyz HTTP/1.0\r\n\r\n";
  char answer[8] = {};
  const bool answered =
      ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(request.size()) &&
      ::recv(fd, answer, sizeof(answer), MSG_WAITALL) == static_cast<ssize_t>(sizeof(answer)) &&
      std::string_view(answer, sizeof(answer)).starts_with("HTTP/1.");
  ::close(fd);
  return answered;
}

// The Kafka listeners `args` set themselves (--listeners, or listeners= in a --config file), as
// that value; empty when they leave them to HeraldProcess.
std::string ListenersIn(const std::vector<std::string>& args) {
  for (size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == "--listeners") return args[i + 1];
  }
  for (size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] != "--config") continue;
    std::ifstream in(args[i + 1]);
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("listeners=", 0) == 0)
        return line.substr(std::string_view("listeners=").size());
    }
  }
  return {};
}

}  // namespace

HeraldProcess::HeraldProcess(const std::string& data_dir, std::vector<std::string> extra_args,
                             const std::string& log_format) {
  // Listeners the arguments set: the first one is the bootstrap (NAME://127.0.0.1:PORT,...).
  const std::string listeners = ListenersIn(extra_args);
  if (listeners.empty()) {
    port_ = FreeLoopbackPort();
    bootstrap_ = "127.0.0.1:" + std::to_string(port_);
  } else {
    const size_t start = listeners.find("://") + 3;
    bootstrap_ = listeners.substr(start, listeners.find(',', start) - start);
    port_ = static_cast<uint16_t>(std::stoi(bootstrap_.substr(bootstrap_.rfind(':') + 1)));
  }
  do {
    http_port_ = FreeLoopbackPort();
  } while (http_port_ == port_);
  http_url_ = "http://127.0.0.1:" + std::to_string(http_port_);
  log_path_ = data_dir + ".log";
  std::vector<std::string> args = {
      HERALD_BINARY, "--log-format", log_format,    "serve",
      "--data-dir",  data_dir,       "--http-addr", "127.0.0.1:" + std::to_string(http_port_)};
  if (listeners.empty()) {
    args.push_back("--kafka-addr");
    args.push_back(bootstrap_);
  }
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    int fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, STDERR_FILENO);
      ::dup2(fd, STDOUT_FILENO);
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (!CanConnectLoopback(port_) || !AnswersHttp(http_port_)) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("herald serve exited at start: " + Log());
    }
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("herald serve did not start within 15 s: " + Log());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

HeraldProcess::~HeraldProcess() { Kill(); }

void HeraldProcess::PrintLogTail(size_t bytes) const {
  std::string log = Log();
  if (log.size() > bytes) log = log.substr(log.size() - bytes);
  std::fprintf(stderr, "--- server log (tail) ---\n%s\n", log.c_str());
}

bool HeraldProcess::Alive() const {
  if (pid_ <= 0) return false;
  // Not reaped here (WNOWAIT): Stop and Kill still wait for it.
  siginfo_t info{};
  if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
    return false;
  }
  return info.si_pid == 0;
}

int HeraldProcess::Stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int code = WaitExit(pid_, std::chrono::seconds(20));
  if (code == -1) Kill();
  pid_ = -1;
  return code;
}

void HeraldProcess::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

std::string HeraldProcess::Log() const {
  std::ifstream in(log_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace herald::testing
