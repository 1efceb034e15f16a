#include "http_bench.h"

#include <utility>  // Boost 1.74's awaitable.hpp uses std::exchange without including it

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "elapsed.h"
#include "base/mutex.h"
#include "client/kafka_client.h"
#include "herald_server.h"
#include "produce_bench.h"

namespace herald::bench {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using Clock = std::chrono::steady_clock;

// One request body: `batch` records whose values are JSON strings of record_size bytes in all.
std::string BatchBody(uint64_t batch, uint64_t record_size) {
  const std::string value(record_size > 2 ? record_size - 2 : 0, 'x');
  std::string body = R"({"records":[)";
  for (uint64_t i = 0; i < batch; ++i) {
    if (i > 0) body += ',';
    body += fmt::format(R"({{"value":"{}"}})", value);
  }
  body += "]}";
  return body;
}

struct HttpRun {
  std::atomic<uint64_t> sent{0};  // records claimed by a connection
  Mutex mu;
  std::vector<double> latencies_ms GUARDED_BY(mu);
  Status failure GUARDED_BY(mu);
};

// One keep-alive connection POSTing batches until `count` records are claimed.
void PostLoop(const std::string& host, const std::string& port, const std::string& target,
              const std::string& body, uint64_t batch, uint64_t count, HttpRun& run) {
  std::vector<double> latencies;
  Status failure;
  try {
    asio::io_context io;
    asio::ip::tcp::resolver resolver(io);
    beast::tcp_stream stream(io);
    stream.connect(resolver.resolve(host, port));
    beast::flat_buffer buffer;
    bhttp::request<bhttp::string_body> request{bhttp::verb::post, target, 11};
    request.set(bhttp::field::host, host);
    request.set(bhttp::field::content_type, "application/vnd.kafka.json.v2+json");
    request.body() = body;
    request.keep_alive(true);
    request.prepare_payload();
    while (run.sent.fetch_add(batch) < count) {
      const auto started = Clock::now();
      bhttp::write(stream, request);
      bhttp::response<bhttp::string_body> response;
      bhttp::read(stream, buffer, response);
      latencies.push_back(std::chrono::duration<double, std::milli>(Clock::now() - started).count());
      if (response.result() != bhttp::status::ok ||
          response.body().find("\"error_code\":null") == std::string::npos) {
        failure = Internal("POST {} answered {}: {}", target, response.result_int(),
                           response.body().substr(0, 200));
        break;
      }
    }
  } catch (const std::exception& e) {
    failure = Unavailable("HTTP connection failed: {}", e.what());
  }
  MutexLock lock(run.mu);
  run.latencies_ms.insert(run.latencies_ms.end(), latencies.begin(), latencies.end());
  if (run.failure.ok()) run.failure = failure;
}

}  // namespace

std::string HttpBenchResult::ToJson() const {
  return nlohmann::json{{"kafka_msgs_s", kafka_msgs_s}, {"kafka_mb_s", kafka_mb_s},
                        {"http_msgs_s", http_msgs_s},   {"http_mb_s", http_mb_s},
                        {"http_p50_ms", http_p50_ms},   {"http_p99_ms", http_p99_ms},
                        {"http_to_kafka_ratio", ratio()}}
      .dump();
}

Result<HttpBenchResult> RunHttpBench(const HttpBenchOptions& o, std::ostream& progress) {
  if (o.batch == 0 || o.connections < 1) return InvalidArgument("batch and connections must be > 0");
  std::error_code ec;
  std::filesystem::remove_all(o.dir, ec);
  std::filesystem::create_directories(o.dir, ec);
  HeraldServer server;
  HERALD_RETURN_IF_ERROR(server.Start(o.herald_binary, o.dir));
  HERALD_RETURN_IF_ERROR(CreateTopic(server.bootstrap(), "bench-kafka", o.partitions));
  HERALD_RETURN_IF_ERROR(CreateTopic(server.bootstrap(), "bench-http", o.partitions));
  progress << fmt::format(
      "herald bench http: {} records of {} bytes per path, {} partitions, durable; HTTP in "
      "batches of {} over {} connections\n",
      o.count, o.record_size, o.partitions, o.batch, o.connections);
  HttpBenchResult r;

  HERALD_ASSIGN_OR_RETURN(ProducePhase kafka, ProduceAtMaxRate(server.bootstrap(), "bench-kafka",
                                                               std::string(o.record_size, 'x'),
                                                               o.count, "all"));
  r.kafka_msgs_s = kafka.msgs_s;
  r.kafka_mb_s = kafka.mb_s;
  progress << fmt::format("  kafka  {:.0f} msgs/s, {:.1f} MB/s (librdkafka, acks=all)\n",
                          r.kafka_msgs_s, r.kafka_mb_s);

  const std::string url = server.http_url();  // http://127.0.0.1:PORT
  const std::string host_port = url.substr(url.find("//") + 2);
  const std::string host = host_port.substr(0, host_port.rfind(':'));
  const std::string port = host_port.substr(host_port.rfind(':') + 1);
  const std::string body = BatchBody(o.batch, o.record_size);
  HttpRun run;
  const auto started = Clock::now();
  std::vector<std::thread> threads;
  for (int i = 0; i < o.connections; ++i) {
    threads.emplace_back([&] {
      PostLoop(host, port, "/topics/bench-http", body, o.batch, o.count, run);
    });
  }
  for (auto& t : threads) t.join();
  const double seconds = SecondsSince(started);
  HERALD_RETURN_IF_ERROR(run.failure);
  const uint64_t posts = (o.count + o.batch - 1) / o.batch;
  const uint64_t records = posts * o.batch;
  r.http_msgs_s = static_cast<double>(records) / seconds;
  r.http_mb_s = static_cast<double>(records * o.record_size) / (1024.0 * 1024.0) / seconds;
  MutexLock lock(run.mu);  // the threads are gone; the analysis wants it held all the same
  std::sort(run.latencies_ms.begin(), run.latencies_ms.end());
  if (!run.latencies_ms.empty()) {
    r.http_p50_ms = run.latencies_ms[run.latencies_ms.size() / 2];
    r.http_p99_ms = run.latencies_ms[run.latencies_ms.size() * 99 / 100];
  }
  progress << fmt::format(
      "  http   {:.0f} msgs/s, {:.1f} MB/s (REST proxy, JSON), per POST p50 {:.2f} ms, p99 "
      "{:.2f} ms\n  ratio  http/kafka {:.2f}\n",
      r.http_msgs_s, r.http_mb_s, r.http_p50_ms, r.http_p99_ms, r.ratio());
  return r;
}

}  // namespace herald::bench
