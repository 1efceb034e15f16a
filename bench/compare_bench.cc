#include "compare_bench.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "elapsed.h"

namespace herald::bench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kStallLimit = std::chrono::seconds(60);

double MiB(uint64_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

// ---- Interruption: SIGINT/SIGTERM end the phases, so every server is still stopped. ----------

std::atomic<bool> g_interrupted{false};

extern "C" void OnInterrupt(int) { g_interrupted.store(true); }

class SignalGuard {
 public:
  SignalGuard() {
    g_interrupted.store(false);
    struct sigaction sa {};
    sa.sa_handler = OnInterrupt;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGINT, &sa, &old_int_);
    ::sigaction(SIGTERM, &sa, &old_term_);
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    ::sigaction(SIGPIPE, &ignore, &old_pipe_);  // a server that dies must not kill us
  }
  ~SignalGuard() {
    ::sigaction(SIGINT, &old_int_, nullptr);
    ::sigaction(SIGTERM, &old_term_, nullptr);
    ::sigaction(SIGPIPE, &old_pipe_, nullptr);
  }
  SignalGuard(const SignalGuard&) = delete;
  SignalGuard& operator=(const SignalGuard&) = delete;

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
  struct sigaction old_pipe_ {};
};

Status CheckInterrupted() {
  return g_interrupted.load() ? Unavailable("interrupted") : Status::Ok();
}

// ---- Progress ------------------------------------------------------------------------------

// One line per phase: a redrawn bar when stderr is a terminal, else only the final figure.
class ProgressLine {
 public:
  ProgressLine(std::ostream& out, bool bar, std::string_view system, std::string_view phase,
               uint64_t total)
      : out_(out), bar_(bar), label_(fmt::format("  {:<9} {:<12}", system, phase)),
        total_(total), start_(Clock::now()) {}

  void Update(uint64_t done) {
    if (!bar_) return;
    auto now = Clock::now();
    if (now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    constexpr int kWidth = 30;
    double fraction =
        total_ ? std::min(1.0, static_cast<double>(done) / static_cast<double>(total_)) : 1.0;
    int filled = static_cast<int>(fraction * kWidth);
    double rate = static_cast<double>(done) / std::max(1e-9, SecondsSince(start_));
    out_ << fmt::format("\r\033[K{}[{}{}] {:>3.0f}%  {:.0f} msgs/s", label_,
                        std::string(static_cast<size_t>(filled), '#'),
                        std::string(static_cast<size_t>(kWidth - filled), '.'), fraction * 100,
                        rate)
         << std::flush;
  }

  void Finish(std::string_view summary) {
    out_ << fmt::format("{}{}{}\n", bar_ ? "\r\033[K" : "", label_, summary) << std::flush;
  }

 private:
  std::ostream& out_;
  bool bar_;
  std::string label_;
  uint64_t total_;
  Clock::time_point start_;
  Clock::time_point last_draw_{};
};

// ---- Payloads: the time the message was due, its sequence number, then filler. --------------

constexpr size_t kHeaderBytes = 16;

class PayloadWriter {
 public:
  explicit PayloadWriter(uint64_t size) : buf_(size, '\0') {
    uint32_t x = 2463534242u;  // xorshift: filler that does not compress
    for (size_t i = kHeaderBytes; i < buf_.size(); ++i) {
      x ^= x << 13;
      x ^= x >> 17;
      x ^= x << 5;
      buf_[i] = static_cast<char>('a' + x % 26);
    }
  }
  std::string_view Stamp(Clock::time_point due, uint64_t seq) {
    int64_t ns = due.time_since_epoch().count();
    std::memcpy(buf_.data(), &ns, sizeof(ns));
    std::memcpy(buf_.data() + 8, &seq, sizeof(seq));
    return buf_;
  }

 private:
  std::string buf_;
};

std::optional<Clock::time_point> DueTime(std::string_view payload) {
  if (payload.size() < kHeaderBytes) return std::nullopt;
  int64_t ns = 0;
  std::memcpy(&ns, payload.data(), sizeof(ns));
  return Clock::time_point(Clock::duration(ns));
}

ThroughputFigures Figures(uint64_t messages, uint64_t bytes, double seconds) {
  ThroughputFigures f;
  f.messages = messages;
  f.seconds = seconds;
  f.msgs_s = seconds > 0 ? static_cast<double>(messages) / seconds : 0;
  f.mb_s = seconds > 0 ? MiB(bytes) / seconds : 0;
  return f;
}

// ---- Workloads -------------------------------------------------------------------------------

// 1. `count` messages as fast as acknowledgements allow, at most `window` unacknowledged.
Result<ThroughputFigures> PublishAtMaxRate(Publisher& publisher, const CompareOptions& o,
                                           ProgressLine& line) {
  PayloadWriter payload(o.record_size);
  uint64_t sent = 0, acked = 0;
  const auto start = Clock::now();
  auto last_ack = start;
  while (acked < o.count) {
    HERALD_RETURN_IF_ERROR(CheckInterrupted());
    while (sent < o.count && sent - acked < o.window) {
      HERALD_RETURN_IF_ERROR(publisher.Send(payload.Stamp(Clock::now(), sent)));
      ++sent;
    }
    HERALD_ASSIGN_OR_RETURN(uint64_t n, publisher.PollAcks(100));
    acked += n;
    if (acked > sent) return Internal("{} acknowledgements for {} messages sent", acked, sent);
    if (n > 0) {
      last_ack = Clock::now();
    } else if (Clock::now() - last_ack > kStallLimit) {
      return Unavailable("no acknowledgement for {} s ({} of {} acknowledged)",
                         kStallLimit.count(), acked, o.count);
    }
    line.Update(acked);
  }
  return Figures(acked, acked * o.record_size, SecondsSince(start));
}

// 2. The backlog of `count` messages. The clock starts at the first message, so connecting and
//    subscribing (synchronous in some clients, in the background in others) are not counted.
Result<ThroughputFigures> ConsumeBacklog(Consumer& consumer, const CompareOptions& o,
                                         ProgressLine& line) {
  uint64_t got = 0, bytes = 0;
  std::optional<Clock::time_point> first;
  auto on_message = [&](std::string_view payload) {
    if (!first) first = Clock::now();
    ++got;
    bytes += payload.size();
  };
  const auto subscribed = Clock::now();
  auto last_message = subscribed;
  while (got < o.count) {
    HERALD_RETURN_IF_ERROR(CheckInterrupted());
    HERALD_ASSIGN_OR_RETURN(uint64_t n, consumer.Poll(100, on_message));
    if (n > 0) {
      last_message = Clock::now();
    } else if (Clock::now() - last_message > kStallLimit) {
      return Unavailable("no message for {} s ({} of {} consumed)", kStallLimit.count(), got,
                         o.count);
    }
    line.Update(got);
  }
  ThroughputFigures f = Figures(got, bytes, SecondsSince(*first));
  f.first_message_ms = std::chrono::duration<double, std::milli>(*first - subscribed).count();
  return f;
}

double Percentile(const std::vector<int64_t>& sorted_ns, double q) {
  if (sorted_ns.empty()) return 0;
  size_t i = std::min(sorted_ns.size() - 1,
                      static_cast<size_t>(q * static_cast<double>(sorted_ns.size())));
  return static_cast<double>(sorted_ns[i]) / 1e6;
}

// Before the fixed-rate phase: a few messages through both clients, so each is connected and
// subscribed (some clients do that in the background) before anything is timed.
constexpr uint64_t kWarmUpMessages = 100;

Status WarmUp(Publisher& publisher, Consumer& consumer, const CompareOptions& o) {
  const uint64_t n = std::min(kWarmUpMessages, o.window);
  PayloadWriter payload(o.record_size);
  for (uint64_t i = 0; i < n; ++i) {
    HERALD_RETURN_IF_ERROR(publisher.Send(payload.Stamp(Clock::now(), i)));
  }
  uint64_t acked = 0, received = 0;
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  while (acked < n || received < n) {
    HERALD_RETURN_IF_ERROR(CheckInterrupted());
    if (Clock::now() > deadline) {
      return Unavailable("warm-up: {} of {} acknowledged, {} received after 30 s", acked, n,
                         received);
    }
    if (acked < n) {
      HERALD_ASSIGN_OR_RETURN(uint64_t a, publisher.PollAcks(10));
      acked += a;
    }
    if (received < n) {
      HERALD_ASSIGN_OR_RETURN(uint64_t r, consumer.Poll(10, [](std::string_view) {}));
      received += r;
    }
  }
  return Status::Ok();
}

// 3. `total` messages at `rate` with a consumer running concurrently; latency from the time each
//    message was due to its receipt.
Result<LatencyFigures> PublishAtFixedRate(Publisher& publisher, Consumer& consumer, double rate,
                                          uint64_t total, const CompareOptions& o,
                                          ProgressLine& line) {
  std::vector<int64_t> latencies_ns;  // consumer thread until joined
  latencies_ns.reserve(total);
  std::atomic<uint64_t> received{0};
  std::atomic<uint64_t> expected{total};
  std::atomic<bool> stop{false};
  std::atomic<bool> consumer_failed{false};
  Status consumer_status;  // consumer thread until joined
  Clock::time_point last_receive{};
  std::thread consumer_thread([&] {
    auto on_message = [&](std::string_view payload) {
      auto now = Clock::now();
      if (auto due = DueTime(payload)) latencies_ns.push_back((now - *due).count());
      last_receive = now;
      received.fetch_add(1, std::memory_order_relaxed);
    };
    while (!stop.load() && received.load() < expected.load()) {
      auto polled = consumer.Poll(50, on_message);
      if (!polled.ok()) {
        consumer_status = polled.status();
        consumer_failed.store(true);
        return;
      }
    }
  });
  struct Joiner {
    std::thread& t;
    std::atomic<bool>& stop;
    ~Joiner() {
      stop.store(true);
      if (t.joinable()) t.join();
    }
  } joiner{consumer_thread, stop};

  PayloadWriter payload(o.record_size);
  const auto interval = std::chrono::duration<double>(1.0 / rate);
  const auto t0 = Clock::now() + std::chrono::milliseconds(20);
  auto due_at = [&](uint64_t i) {
    return t0 + std::chrono::duration_cast<Clock::duration>(interval * static_cast<double>(i));
  };
  const auto give_up = due_at(total) + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(
                                               static_cast<double>(total) / rate + 30));
  uint64_t sent = 0, acked = 0;
  uint64_t to_send = total;
  Clock::time_point last_send{};
  auto last_ack = Clock::now();
  while (sent < to_send || acked < sent) {
    HERALD_RETURN_IF_ERROR(CheckInterrupted());
    if (consumer_failed.load()) break;
    auto now = Clock::now();
    if (sent < to_send && now > give_up) to_send = sent;  // hopelessly behind: stop here
    while (sent < to_send && sent - acked < o.window && due_at(sent) <= now) {
      HERALD_RETURN_IF_ERROR(publisher.Send(payload.Stamp(due_at(sent), sent)));
      ++sent;
      last_send = Clock::now();
    }
    const bool may_send = sent < to_send && sent - acked < o.window;
    int wait_ms = 5;  // window full or all sent: wait for acknowledgements
    if (may_send) {
      auto until = due_at(sent) - Clock::now();
      auto until_ms = std::chrono::duration_cast<std::chrono::milliseconds>(until).count();
      wait_ms = static_cast<int>(std::max<int64_t>(0, until_ms));
    }
    HERALD_ASSIGN_OR_RETURN(uint64_t n, publisher.PollAcks(std::min(wait_ms, 50)));
    acked += n;
    if (n > 0) {
      last_ack = Clock::now();
    } else if (acked < sent && Clock::now() - last_ack > kStallLimit) {
      return Unavailable("no acknowledgement for {} s", kStallLimit.count());
    }
    if (may_send && Clock::now() < due_at(sent)) {
      // Early (an acknowledgement came, or the next message is due in under 1 ms): wait for it
      // rather than spin, which would take a core from the server on a small machine.
      std::this_thread::sleep_until(due_at(sent));
    }
    line.Update(received.load());
  }
  expected.store(sent);
  // The consumer catches up with what was acknowledged.
  const auto drain_deadline = Clock::now() + std::chrono::seconds(30);
  while (!consumer_failed.load() && received.load() < sent && Clock::now() < drain_deadline) {
    HERALD_RETURN_IF_ERROR(CheckInterrupted());
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    line.Update(received.load());
  }
  stop.store(true);
  consumer_thread.join();
  HERALD_RETURN_IF_ERROR(consumer_status);
  if (sent == 0) return Unavailable("nothing was published");
  if (received.load() < sent) {
    return Unavailable("the consumer received {} of {} messages", received.load(), sent);
  }
  LatencyFigures f;
  f.target_rate = rate;
  f.messages = latencies_ns.size();
  double seconds = std::chrono::duration<double>(last_receive - t0).count();
  f.achieved_rate = seconds > 0 ? static_cast<double>(received.load()) / seconds : 0;
  // Sustained: everything was sent, the last message no later than 1 s (or 10%) after its slot.
  double last_lag = std::chrono::duration<double>(last_send - due_at(sent - 1)).count();
  f.sustained = sent == total && last_lag < std::max(1.0, 0.1 * static_cast<double>(total) / rate);
  std::sort(latencies_ns.begin(), latencies_ns.end());
  f.p50_ms = Percentile(latencies_ns, 0.50);
  f.p99_ms = Percentile(latencies_ns, 0.99);
  f.p999_ms = Percentile(latencies_ns, 0.999);
  f.max_ms = latencies_ns.empty() ? 0 : static_cast<double>(latencies_ns.back()) / 1e6;
  return f;
}

// ---- The machine's limits --------------------------------------------------------------------

// Sequential writes of 1 MiB, each followed by fdatasync.
Result<double> MeasureDiskWrite(const std::string& dir, uint64_t bytes) {
  const std::string path = dir + "/disk-probe.bin";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoStatus(errno, "open " + path);
  constexpr size_t kChunk = 1 << 20;
  PayloadWriter chunk(kChunk);
  std::string_view data = chunk.Stamp(Clock::now(), 0);
  const auto start = Clock::now();
  Status status;
  for (uint64_t written = 0; written < bytes && status.ok(); written += kChunk) {
    for (size_t off = 0; off < kChunk;) {
      ssize_t n = ::write(fd, data.data() + off, kChunk - off);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        status = ErrnoStatus(errno, "write " + path);
        break;
      }
      off += static_cast<size_t>(n);
    }
    if (status.ok() && ::fdatasync(fd) != 0) status = ErrnoStatus(errno, "fdatasync " + path);
  }
  double seconds = SecondsSince(start);
  ::close(fd);
  ::unlink(path.c_str());
  HERALD_RETURN_IF_ERROR(status);
  return MiB(bytes) / seconds;
}

// One TCP connection over 127.0.0.1 for about `seconds`: a writer thread, a reader here.
Result<double> MeasureLoopback(double seconds) {
  int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listener < 0) return ErrnoStatus(errno, "socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(listener, 1) != 0 ||
      ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    int err = errno;
    ::close(listener);
    return ErrnoStatus(err, "listen on loopback");
  }
  int client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (client < 0 || ::connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    int err = errno;
    if (client >= 0) ::close(client);
    ::close(listener);
    return ErrnoStatus(err, "connect on loopback");
  }
  int server = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
  ::close(listener);
  if (server < 0) {
    ::close(client);
    return ErrnoStatus(errno, "accept on loopback");
  }
  constexpr size_t kChunk = 256 << 10;
  const auto start = Clock::now();
  const auto stop_at = start + std::chrono::duration_cast<Clock::duration>(
                                   std::chrono::duration<double>(seconds));
  std::thread writer([client, stop_at] {
    std::string buf(kChunk, 'x');
    while (Clock::now() < stop_at) {
      if (::send(client, buf.data(), buf.size(), MSG_NOSIGNAL) <= 0) break;
    }
    ::shutdown(client, SHUT_WR);
  });
  std::string buf(kChunk, '\0');
  uint64_t total = 0;
  while (true) {
    ssize_t n = ::recv(server, buf.data(), buf.size(), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    total += static_cast<uint64_t>(n);
  }
  double elapsed = SecondsSince(start);
  writer.join();
  ::close(client);
  ::close(server);
  return MiB(total) / elapsed;
}

// One probe of both limits, added to `m`; the limit is the best probe (this shared virtual disk
// varies several-fold within minutes, so the run probes at its start and at its end).
void MeasureMachine(const CompareOptions& o, const std::string& scratch, std::string_view when,
                    MachineLimits& m, std::ostream& progress) {
  m.cores = static_cast<int>(std::thread::hardware_concurrency());
  utsname u{};
  if (::uname(&u) == 0) m.kernel = fmt::format("{} {} {}", u.sysname, u.release, u.machine);
  m.disk_probe_bytes = std::clamp<uint64_t>(o.count * o.record_size, uint64_t{32} << 20,
                                            uint64_t{256} << 20);
  auto disk = MeasureDiskWrite(scratch, m.disk_probe_bytes);
  if (disk.ok()) {
    m.disk_probes_mb_s.push_back(*disk);
    m.disk_write_fdatasync_mb_s = std::max(m.disk_write_fdatasync_mb_s, *disk);
  }
  auto loopback = MeasureLoopback(1.0);
  if (loopback.ok()) {
    m.loopback_probes_mb_s.push_back(*loopback);
    m.loopback_tcp_mb_s = std::max(m.loopback_tcp_mb_s, *loopback);
  }
  progress << fmt::format("  {:<9} {:<12}write+fdatasync (1 MiB) {:.1f} MB/s{}; loopback TCP "
                          "{:.0f} MB/s{}\n",
                          "machine", when, disk.ok() ? *disk : 0.0,
                          disk.ok() ? "" : fmt::format(" ({})", disk.status().message()),
                          loopback.ok() ? *loopback : 0.0,
                          loopback.ok() ? "" : fmt::format(" ({})", loopback.status().message()));
}

// ---- Orchestration ---------------------------------------------------------------------------

std::string UtcNow() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Flushes dirty pages, so one system's writeback does not land on the next one's measurement.
void SettleDisk() { ::sync(); }

// Starts `name` on a fresh directory. nullptr and `error` set when it does not come up.
std::unique_ptr<System> StartSystem(const std::string& name, const SystemConfig& config,
                                    std::string* error) {
  std::error_code ec;
  std::filesystem::remove_all(config.dir, ec);
  std::filesystem::create_directories(config.dir, ec);
  if (ec) {
    *error = fmt::format("cannot create {}: {}", config.dir, ec.message());
    return nullptr;
  }
  auto system = MakeSystem(name);
  Status started = system->Start(config);
  if (!started.ok()) {
    *error = started.message();
    return nullptr;
  }
  return system;
}

void StopSystem(std::unique_ptr<System>& system, const std::string& dir) {
  system->Stop();
  system.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  SettleDisk();
}

// Phases 1 and 2 on a running system.
Status RunThroughput(System& system, const CompareOptions& o, SystemResult& r,
                     std::ostream& progress) {
  {
    HERALD_ASSIGN_OR_RETURN(auto publisher, system.NewPublisher());
    ProgressLine line(progress, o.progress_bar, r.name, "publish", o.count);
    auto published = PublishAtMaxRate(*publisher, o, line);
    if (!published.ok()) {
      line.Finish("failed");
      return published.status().WithContext("publish");
    }
    r.publish = *published;
    line.Finish(fmt::format("{:>9.0f} msgs/s {:>7.1f} MB/s", r.publish->msgs_s, r.publish->mb_s));
  }
  HERALD_ASSIGN_OR_RETURN(auto consumer, system.NewConsumer());
  ProgressLine line(progress, o.progress_bar, r.name, "consume", o.count);
  auto consumed = ConsumeBacklog(*consumer, o, line);
  if (!consumed.ok()) {
    line.Finish("failed");
    return consumed.status().WithContext("consume");
  }
  r.consume = *consumed;
  line.Finish(fmt::format("{:>9.0f} msgs/s {:>7.1f} MB/s", r.consume->msgs_s, r.consume->mb_s));
  return Status::Ok();
}

// Phase 3 on a running (fresh) system.
Status RunLatency(System& system, const CompareOptions& o, double rate, uint64_t total,
                  SystemResult& r, std::ostream& progress) {
  HERALD_ASSIGN_OR_RETURN(auto consumer, system.NewConsumer());
  HERALD_ASSIGN_OR_RETURN(auto publisher, system.NewPublisher());
  {
    Status warm = WarmUp(*publisher, *consumer, o);
    if (!warm.ok()) return warm.WithContext("fixed-rate publish");
  }
  ProgressLine line(progress, o.progress_bar, r.name, "fixed rate", total);
  auto latency = PublishAtFixedRate(*publisher, *consumer, rate, total, o, line);
  if (!latency.ok()) {
    line.Finish("failed");
    return latency.status().WithContext("fixed-rate publish");
  }
  r.latency = *latency;
  line.Finish(fmt::format("{:.0f} msgs/s{}: p50 {:.2f} ms, p99 {:.2f} ms, p99.9 {:.2f} ms",
                          r.latency->achieved_rate, r.latency->sustained ? "" : " (fell behind)",
                          r.latency->p50_ms, r.latency->p99_ms, r.latency->p999_ms));
  return Status::Ok();
}

Status Validate(const CompareOptions& o) {
  if (o.systems.empty()) return InvalidArgument("no systems to compare");
  for (const auto& s : o.systems) {
    if (!MakeSystem(s)) {
      return InvalidArgument("unknown system '{}' (known: herald, rabbitmq, redis, nats)", s);
    }
  }
  if (o.record_size < kHeaderBytes) {
    return InvalidArgument("--record-size must be at least {} bytes (the timestamp header)",
                           kHeaderBytes);
  }
  if (o.count == 0 || o.window == 0) {
    return InvalidArgument("--count and --window must be positive");
  }
  if (o.rate < 0 || o.latency_seconds <= 0) {
    return InvalidArgument("--rate must be >= 0 and --latency-seconds > 0");
  }
  if (o.partitions < 1) return InvalidArgument("--partitions must be positive");
  return Status::Ok();
}

}  // namespace

std::string_view DurabilityName(Durability d) { return d == Durability::kFsync ? "fsync" : "os"; }

std::unique_ptr<System> MakeSystem(std::string_view name) {
  if (name == "herald") return MakeHeraldSystem();
  if (name == "rabbitmq") return MakeRabbitMqSystem();
  if (name == "redis") return MakeRedisSystem();
  if (name == "nats") return MakeNatsSystem();
  return nullptr;
}

const SystemResult* CompareReport::Find(std::string_view name) const {
  for (const auto& s : systems) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

Result<CompareReport> RunCompareBench(const CompareOptions& o, std::ostream& progress) {
  HERALD_RETURN_IF_ERROR(Validate(o));
  SignalGuard signals;
  const auto start = Clock::now();
  CompareReport report;
  report.options = o;
  report.started_at = UtcNow();
  const std::string scratch = o.scratch_dir.empty()
                                  ? fmt::format("/tmp/herald-bench-compare-{}", ::getpid())
                                  : o.scratch_dir;
  std::error_code ec;
  std::filesystem::remove_all(scratch, ec);
  std::filesystem::create_directories(scratch, ec);
  if (ec) return IoError("cannot create {}: {}", scratch, ec.message());
  struct ScratchCleanup {
    std::string dir;
    ~ScratchCleanup() {
      std::error_code ignored;
      std::filesystem::remove_all(dir, ignored);
    }
  } cleanup{scratch};

  progress << fmt::format("herald bench compare: {} messages of {} bytes, window {}, durability "
                          "{}, in {}\n",
                          o.count, o.record_size, o.window, DurabilityName(o.durability), scratch);
  MeasureMachine(o, scratch, "limits", report.machine, progress);

  SystemConfig base;
  base.durability = o.durability;
  base.partitions = o.partitions;
  base.window = o.window;
  base.record_size = o.record_size;
  base.start_timeout = std::chrono::seconds(o.start_timeout_s);
  base.herald_binary = o.herald_binary;
  base.herald_version = o.herald_version;

  // Phases 1 and 2, one system at a time, each alone on the machine.
  for (const auto& name : o.systems) {
    SystemResult& r = report.systems.emplace_back();
    r.name = name;
    HERALD_RETURN_IF_ERROR(CheckInterrupted());
    SystemConfig config = base;
    config.dir = fmt::format("{}/{}-throughput", scratch, name);
    std::string why;
    auto system = StartSystem(name, config, &why);
    if (!system) {
      r.error = why;
      progress << fmt::format("  {:<9} not available: {}\n", name, why);
      continue;
    }
    r.available = true;
    r.version = system->version();
    r.settings = system->settings();
    Status s = RunThroughput(*system, o, r, progress);
    if (!s.ok()) r.error = s.message();
    StopSystem(system, config.dir);
  }
  HERALD_RETURN_IF_ERROR(CheckInterrupted());

  // The fixed rate: as asked, or half the slowest system's maximum.
  const SystemResult* slowest = nullptr;
  for (const auto& r : report.systems) {
    if (r.publish && (!slowest || r.publish->msgs_s < slowest->publish->msgs_s)) slowest = &r;
  }
  if (o.rate > 0) {
    report.fixed_rate = o.rate;
    report.fixed_rate_basis = "--rate";
  } else if (slowest != nullptr) {
    report.fixed_rate = 0.5 * slowest->publish->msgs_s;
    report.fixed_rate_basis = fmt::format("50% of the slowest maximum publish rate ({}, {:.0f} "
                                          "msgs/s)",
                                          slowest->name, slowest->publish->msgs_s);
  }

  // Phase 3 on a fresh server for each system that got through phase 1.
  const uint64_t total = std::max<uint64_t>(
      1, static_cast<uint64_t>(std::llround(report.fixed_rate * o.latency_seconds)));
  for (auto& r : report.systems) {
    if (!r.publish || report.fixed_rate <= 0) continue;
    HERALD_RETURN_IF_ERROR(CheckInterrupted());
    SystemConfig config = base;
    config.dir = fmt::format("{}/{}-latency", scratch, r.name);
    std::string why;
    auto system = StartSystem(r.name, config, &why);
    if (!system) {
      r.error = fmt::format("restart for the fixed-rate phase failed: {}", why);
      progress << fmt::format("  {:<9} {}\n", r.name, r.error);
      continue;
    }
    Status s = RunLatency(*system, o, report.fixed_rate, total, r, progress);
    if (!s.ok()) {
      r.error = r.error.empty() ? s.message() : fmt::format("{}; {}", r.error, s.message());
    }
    StopSystem(system, config.dir);
  }
  HERALD_RETURN_IF_ERROR(CheckInterrupted());
  MeasureMachine(o, scratch, "limits, end", report.machine, progress);
  report.elapsed_s = SecondsSince(start);
  return report;
}

}  // namespace herald::bench
