#include "produce_bench.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <fmt/format.h>
#include <librdkafka/rdkafka.h>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <sys/socket.h>
#include <unistd.h>

#include "client/kafka_client.h"
#include "client/rdkafka_util.h"  // client::Conf
#include "herald_server.h"
#include "kafka/api.h"
#include "kafka/messages/fetch.h"
#include "kafka/schema.h"
#include "self_signed.h"
#include "storage/record_batch.h"
#include "storage_bench.h"

namespace herald::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

struct ProduceState {
  std::vector<double> latencies_ms;
  uint64_t delivered = 0;
  uint64_t failed = 0;
  Clock::time_point last;
};

void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* msg, void* opaque) {
  auto* state = static_cast<ProduceState*>(opaque);
  if (msg->err) {
    ++state->failed;
    return;
  }
  ++state->delivered;
  auto sent = Clock::time_point(Clock::duration(reinterpret_cast<intptr_t>(msg->_private)));
  state->last = Clock::now();
  state->latencies_ms.push_back(std::chrono::duration<double, std::milli>(state->last - sent).count());
}

// Reads exactly `size` bytes from a blocking socket.
Status ReadFully(int fd, uint8_t* at, size_t size) {
  while (size > 0) {
    ssize_t n = ::recv(fd, at, size, 0);
    if (n <= 0) return Unavailable("the broker closed the connection");
    at += n;
    size -= static_cast<size_t>(n);
  }
  return Status::Ok();
}

// The broker's side of catching up: Fetch v4 requests for every partition from one plain socket,
// each response read into the same buffer and walked batch by batch, until `records` records
// came back. What librdkafka adds on top (a fresh buffer per response, per-record work) is left
// out, so this is the rate the broker serves at. Returns MB/s.
Result<double> RawFetchCatchUp(const std::string& bootstrap, const std::string& topic,
                               int partitions, uint64_t records) {
  const size_t colon = bootstrap.rfind(':');
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(std::stoi(bootstrap.substr(colon + 1))));
  if (::inet_pton(AF_INET, bootstrap.substr(0, colon).c_str(), &addr.sin_addr) != 1) {
    return InvalidArgument("raw fetch needs an IPv4 bootstrap, not {}", bootstrap);
  }
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    if (fd >= 0) ::close(fd);
    return Unavailable("cannot connect to {}", bootstrap);
  }
  std::vector<int64_t> next(static_cast<size_t>(partitions), 0);
  Buffer request, response;
  uint64_t got = 0, bytes = 0;
  int32_t correlation = 0;
  Status failed;
  const auto start = Clock::now();
  while (got < records && failed.ok() && Since(start) < 300) {
    kafka::FetchRequest fetch;
    fetch.max_wait_ms = 500;
    fetch.min_bytes = 1;
    fetch.max_bytes = 16 << 20;
    kafka::FetchRequestTopic t;
    t.topic = topic;
    for (int p = 0; p < partitions; ++p) {
      kafka::FetchRequestPartition fp;
      fp.partition = p;
      fp.fetch_offset = next[static_cast<size_t>(p)];
      fp.partition_max_bytes = 1 << 20;
      t.partitions.push_back(fp);
    }
    fetch.topics.push_back(std::move(t));
    request.clear();
    kafka::FrameWriter w(request, nullptr);
    w.Int32(0);  // frame size, set below
    w.Int16(static_cast<int16_t>(kafka::ApiKey::kFetch));
    w.Int16(4);
    w.Int32(++correlation);
    w.String("herald-bench-raw", false);
    kafka::Write(w, fetch, kafka::Version{4, false});
    StoreBigEndian<int32_t>(request.data(), static_cast<int32_t>(request.size() - 4));
    if (::send(fd, request.data(), request.size(), 0) != static_cast<ssize_t>(request.size())) {
      failed = Unavailable("sending a fetch failed");
      break;
    }
    uint8_t size_bytes[4];
    failed = ReadFully(fd, size_bytes, 4);
    if (!failed.ok()) break;
    response.resize(static_cast<size_t>(LoadBigEndian<int32_t>(size_bytes)));
    failed = ReadFully(fd, response.data(), response.size());
    if (!failed.ok()) break;
    auto decoded = kafka::Decode<kafka::FetchResponse>(ByteView(response).subspan(4),
                                                       kafka::Version{4, false});
    if (!decoded.ok()) {
      failed = decoded.status();
      break;
    }
    for (const auto& rt : decoded->responses) {
      for (const auto& rp : rt.partitions) {
        if (rp.error_code != 0) {
          failed = Internal("fetch of partition {} answered error {}", rp.partition_index,
                            rp.error_code);
          break;
        }
        ByteView batches = rp.records.bytes.value_or(ByteView());
        bytes += batches.size();
        for (size_t at = 0; at < batches.size();) {
          auto header = storage::ParseBatchHeader(batches.subspan(at));
          if (!header.ok() || header->size() > batches.size() - at) break;
          got += static_cast<uint64_t>(header->record_count);
          next[static_cast<size_t>(rp.partition_index)] = header->next_offset();
          at += header->size();
        }
      }
    }
  }
  const double seconds = Since(start);
  ::close(fd);
  HERALD_RETURN_IF_ERROR(failed);
  if (got < records) return Internal("raw fetch read {} of {} records", got, records);
  return static_cast<double>(bytes) / (1024.0 * 1024.0) / seconds;
}

struct ConsumePhase {
  double msgs_s = 0;
  double mb_s = 0;
};

// Reads `count` records of `topic` from the start with librdkafka (no group), read_committed or
// read_uncommitted.
Result<ConsumePhase> ConsumeFromStart(const std::string& bootstrap, const std::string& topic,
                                      int partitions, uint64_t count, bool committed,
                                      const ClientSettings& settings = {}) {
  client::Conf c;
  HERALD_RETURN_IF_ERROR(c.Set("bootstrap.servers", bootstrap));
  for (const auto& [name, value] : settings) HERALD_RETURN_IF_ERROR(c.Set(name, value));
  HERALD_RETURN_IF_ERROR(c.Set("group.id", "herald-bench"));
  HERALD_RETURN_IF_ERROR(c.Set("enable.auto.commit", "false"));
  HERALD_RETURN_IF_ERROR(
      c.Set("isolation.level", committed ? "read_committed" : "read_uncommitted"));
  // Responses of a few MiB: each fetch response lands in a fresh librdkafka buffer, and on
  // this machine first-touch page faults on 50 MiB buffers cost more than the copy itself.
  HERALD_RETURN_IF_ERROR(c.Set("fetch.max.bytes", "4194304"));
  HERALD_RETURN_IF_ERROR(c.Set("max.partition.fetch.bytes", "262144"));
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, c.get(), err, sizeof(err));
  if (!rk) return Internal("rd_kafka_new: {}", err);
  c.release();  // rd_kafka_new took it
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p) {
    rd_kafka_topic_partition_list_add(parts, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  rd_kafka_assign(rk, parts);
  rd_kafka_topic_partition_list_destroy(parts);
  uint64_t got = 0, got_bytes = 0;
  auto start = Clock::now();
  while (got < count && Since(start) < 300) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 1000);
    if (!m) continue;
    if (!m->err) {
      ++got;
      got_bytes += m->len;
    }
    rd_kafka_message_destroy(m);
  }
  double seconds = Since(start);
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  if (got != count) return Internal("consumed {} of {} records of {}", got, count, topic);
  ConsumePhase out;
  out.msgs_s = static_cast<double>(got) / seconds;
  out.mb_s = static_cast<double>(got_bytes) / (1024.0 * 1024.0) / seconds;
  return out;
}

}  // namespace

Status CreateTopic(const std::string& bootstrap, const std::string& topic, int partitions,
                   const std::map<std::string, std::string>& configs) {
  client::ClientOptions options;
  options.bootstrap = bootstrap;
  HERALD_ASSIGN_OR_RETURN(client::Admin admin, client::Admin::Create(options));
  Status s = admin.CreateTopic({topic, partitions, 1, configs});
  return s.code() == StatusCode::kAlreadyExists ? Status::Ok() : s;
}

Result<ProducePhase> ProduceAtMaxRate(const std::string& bootstrap, const std::string& topic,
                                      const std::string& payload, uint64_t count,
                                      const std::string& acks, ProducerKind kind,
                                      uint64_t txn_records, const ClientSettings& settings) {
  ProducePhase r;
  const uint64_t bytes = count * payload.size();
  ProduceState state;
  state.latencies_ms.reserve(count);
  client::Conf c;
  HERALD_RETURN_IF_ERROR(c.Set("bootstrap.servers", bootstrap));
  HERALD_RETURN_IF_ERROR(c.Set("acks", acks == "all" ? "-1" : acks));
  HERALD_RETURN_IF_ERROR(c.Set("linger.ms", "5"));
  HERALD_RETURN_IF_ERROR(c.Set("queue.buffering.max.messages", "1000000"));
  HERALD_RETURN_IF_ERROR(c.Set("queue.buffering.max.kbytes", "1048576"));
  for (const auto& [name, value] : settings) HERALD_RETURN_IF_ERROR(c.Set(name, value));
  const bool transactional = kind == ProducerKind::kTransactional;
  if (kind != ProducerKind::kPlain) HERALD_RETURN_IF_ERROR(c.Set("enable.idempotence", "true"));
  if (transactional) {
    if (txn_records == 0) return InvalidArgument("a transaction needs at least one record");
    HERALD_RETURN_IF_ERROR(c.Set("transactional.id", "herald-bench-" + topic));
  }
  rd_kafka_conf_set_dr_msg_cb(c.get(), OnDelivery);
  rd_kafka_conf_set_opaque(c.get(), &state);
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, c.get(), err, sizeof(err));
  if (!rk) return Internal("rd_kafka_new: {}", err);
  c.release();  // rd_kafka_new took it
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  auto fail = [&](std::string_view what, rd_kafka_error_t* error) {
    Status s = Internal("{}: {}", what, rd_kafka_error_string(error));
    rd_kafka_error_destroy(error);
    rd_kafka_topic_destroy(rkt);
    rd_kafka_destroy(rk);
    return s;
  };
  if (transactional) {
    if (rd_kafka_error_t* e = rd_kafka_init_transactions(rk, 30000)) {
      return fail("init_transactions", e);
    }
  }
  auto start = Clock::now();
  for (uint64_t i = 0; i < count; ++i) {
    if (transactional && i % txn_records == 0) {
      if (i > 0) {
        if (rd_kafka_error_t* e = rd_kafka_commit_transaction(rk, 60000)) {
          return fail("commit_transaction", e);
        }
      }
      if (rd_kafka_error_t* e = rd_kafka_begin_transaction(rk)) {
        return fail("begin_transaction", e);
      }
    }
    void* sent =
        reinterpret_cast<void*>(static_cast<intptr_t>(Clock::now().time_since_epoch().count()));
    // RD_KAFKA_MSG_F_COPY: librdkafka copies the bytes and never writes through the pointer.
    while (rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY,
                            const_cast<char*>(payload.data()), payload.size(), nullptr, 0,
                            sent) != 0) {
      if (rd_kafka_last_error() != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        rd_kafka_topic_destroy(rkt);
        rd_kafka_destroy(rk);
        return Internal("produce: {}", rd_kafka_err2str(rd_kafka_last_error()));
      }
      rd_kafka_poll(rk, 10);
    }
    if (i % 1000 == 0) rd_kafka_poll(rk, 0);
  }
  // A transactional producer's records count once its last transaction is committed.
  std::optional<Clock::time_point> committed;
  if (transactional) {
    if (rd_kafka_error_t* e = rd_kafka_commit_transaction(rk, 60000)) {
      return fail("commit_transaction", e);
    }
    committed = Clock::now();
  }
  rd_kafka_flush(rk, 120000);
  rd_kafka_topic_destroy(rkt);
  rd_kafka_destroy(rk);
  if (state.failed > 0 || state.delivered != count) {
    return Internal("{} of {} records were not acknowledged", count - state.delivered, count);
  }
  double seconds = std::chrono::duration<double>(committed.value_or(state.last) - start).count();
  r.msgs_s = static_cast<double>(count) / seconds;
  r.mb_s = static_cast<double>(bytes) / (1024.0 * 1024.0) / seconds;
  std::sort(state.latencies_ms.begin(), state.latencies_ms.end());
  r.p50_ms = state.latencies_ms[state.latencies_ms.size() / 2];
  r.p99_ms = state.latencies_ms[state.latencies_ms.size() * 99 / 100];
  return r;
}

std::string ProduceBenchResult::ToJson() const {
  return nlohmann::json{{"produce_msgs_s", produce_msgs_s},
                        {"produce_mb_s", produce_mb_s},
                        {"produce_p50_ms", latency_p50_ms},
                        {"produce_p99_ms", latency_p99_ms},
                        {"consume_mb_s", consume_mb_s},
                        {"consume_msgs_s", consume_msgs_s},
                        {"raw_fetch_mb_s", raw_fetch_mb_s},
                        {"storage_write_mb_s", storage_write_mb_s},
                        {"produce_to_storage_ratio", produce_to_storage_ratio()},
                        {"broker_rss_mib", broker_rss_mib},
                        {"idempotent_msgs_s", idempotent_msgs_s},
                        {"transactional_msgs_s", transactional_msgs_s},
                        {"transactional_to_idempotent_ratio", transactional_to_idempotent_ratio()},
                        {"uncommitted_consume_mb_s", uncommitted_consume_mb_s},
                        {"committed_consume_mb_s", committed_consume_mb_s},
                        {"committed_to_uncommitted_ratio", committed_to_uncommitted_ratio()},
                        {"tls_produce_msgs_s", tls_produce_msgs_s},
                        {"tls_consume_mb_s", tls_consume_mb_s},
                        {"tls_to_plain_produce_ratio", tls_to_plain_produce_ratio()},
                        {"tls_to_plain_consume_ratio", tls_to_plain_consume_ratio()}}
      .dump();
}

Result<ProduceBenchResult> RunProduceBench(const ProduceBenchOptions& o, std::ostream& progress) {
  std::error_code ec;
  std::filesystem::remove_all(o.dir, ec);
  std::filesystem::create_directories(o.dir, ec);
  HeraldServer own;
  std::string bootstrap = o.bootstrap;
  ClientSettings tls;  // how clients reach the TLS listener
  if (o.tls && !bootstrap.empty()) return InvalidArgument("--tls needs the bench's own broker");
  if (bootstrap.empty()) {
    std::optional<HeraldServer::TlsFiles> tls_files;
    if (o.tls) {
      tls_files = HeraldServer::TlsFiles{o.dir + "/tls.pem", o.dir + "/tls.key"};
      HERALD_RETURN_IF_ERROR(WriteSelfSignedCertificate(tls_files->cert, tls_files->key));
      tls = {{"security.protocol", "ssl"}, {"ssl.ca.location", tls_files->cert}};
    }
    HERALD_RETURN_IF_ERROR(own.Start(o.herald_binary, o.dir, tls_files));
    bootstrap = own.bootstrap();
  }
  const uint64_t bytes = o.count * o.record_size;
  progress << fmt::format("herald bench produce: {} records of {} bytes to {} ({} partitions, "
                          "acks={}) on {}\n",
                          o.count, o.record_size, o.topic, o.partitions, o.acks, bootstrap);
  HERALD_RETURN_IF_ERROR(CreateTopic(bootstrap, o.topic, o.partitions));
  ProduceBenchResult r;

  // Produce.
  {
    HERALD_ASSIGN_OR_RETURN(ProducePhase produced,
                            ProduceAtMaxRate(bootstrap, o.topic, std::string(o.record_size, 'x'),
                                             o.count, o.acks));
    r.produce_msgs_s = produced.msgs_s;
    r.produce_mb_s = produced.mb_s;
    r.latency_p50_ms = produced.p50_ms;
    r.latency_p99_ms = produced.p99_ms;
    progress << fmt::format("  produce   {:.0f} msgs/s, {:.1f} MB/s, p50 {:.2f} ms, p99 {:.2f} ms\n",
                            r.produce_msgs_s, r.produce_mb_s, r.latency_p50_ms, r.latency_p99_ms);
  }

  // Consume everything from the beginning (no group).
  {
    HERALD_ASSIGN_OR_RETURN(ConsumePhase consumed,
                            ConsumeFromStart(bootstrap, o.topic, o.partitions, o.count, true));
    r.consume_msgs_s = consumed.msgs_s;
    r.consume_mb_s = consumed.mb_s;
    progress << fmt::format("  consume   {:.0f} msgs/s, {:.1f} MB/s (librdkafka)\n",
                            r.consume_msgs_s, r.consume_mb_s);
  }
  // The same catch-up as the broker serves it, without librdkafka's per-response buffers.
  HERALD_ASSIGN_OR_RETURN(r.raw_fetch_mb_s,
                          RawFetchCatchUp(bootstrap, o.topic, o.partitions, o.count));
  progress << fmt::format("  fetch     {:.1f} MB/s (plain Fetch v4 loop, one reused buffer)\n",
                          r.raw_fetch_mb_s);
  if (o.tls) {
    // The same records through the TLS listener: produced, then read from the start.
    const std::string topic = o.topic + "-tls";
    HERALD_RETURN_IF_ERROR(CreateTopic(bootstrap, topic, o.partitions));
    HERALD_ASSIGN_OR_RETURN(
        ProducePhase produced,
        ProduceAtMaxRate(own.tls_bootstrap(), topic, std::string(o.record_size, 'x'), o.count,
                         o.acks, ProducerKind::kPlain, 0, tls));
    HERALD_ASSIGN_OR_RETURN(
        ConsumePhase consumed,
        ConsumeFromStart(own.tls_bootstrap(), topic, o.partitions, o.count, true, tls));
    r.tls_produce_msgs_s = produced.msgs_s;
    r.tls_consume_mb_s = consumed.mb_s;
    progress << fmt::format(
        "  over TLS  produce {:.0f} msgs/s ({:.2f}x plaintext), consume {:.1f} MB/s ({:.2f}x "
        "plaintext)\n",
        r.tls_produce_msgs_s, r.tls_to_plain_produce_ratio(), r.tls_consume_mb_s,
        r.tls_to_plain_consume_ratio());
  }
  if (o.transactional) {
    // The same records through an idempotent and a transactional producer, each to a topic of its
    // own, and each read back from the start (read_uncommitted and read_committed).
    const std::string payload(o.record_size, 'x');
    const std::string idempotent = o.topic + "-idempotent";
    const std::string transactional = o.topic + "-transactional";
    HERALD_RETURN_IF_ERROR(CreateTopic(bootstrap, idempotent, o.partitions));
    HERALD_RETURN_IF_ERROR(CreateTopic(bootstrap, transactional, o.partitions));
    HERALD_ASSIGN_OR_RETURN(ProducePhase plain_idempotent,
                            ProduceAtMaxRate(bootstrap, idempotent, payload, o.count, "all",
                                             ProducerKind::kIdempotent));
    HERALD_ASSIGN_OR_RETURN(ProducePhase in_transactions,
                            ProduceAtMaxRate(bootstrap, transactional, payload, o.count, "all",
                                             ProducerKind::kTransactional, o.txn_records));
    r.idempotent_msgs_s = plain_idempotent.msgs_s;
    r.transactional_msgs_s = in_transactions.msgs_s;
    progress << fmt::format(
        "  idempotent     {:.0f} msgs/s\n  transactional  {:.0f} msgs/s ({} records per "
        "transaction): {:.2f}x idempotent\n",
        r.idempotent_msgs_s, r.transactional_msgs_s, o.txn_records,
        r.transactional_to_idempotent_ratio());
    HERALD_ASSIGN_OR_RETURN(ConsumePhase uncommitted,
                            ConsumeFromStart(bootstrap, idempotent, o.partitions, o.count, false));
    HERALD_ASSIGN_OR_RETURN(ConsumePhase committed, ConsumeFromStart(bootstrap, transactional,
                                                                     o.partitions, o.count, true));
    r.uncommitted_consume_mb_s = uncommitted.mb_s;
    r.committed_consume_mb_s = committed.mb_s;
    progress << fmt::format(
        "  read_uncommitted catch-up {:.1f} MB/s (idempotent topic)\n  read_committed catch-up   "
        "{:.1f} MB/s (transactional topic): {:.2f}x\n",
        r.uncommitted_consume_mb_s, r.committed_consume_mb_s, r.committed_to_uncommitted_ratio());
  }
  r.broker_rss_mib = o.bootstrap.empty() ? own.PeakRssMiB() : 0;

  // The storage engine alone, same bytes, same machine, same run.
  StorageBenchOptions so;
  so.dir = o.dir + "/storage";
  so.record_size = o.record_size;
  so.total_bytes = bytes;
  std::ostream quiet(nullptr);
  HERALD_ASSIGN_OR_RETURN(auto storage, RunStorageBench(so, quiet));
  r.storage_write_mb_s = storage.herald_write_mb_s;
  progress << fmt::format("  storage   {:.1f} MB/s durable writes alone; produce/storage {:.2f}; "
                          "broker peak RSS {:.0f} MiB\n",
                          r.storage_write_mb_s, r.produce_to_storage_ratio(), r.broker_rss_mib);
  std::filesystem::remove_all(o.dir, ec);
  return r;
}

}  // namespace herald::bench
