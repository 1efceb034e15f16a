#include "sdk_bench.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <future>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <sys/resource.h>
#include <time.h>

#include "base/mutex.h"
#include "elapsed.h"
#include "herald/errors.h"
#include "herald/publisher.h"
#include "herald/router.h"
#include "percentile.h"

namespace herald::bench {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr size_t kFillBatch = 1000;
constexpr size_t kPollRecords = 500;

// User plus system CPU seconds of this process so far.
double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(u.ru_utime) + seconds(u.ru_stime);
}

// CPU seconds the calling thread has used.
double ThreadCpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

// `count` events of `record_size` bytes of JSON data into `topic`, durably, in batches.
void Fill(sdk::Publisher& publisher, const std::string& topic, uint64_t count,
          uint64_t record_size) {
  const std::string data =
      fmt::format("\"{}\"", std::string(record_size > 2 ? record_size - 2 : 0, 'x'));
  for (uint64_t done = 0; done < count;) {
    std::vector<sdk::Event> events;
    for (; events.size() < kFillBatch && done < count; ++done) {
      events.push_back({.type = "bench.recorded", .data = data});
    }
    publisher.PublishBatch(topic, std::move(events));
  }
}

// Runs `router` on a thread until `done` says so; returns the seconds it took.
double RunUntil(sdk::Router& router, const std::function<bool()>& done) {
  Mutex mu;
  std::exception_ptr failure;  // guarded by mu
  auto failed = [&] {
    MutexLock lock(mu);
    return failure != nullptr;
  };
  const auto start = Clock::now();
  std::thread thread([&] {
    try {
      router.Run();
    } catch (...) {
      MutexLock lock(mu);
      failure = std::current_exception();
    }
  });
  while (!done() && !failed()) std::this_thread::sleep_for(1ms);
  const double seconds = SecondsSince(start);
  router.Stop();
  thread.join();
  if (failure) std::rethrow_exception(failure);
  return seconds;
}

void MeasurePollAndRouter(const std::shared_ptr<sdk::Transport>& transport,
                          const SdkBenchOptions& o, SdkBenchResult& r, std::ostream& progress) {
  auto session = transport->Join("bench-poll", {"bench"});
  uint64_t got = 0;
  auto start = Clock::now();
  while (got < o.count) got += session->Poll(100ms, kPollRecords).size();
  const double poll_s = SecondsSince(start);
  session->Close();
  r.poll_msgs_s = static_cast<double>(o.count) / poll_s;
  progress << fmt::format("  poll     {:>12.0f} msgs/s  (transport alone)\n", r.poll_msgs_s);

  sdk::RouterOptions ro;
  ro.group = "bench-router";
  ro.max_poll_records = kPollRecords;
  sdk::Router router(transport, ro);
  std::atomic<uint64_t> handled{0};
  // The router's thread (it polls and dispatches; one partition, so one lane), from the first
  // record to the last.
  double thread_cpu_first = 0;
  double thread_cpu_last = 0;
  router.Handle("bench", [&](const sdk::Message&) {
    const uint64_t n = handled.fetch_add(1, std::memory_order_relaxed) + 1;
    if (n == 1) thread_cpu_first = ThreadCpuSeconds();
    if (n == o.count) thread_cpu_last = ThreadCpuSeconds();
    return sdk::HandlerResult::Success();
  });
  const double cpu_before = CpuSeconds();
  const double router_s = RunUntil(router, [&] { return handled.load() >= o.count; });
  const double cpu = CpuSeconds() - cpu_before;
  r.router_msgs_s = static_cast<double>(o.count) / router_s;
  r.router_msgs_per_cpu_s = cpu > 0 ? static_cast<double>(o.count) / cpu : 0;
  const double thread_cpu = thread_cpu_last - thread_cpu_first;
  r.router_msgs_per_thread_cpu_s =
      thread_cpu > 0 ? static_cast<double>(o.count - 1) / thread_cpu : 0;
  r.router_overhead_ns = (router_s - poll_s) * 1e9 / static_cast<double>(o.count);
  progress << fmt::format(
      "  router   {:>12.0f} msgs/s  (ratio {:.2f} to poll, {:.0f} ns/record over it; per "
      "CPU-second: "
      "{:.0f} msgs on the router's thread, {:.0f} for the whole process)\n",
      r.router_msgs_s, r.ratio(), r.router_overhead_ns, r.router_msgs_per_thread_cpu_s,
      r.router_msgs_per_cpu_s);
}

void MeasureLatency(std::shared_ptr<sdk::Transport> transport, const SdkBenchOptions& o,
                    SdkBenchResult& r, std::ostream& progress) {
  const uint64_t total =
      std::max<uint64_t>(1, static_cast<uint64_t>(static_cast<double>(o.rate) * o.latency_seconds));
  transport->EnsureTopic("latency", 1);
  std::vector<int64_t> latencies(total);
  std::atomic<uint64_t> received{0};
  sdk::RouterOptions ro;
  ro.group = "bench-latency";
  ro.poll_timeout = 100ms;
  sdk::Router router(transport, ro);
  router.Handle("latency", [&](const sdk::Message& m) {
    const int64_t now = NowNs();
    int64_t sent = 0;
    std::from_chars(m.value->data(), m.value->data() + m.value->size(), sent);
    const uint64_t i = received.fetch_add(1);
    if (i < total) latencies[i] = now - sent;
    return sdk::HandlerResult::Success();
  });
  sdk::Publisher publisher(transport);
  std::vector<std::future<sdk::Delivery>> deliveries;
  deliveries.reserve(total);
  std::jthread sender([&] {
    // Wait for the router to be polling, then send at the fixed rate.
    std::this_thread::sleep_for(200ms);
    const auto start = Clock::now();
    const auto interval = std::chrono::nanoseconds(1'000'000'000 / std::max<uint64_t>(1, o.rate));
    for (uint64_t i = 0; i < total; ++i) {
      std::this_thread::sleep_until(start + interval * static_cast<int64_t>(i));
      deliveries.push_back(publisher.PublishAsync(
          "latency", {.type = "bench.sent", .data = std::to_string(NowNs())}));
    }
  });
  const auto deadline = Clock::now() + std::chrono::duration<double>(o.latency_seconds) + 30s;
  RunUntil(router, [&] { return received.load() >= total || Clock::now() > deadline; });
  sender.join();                       // (a jthread: also joined when RunUntil throws)
  for (auto& d : deliveries) d.get();  // throws a failed append
  latencies.resize(std::min<uint64_t>(received.load(), total));
  std::sort(latencies.begin(), latencies.end());
  r.latency_records = latencies.size();
  r.latency_p50_us = PercentileUs(latencies, 0.50);
  r.latency_p99_us = PercentileUs(latencies, 0.99);
  r.latency_p999_us = PercentileUs(latencies, 0.999);
  r.latency_max_us = latencies.empty() ? 0 : static_cast<double>(latencies.back()) / 1e3;
  progress << fmt::format(
      "  latency  {} records at {}/s: publish -> handler p50 {:.0f} us, p99 {:.0f} us, "
      "p99.9 {:.0f} us, max {:.0f} us\n",
      r.latency_records, o.rate, r.latency_p50_us, r.latency_p99_us, r.latency_p999_us,
      r.latency_max_us);
}

}  // namespace

std::string SdkBenchResult::ToJson() const {
  return nlohmann::json{{"poll_msgs_s", poll_msgs_s},
                        {"router_msgs_s", router_msgs_s},
                        {"router_msgs_per_cpu_s", router_msgs_per_cpu_s},
                        {"router_msgs_per_thread_cpu_s", router_msgs_per_thread_cpu_s},
                        {"router_overhead_ns", router_overhead_ns},
                        {"router_to_poll_ratio", ratio()},
                        {"latency_records", latency_records},
                        {"latency_p50_us", latency_p50_us},
                        {"latency_p99_us", latency_p99_us},
                        {"latency_p999_us", latency_p999_us},
                        {"latency_max_us", latency_max_us}}
      .dump();
}

Result<SdkBenchResult> RunSdkBench(const SdkBenchOptions& o, std::ostream& progress) {
  if (o.count == 0 || o.rate == 0) return InvalidArgument("count and rate must be > 0");
  std::error_code ec;
  std::filesystem::remove_all(o.dir, ec);
  SdkBenchResult r;
  try {
    auto transport = sdk::OpenEmbedded({.data_dir = o.dir});
    transport->EnsureTopic("bench", 1);
    progress << fmt::format("herald bench sdk: embedded transport in {}, {} records of {} bytes\n",
                            o.dir, o.count, o.record_size);
    sdk::Publisher publisher(transport);
    Fill(publisher, "bench", o.count, o.record_size);
    MeasurePollAndRouter(transport, o, r, progress);
    MeasureLatency(transport, o, r, progress);
  } catch (const sdk::Error& e) {
    return Internal("{}", e.what());
  }
  std::filesystem::remove_all(o.dir, ec);
  return r;
}

}  // namespace herald::bench
