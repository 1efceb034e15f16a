#include "produce_bench.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include <arpa/inet.h>
#include <fmt/format.h>
#include <librdkafka/rdkafka.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <nlohmann/json.hpp>
#include <sys/socket.h>
#include <unistd.h>

#include "client/kafka_client.h"
#include "client/rdkafka_util.h"  // client::Conf
#include "elapsed.h"
#include "herald_server.h"
#include "kafka/api.h"
#include "kafka/messages/api_versions.h"
#include "kafka/messages/fetch.h"
#include "kafka/messages/metadata.h"
#include "kafka/messages/sasl_authenticate.h"
#include "kafka/messages/sasl_handshake.h"
#include "kafka/schema.h"
#include "percentile.h"
#include "security/scram.h"
#include "self_signed.h"
#include "storage/record_batch.h"
#include "storage_bench.h"

namespace herald::bench {
namespace {

using Clock = std::chrono::steady_clock;

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

// The p50 and p99 of connection setup times in nanoseconds, in milliseconds.
ConnectionSetup SetupOf(std::vector<int64_t> took_ns) {
  std::sort(took_ns.begin(), took_ns.end());
  return ConnectionSetup{PercentileUs(took_ns, 0.5) / 1e3, PercentileUs(took_ns, 0.99) / 1e3};
}

// A blocking Kafka connection for the raw benchmarks (IPv4, TCP_NODELAY, as clients set it): one
// request at a time, non-flexible versions only (request header v1, response header v0).
class RawConnection {
 public:
  static Result<RawConnection> Open(const std::string& bootstrap) {
    const size_t colon = bootstrap.rfind(':');
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(std::stoi(bootstrap.substr(colon + 1))));
    if (::inet_pton(AF_INET, bootstrap.substr(0, colon).c_str(), &addr.sin_addr) != 1) {
      return InvalidArgument("a raw connection needs an IPv4 bootstrap, not {}", bootstrap);
    }
    RawConnection c(::socket(AF_INET, SOCK_STREAM, 0));
    if (c.fd_ < 0 || ::connect(c.fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      return Unavailable("cannot connect to {}", bootstrap);
    }
    const int on = 1;
    ::setsockopt(c.fd_, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
    return c;
  }
  RawConnection(RawConnection&& other) noexcept
      : fd_(std::exchange(other.fd_, -1)), correlation_(other.correlation_) {}
  RawConnection& operator=(RawConnection&&) = delete;
  ~RawConnection() {
    if (fd_ >= 0) ::close(fd_);
  }

  // Sends `request` as `key` v`version` and decodes the answer; what the answer holds may point
  // into this connection's buffer, valid until the next call.
  template <typename Response, typename Request>
  Result<Response> Call(kafka::ApiKey key, int16_t version, const Request& request) {
    request_.clear();
    kafka::FrameWriter w(request_, nullptr);
    w.Int32(0);  // frame size, set below
    w.Int16(static_cast<int16_t>(key));
    w.Int16(version);
    w.Int32(++correlation_);
    w.String("herald-bench-raw", false);
    kafka::Write(w, request, kafka::Version{version, false});
    StoreBigEndian<int32_t>(request_.data(), static_cast<int32_t>(request_.size() - 4));
    for (size_t sent = 0; sent < request_.size();) {
      // MSG_NOSIGNAL: a broker that closed the connection is an error here, not SIGPIPE.
      const ssize_t n = ::send(fd_, request_.data() + sent, request_.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return Unavailable("sending a request failed");
      sent += static_cast<size_t>(n);
    }
    uint8_t size_bytes[4];
    HERALD_RETURN_IF_ERROR(ReadFully(size_bytes, 4));
    const int32_t size = LoadBigEndian<int32_t>(size_bytes);
    if (size < 4) return Internal("an answer of {} bytes", size);
    response_.resize(static_cast<size_t>(size));
    HERALD_RETURN_IF_ERROR(ReadFully(response_.data(), response_.size()));
    return kafka::Decode<Response>(ByteView(response_).subspan(4), kafka::Version{version, false});
  }

 private:
  explicit RawConnection(int fd) : fd_(fd) {}

  Status ReadFully(uint8_t* at, size_t size) {
    while (size > 0) {
      const ssize_t n = ::recv(fd_, at, size, 0);
      if (n <= 0) return Unavailable("the broker closed the connection");
      at += n;
      size -= static_cast<size_t>(n);
    }
    return Status::Ok();
  }

  int fd_;
  int32_t correlation_ = 0;
  Buffer request_;
  Buffer response_;
};

// The broker's side of catching up: Fetch v4 requests for every partition from one plain socket,
// each response read into the same buffer and walked batch by batch, until `records` records
// came back. What librdkafka adds on top (a fresh buffer per response, per-record work) is left
// out, so this is the rate the broker serves at. Returns MB/s.
Result<double> RawFetchCatchUp(const std::string& bootstrap, const std::string& topic,
                               int partitions, uint64_t records) {
  HERALD_ASSIGN_OR_RETURN(RawConnection connection, RawConnection::Open(bootstrap));
  std::vector<int64_t> next(static_cast<size_t>(partitions), 0);
  uint64_t got = 0, bytes = 0;
  const auto start = Clock::now();
  while (got < records && SecondsSince(start) < 300) {
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
    HERALD_ASSIGN_OR_RETURN(auto fetched,
                            connection.Call<kafka::FetchResponse>(kafka::ApiKey::kFetch, 4, fetch));
    for (const auto& rt : fetched.responses) {
      for (const auto& rp : rt.partitions) {
        if (rp.error_code != 0) {
          return Internal("fetch of partition {} answered error {}", rp.partition_index,
                          rp.error_code);
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
  const double seconds = SecondsSince(start);
  if (got < records) return Internal("raw fetch read {} of {} records", got, records);
  return static_cast<double>(bytes) / (1024.0 * 1024.0) / seconds;
}

// A user's SCRAM login for a raw connection.
struct ScramLogin {
  security::ScramMechanism mechanism;
  std::string user;
  std::string password;
};

// `times` raw connections, one after another, each timed from connect to its Metadata answer:
// ApiVersions v0, with `login` SaslHandshake v1 and SaslAuthenticate v1 twice (the key derived
// with one PBKDF2 call, as the Java client and kafka-python derive it), then Metadata v1 for no
// topic. In milliseconds.
Result<ConnectionSetup> TimeRawConnectionSetup(const std::string& bootstrap,
                                               const std::optional<ScramLogin>& login, int times) {
  std::vector<int64_t> took_ns;
  for (int i = 0; i < times; ++i) {
    const auto start = Clock::now();
    HERALD_ASSIGN_OR_RETURN(RawConnection connection, RawConnection::Open(bootstrap));
    HERALD_ASSIGN_OR_RETURN(
        auto versions, connection.Call<kafka::ApiVersionsResponse>(kafka::ApiKey::kApiVersions, 0,
                                                                   kafka::ApiVersionsRequest{}));
    if (versions.error_code != 0) return Internal("ApiVersions: error {}", versions.error_code);
    if (login) {
      security::ScramClient scram(login->mechanism, login->user, login->password);
      kafka::SaslHandshakeRequest handshake;
      handshake.mechanism = std::string(security::MechanismName(login->mechanism));
      HERALD_ASSIGN_OR_RETURN(auto chosen, connection.Call<kafka::SaslHandshakeResponse>(
                                               kafka::ApiKey::kSaslHandshake, 1, handshake));
      if (chosen.error_code != 0) return Internal("SaslHandshake: error {}", chosen.error_code);
      auto authenticate = [&](const std::string& token) -> Result<std::string> {
        kafka::SaslAuthenticateRequest request;
        request.auth_bytes = Buffer(token.begin(), token.end());
        HERALD_ASSIGN_OR_RETURN(auto answer, connection.Call<kafka::SaslAuthenticateResponse>(
                                                 kafka::ApiKey::kSaslAuthenticate, 1, request));
        if (answer.error_code != 0)
          return Internal("SaslAuthenticate: error {}", answer.error_code);
        return std::string(answer.auth_bytes.begin(), answer.auth_bytes.end());
      };
      HERALD_ASSIGN_OR_RETURN(std::string server_first, authenticate(scram.First()));
      HERALD_ASSIGN_OR_RETURN(std::string client_final, scram.Final(server_first));
      HERALD_ASSIGN_OR_RETURN(std::string server_final, authenticate(client_final));
      HERALD_RETURN_IF_ERROR(scram.Verify(server_final));
    }
    HERALD_ASSIGN_OR_RETURN(auto metadata,
                            connection.Call<kafka::MetadataResponse>(kafka::ApiKey::kMetadata, 1,
                                                                     kafka::MetadataRequest{}));
    if (metadata.brokers.empty()) return Internal("Metadata named no broker");
    took_ns.push_back(
        std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count());
  }
  return SetupOf(std::move(took_ns));
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
  while (got < count && SecondsSince(start) < 300) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 1000);
    if (!m) continue;
    if (!m->err) {
      ++got;
      got_bytes += m->len;
    }
    rd_kafka_message_destroy(m);
  }
  double seconds = SecondsSince(start);
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  if (got != count) return Internal("consumed {} of {} records of {}", got, count, topic);
  ConsumePhase out;
  out.msgs_s = static_cast<double>(got) / seconds;
  out.mb_s = static_cast<double>(got_bytes) / (1024.0 * 1024.0) / seconds;
  return out;
}

// `times` new librdkafka clients, one after another, each timed from rd_kafka_new to its first
// Metadata answer: the connection, ApiVersions, the SASL exchange the settings ask for (the
// client's PBKDF2 included) and one Metadata request.
Result<ConnectionSetup> TimeConnectionSetup(const std::string& bootstrap,
                                            const ClientSettings& settings, int times) {
  std::vector<int64_t> took_ns;
  took_ns.reserve(static_cast<size_t>(times));
  for (int i = 0; i < times; ++i) {
    client::Conf c;
    HERALD_RETURN_IF_ERROR(c.Set("bootstrap.servers", bootstrap));
    for (const auto& [name, value] : settings) HERALD_RETURN_IF_ERROR(c.Set(name, value));
    char err[512];
    const auto start = Clock::now();
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, c.get(), err, sizeof(err));
    if (!rk) return Internal("rd_kafka_new: {}", err);
    c.release();  // rd_kafka_new took it
    const rd_kafka_metadata_t* metadata = nullptr;
    const rd_kafka_resp_err_t answered = rd_kafka_metadata(rk, 0, nullptr, &metadata, 10000);
    const auto took = Clock::now() - start;
    if (metadata != nullptr) rd_kafka_metadata_destroy(metadata);
    rd_kafka_destroy(rk);
    if (answered != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return Internal("metadata from a new client: {}", rd_kafka_err2str(answered));
    }
    took_ns.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(took).count());
  }
  return SetupOf(std::move(took_ns));
}

}  // namespace

Status CreateTopic(const std::string& bootstrap, const std::string& topic, int partitions,
                   const std::map<std::string, std::string>& configs,
                   const ClientSettings& settings) {
  client::ClientOptions options;
  options.bootstrap = bootstrap;
  options.properties = settings;
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
                        {"tls_to_plain_consume_ratio", tls_to_plain_consume_ratio()},
                        {"sasl_produce_msgs_s", sasl_produce_msgs_s},
                        {"sasl_consume_mb_s", sasl_consume_mb_s},
                        {"sasl_to_plain_produce_ratio", sasl_to_plain_produce_ratio()},
                        {"connect_plain_p50_ms", connect_plain.p50_ms},
                        {"connect_plain_p99_ms", connect_plain.p99_ms},
                        {"connect_scram_sha_256_p50_ms", connect_scram_sha_256.p50_ms},
                        {"connect_scram_sha_256_p99_ms", connect_scram_sha_256.p99_ms},
                        {"connect_scram_sha_512_p50_ms", connect_scram_sha_512.p50_ms},
                        {"connect_scram_sha_512_p99_ms", connect_scram_sha_512.p99_ms},
                        {"raw_connect_plain_p50_ms", raw_connect_plain.p50_ms},
                        {"raw_connect_plain_p99_ms", raw_connect_plain.p99_ms},
                        {"raw_connect_scram_sha_256_p50_ms", raw_connect_scram_sha_256.p50_ms},
                        {"raw_connect_scram_sha_256_p99_ms", raw_connect_scram_sha_256.p99_ms},
                        {"raw_connect_scram_sha_512_p50_ms", raw_connect_scram_sha_512.p50_ms},
                        {"raw_connect_scram_sha_512_p99_ms", raw_connect_scram_sha_512.p99_ms}}
      .dump();
}

namespace {

// A second broker whose Kafka listener takes SCRAM only (user "bench", made offline before it
// starts): the same records produced and consumed through it as SCRAM-SHA-256, and new clients
// timed to their first answer on either broker.
Status SaslPhases(const ProduceBenchOptions& o, const std::string& plain_bootstrap,
                  ProduceBenchResult& r, std::ostream& progress) {
  const std::string dir = o.dir + "/sasl";
  const std::string password = "bench-Pa55word";
  HERALD_ASSIGN_OR_RETURN(CommandOutput created,
                          RunToCompletion({o.herald_binary, "user", "create", "bench", "--password",
                                           password, "--data-dir", dir + "/data"},
                                          std::chrono::seconds(30)));
  if (created.exit_code != 0) return Internal("herald user create: {}", created.output);
  HeraldServer sasl;
  HERALD_RETURN_IF_ERROR(sasl.Start(o.herald_binary, dir, std::nullopt,
                                    {"--sasl-mechanisms", "SCRAM-SHA-256,SCRAM-SHA-512"}));
  const auto as = [&](const char* mechanism) {
    return ClientSettings{{"security.protocol", "sasl_plaintext"},
                          {"sasl.mechanisms", mechanism},
                          {"sasl.username", "bench"},
                          {"sasl.password", password}};
  };
  const ClientSettings scram = as("SCRAM-SHA-256");
  HERALD_RETURN_IF_ERROR(CreateTopic(sasl.bootstrap(), o.topic, o.partitions, {}, scram));
  HERALD_ASSIGN_OR_RETURN(
      ProducePhase produced,
      ProduceAtMaxRate(sasl.bootstrap(), o.topic, std::string(o.record_size, 'x'), o.count, o.acks,
                       ProducerKind::kPlain, 0, scram));
  HERALD_ASSIGN_OR_RETURN(
      ConsumePhase consumed,
      ConsumeFromStart(sasl.bootstrap(), o.topic, o.partitions, o.count, true, scram));
  r.sasl_produce_msgs_s = produced.msgs_s;
  r.sasl_consume_mb_s = consumed.mb_s;
  progress << fmt::format(
      "  SCRAM-SHA-256 produce {:.0f} msgs/s ({:.2f}x plaintext), consume {:.1f} MB/s\n",
      r.sasl_produce_msgs_s, r.sasl_to_plain_produce_ratio(), r.sasl_consume_mb_s);
  HERALD_ASSIGN_OR_RETURN(r.connect_plain, TimeConnectionSetup(plain_bootstrap, {}, o.connections));
  HERALD_ASSIGN_OR_RETURN(r.connect_scram_sha_256,
                          TimeConnectionSetup(sasl.bootstrap(), scram, o.connections));
  HERALD_ASSIGN_OR_RETURN(
      r.connect_scram_sha_512,
      TimeConnectionSetup(sasl.bootstrap(), as("SCRAM-SHA-512"), o.connections));
  HERALD_ASSIGN_OR_RETURN(r.raw_connect_plain,
                          TimeRawConnectionSetup(plain_bootstrap, std::nullopt, o.connections));
  HERALD_ASSIGN_OR_RETURN(
      r.raw_connect_scram_sha_256,
      TimeRawConnectionSetup(sasl.bootstrap(),
                             ScramLogin{security::ScramMechanism::kSha256, "bench", password},
                             o.connections));
  HERALD_ASSIGN_OR_RETURN(
      r.raw_connect_scram_sha_512,
      TimeRawConnectionSetup(sasl.bootstrap(),
                             ScramLogin{security::ScramMechanism::kSha512, "bench", password},
                             o.connections));
  progress << fmt::format("  connection setup, p50 / p99 ms of {} each:\n", o.connections);
  for (const auto& [name, librdkafka, raw] :
       {std::tuple{"plaintext", r.connect_plain, r.raw_connect_plain},
        std::tuple{"SCRAM-SHA-256", r.connect_scram_sha_256, r.raw_connect_scram_sha_256},
        std::tuple{"SCRAM-SHA-512", r.connect_scram_sha_512, r.raw_connect_scram_sha_512}}) {
    progress << fmt::format(
        "    {:<14} librdkafka client {:.2f} / {:.2f}; raw client {:.2f} / {:.2f}\n", name,
        librdkafka.p50_ms, librdkafka.p99_ms, raw.p50_ms, raw.p99_ms);
  }
  return Status::Ok();
}

}  // namespace

Result<ProduceBenchResult> RunProduceBench(const ProduceBenchOptions& o, std::ostream& progress) {
  std::error_code ec;
  std::filesystem::remove_all(o.dir, ec);
  std::filesystem::create_directories(o.dir, ec);
  HeraldServer own;
  std::string bootstrap = o.bootstrap;
  ClientSettings tls;  // how clients reach the TLS listener
  if (o.tls && !bootstrap.empty()) return InvalidArgument("--tls needs the bench's own broker");
  if (o.sasl && !bootstrap.empty()) return InvalidArgument("--sasl needs the bench's own broker");
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
  if (o.sasl) HERALD_RETURN_IF_ERROR(SaslPhases(o, bootstrap, r, progress));
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
