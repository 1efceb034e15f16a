// The TLS Kafka listener of a real `herald serve` (--kafka-tls-addr), beside the plain one: kcat
// and python3-confluent-kafka over TLS, clients that must be refused (plaintext, an untrusted
// certificate, a missing client certificate), the certificate read again on SIGHUP, a handshake
// that never finishes, and the flags that are refused.
#include <array>
#include <chrono>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/net.h"
#include "testing/certificates.h"
#include "testing/clients.h"
#include "testing/curl.h"
#include "testing/herald_process.h"
#include "testing/test_util.h"

namespace herald {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::CommandResult;
using testing::HasCommand;
using testing::kPython;
using testing::PythonHas;
using testing::RunCommand;
using Clock = std::chrono::steady_clock;

bool Contains(const json& list, const std::string& value) {
  for (const auto& item : list) {
    if (item == value) return true;
  }
  return false;
}

// A TCP connection to 127.0.0.1:`port` made with plain POSIX calls, so the test decides exactly
// which bytes the broker gets (and when it gets no more).
class RawSocket {
 public:
  explicit RawSocket(uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    if (fd_ < 0) throw std::runtime_error("socket failed");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
      ::close(fd_);
      throw std::runtime_error(fmt::format("connect to 127.0.0.1:{} failed", port));
    }
  }
  ~RawSocket() { ::close(fd_); }
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;

  bool Send(const uint8_t* bytes, size_t size) {
    return ::send(fd_, bytes, size, MSG_NOSIGNAL) == static_cast<ssize_t>(size);
  }

  // Whether the peer closed the connection (end of stream, or an error such as a reset) before
  // `deadline`. Bytes it sends first (a TLS alert, say) are read and passed over.
  bool ClosedBy(Clock::time_point deadline) {
    while (true) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
      if (ready == 0) return false;
      if (ready < 0) continue;  // EINTR
      std::array<uint8_t, 256> buffer;
      if (::recv(fd_, buffer.data(), buffer.size(), 0) <= 0) return true;
    }
  }

 private:
  int fd_;
};

class TlsTest : public ::testing::Test {
 protected:
  // Each test has its own certificates: some replace the server's.
  void SetUp() override { certs_ = std::make_unique<testing::TestCertificates>(dir_.path()); }

  void TearDown() override {
    if (HasFailure() && server_) server_->PrintLogTail();
  }

  // Starts `herald serve` with a TLS listener on a free loopback port beside the plain one, the
  // server certificate of certs_, and `extra` flags; returns once it is fully up.
  void Start(std::vector<std::string> extra = {}) {
    // The TLS port is chosen before HeraldProcess picks its own two, which may (rarely) take the
    // same one: serve then exits at start, and another port is tried.
    for (int attempt = 1;; ++attempt) {
      tls_port_ = FreeLoopbackPort();
      std::vector<std::string> args = {"--kafka-tls-addr", tls_bootstrap(),
                                       "--tls-cert",       certs_->server_cert(),
                                       "--tls-key",        certs_->server_key()};
      args.insert(args.end(), extra.begin(), extra.end());
      try {
        server_ = std::make_unique<testing::HeraldProcess>(
            fmt::format("{}/data-{}", dir_.str(), attempt), args);
        break;
      } catch (const std::runtime_error& e) {
        const bool exited = std::string(e.what()).rfind("herald serve exited at start", 0) == 0;
        if (!exited || attempt == 3) throw;
      }
    }
    // The listeners accept connections from the moment they are bound, before serve handles
    // SIGHUP (whose default action ends the process); `listening` is logged after that.
    const auto deadline = Clock::now() + 10s;
    while (server_->Log().find(" listening ") == std::string::npos) {
      ASSERT_LT(Clock::now(), deadline) << "serve never logged `listening`";
      std::this_thread::sleep_for(20ms);
    }
  }

  std::string tls_bootstrap() const { return fmt::format("127.0.0.1:{}", tls_port_); }

  // kcat's options for TLS, trusting the test CA.
  std::string KcatTls() const {
    return fmt::format("-X security.protocol=ssl -X ssl.ca.location={}", certs_->ca());
  }

  // Runs kcat against `bootstrap` with `args`, `input` on its stdin, bounded by a timeout.
  CommandResult Kcat(const std::string& bootstrap, const std::string& args,
                     const std::string& input = "") {
    return testing::RunKcat(dir_.path(), bootstrap, args, input);
  }
  std::string KcatOk(const std::string& bootstrap, const std::string& args,
                     const std::string& input = "") {
    return testing::RunKcatOk(dir_.path(), bootstrap, args, input);
  }
  double MetricValue(const std::string& series) {
    return testing::MetricValue(server_->http_url(), series);
  }

  // Waits up to `timeout` for `text` to appear in the server's log.
  bool LogShows(const std::string& text, std::chrono::milliseconds timeout = 5s) {
    const auto deadline = Clock::now() + timeout;
    while (server_->Log().find(text) == std::string::npos) {
      if (Clock::now() > deadline) return false;
      std::this_thread::sleep_for(20ms);
    }
    return true;
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::TestCertificates> certs_;
  std::unique_ptr<testing::HeraldProcess> server_;
  uint16_t tls_port_ = 0;

 private:
};

// One broker, two doors to the same data: what goes in through one comes out of the other, and
// Metadata names the listener it was asked on.
TEST_F(TlsTest, KcatProducesAndConsumesOverTlsAndPlainSideBySide) {
  HERALD_REQUIRE_CLIENT(HasCommand("kcat"), "kcat");
  ASSERT_NO_FATAL_FAILURE(Start());
  const std::string plain = server_->bootstrap(), tls = tls_bootstrap();
  KcatOk(tls, KcatTls() + " -t secure -P", "one\ntwo\nthree\n");
  EXPECT_EQ(KcatOk(tls, KcatTls() + " -t secure -C -o beginning -e"), "one\ntwo\nthree\n");
  EXPECT_EQ(KcatOk(plain, "-t secure -C -o beginning -e"), "one\ntwo\nthree\n");
  KcatOk(plain, "-t secure -P", "four\n");
  EXPECT_EQ(KcatOk(tls, KcatTls() + " -t secure -C -o 3 -e"), "four\n");

  // Several MiB each way: fetches whose log data is read from the files and encrypted in chunks,
  // and produce requests that arrive as many TLS records.
  std::string bulk;
  for (int i = 0; i < 6000; ++i)
    bulk += fmt::format("{:06}-{}\n", i, std::string(1000, 'a' + i % 26));
  KcatOk(tls, KcatTls() + " -t bulk -P", bulk);
  const std::string read_back = KcatOk(tls, KcatTls() + " -t bulk -C -o beginning -e");
  EXPECT_EQ(read_back.size(), bulk.size());
  EXPECT_TRUE(read_back == bulk) << "the bytes read over TLS differ from those produced";
  EXPECT_TRUE(KcatOk(plain, "-t bulk -C -o beginning -e") == bulk);

  // kcat connects to the broker Metadata names, so each listener must name itself.
  const std::string over_tls = KcatOk(tls, KcatTls() + " -L");
  EXPECT_NE(over_tls.find(fmt::format("broker 1 at 127.0.0.1:{} (controller)", tls_port_)),
            std::string::npos)
      << over_tls;
  const std::string in_clear = KcatOk(plain, "-L");
  EXPECT_NE(in_clear.find(fmt::format("broker 1 at 127.0.0.1:{} (controller)", server_->port())),
            std::string::npos)
      << in_clear;
}

// librdkafka through python3-confluent-kafka: produce with acks=all and a consumer group that
// commits, all over TLS (the group coordinator too must be advertised at the TLS port, or the
// consumer could not reach it); a plaintext client and one that does not trust the broker's
// certificate get nothing through, and the broker counts and logs the failed handshakes.
TEST_F(TlsTest, ConfluentKafkaOverTls) {
  HERALD_REQUIRE_CLIENT(PythonHas("confluent_kafka"), "python3-confluent-kafka");
  ASSERT_NO_FATAL_FAILURE(Start({"--group-initial-rebalance-delay-ms", "200"}));
  json facts = testing::RunPythonClient(
      "tls_client.py", fmt::format("{} {} {}", tls_bootstrap(), certs_->ca(), certs_->other_ca()));
  EXPECT_EQ(facts["delivered"], 10);
  EXPECT_EQ(facts["undelivered"], 0);
  std::vector<std::string> values;
  for (int i = 0; i < 10; ++i) values.push_back(fmt::format("v{}", i));
  EXPECT_EQ(facts["consumed"], json(values));
  EXPECT_EQ(facts["committed"], json::parse("[10]"));

  EXPECT_EQ(facts["plaintext"]["delivered"], 0);
  EXPECT_EQ(facts["plaintext"]["failed"], 1);
  EXPECT_TRUE(Contains(facts["plaintext"]["errors"], "_TRANSPORT")) << facts["plaintext"];
  EXPECT_EQ(facts["untrusted"]["delivered"], 0);
  EXPECT_EQ(facts["untrusted"]["failed"], 1);
  EXPECT_TRUE(Contains(facts["untrusted"]["errors"], "_SSL")) << facts["untrusted"];
  EXPECT_EQ(facts["after"], json::parse(R"(["secure"])")) << "served after the failures";

  EXPECT_NE(server_->Log().find("reason=tls_handshake_failed"), std::string::npos);
  // At least one failed handshake for each of the two refused clients (they retry).
  const std::string failed_handshakes =
      R"(connections_closed_total{listener="kafka",reason="tls_handshake_failed"})";
  EXPECT_GE(MetricValue(failed_handshakes), 2);
  EXPECT_TRUE(server_->Alive());
}

// --tls-client-auth required: a client with a certificate the CA signed is served; one without
// a certificate fails the handshake and writes nothing.
TEST_F(TlsTest, RequiredClientCertificates) {
  HERALD_REQUIRE_CLIENT(HasCommand("kcat"), "kcat");
  ASSERT_NO_FATAL_FAILURE(Start({"--tls-ca", certs_->ca(), "--tls-client-auth", "required"}));
  const std::string with_cert =
      fmt::format("{} -X ssl.certificate.location={} -X ssl.key.location={}", KcatTls(),
                  certs_->client_cert(), certs_->client_key());
  KcatOk(tls_bootstrap(), with_cert + " -t vip -P", "welcome\n");
  EXPECT_EQ(KcatOk(tls_bootstrap(), with_cert + " -t vip -C -o beginning -e"), "welcome\n");

  auto refused =
      Kcat(tls_bootstrap(), KcatTls() + " -t vip -P -X message.timeout.ms=3000", "intruder\n");
  EXPECT_NE(refused.exit_code, 0) << refused.err;
  EXPECT_TRUE(LogShows("reason=tls_handshake_failed"));
  EXPECT_EQ(KcatOk(tls_bootstrap(), with_cert + " -t vip -C -o beginning -e"), "welcome\n")
      << "nothing of the client without a certificate was written";
}

// SIGHUP reads the certificate and key again: new connections get the new certificate. A file
// that does not load leaves the one in use in place.
TEST_F(TlsTest, SighupReloadsTheCertificate) {
  HERALD_REQUIRE_CLIENT(HasCommand("kcat"), "kcat");
  ASSERT_NO_FATAL_FAILURE(Start());
  const std::string before = testing::ServedCertificateSerial(tls_port_, certs_->ca());
  ASSERT_EQ(before.rfind("serial=", 0), 0u) << "no certificate served: '" << before << "'";
  const std::string next = certs_->ReissueServer();
  ASSERT_NE(next, before);

  // The reload happens on the server's own time: poll until new handshakes show it.
  ASSERT_EQ(::kill(server_->pid(), SIGHUP), 0);
  auto deadline = Clock::now() + 5s;
  std::string served = before;
  while (served != next && Clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
    served = testing::ServedCertificateSerial(tls_port_, certs_->ca());
  }
  EXPECT_EQ(served, next);
  EXPECT_TRUE(LogShows("tls_reloaded"));

  // A broken file is refused, and the certificate loaded last stays in use.
  std::ofstream(certs_->server_cert(), std::ios::trunc) << "garbage\n";
  ASSERT_EQ(::kill(server_->pid(), SIGHUP), 0);
  EXPECT_TRUE(LogShows("tls_reload_failed"));
  EXPECT_EQ(testing::ServedCertificateSerial(tls_port_, certs_->ca()), next);
  KcatOk(tls_bootstrap(), KcatTls() + " -t after-reload -P", "still\n");
  EXPECT_EQ(KcatOk(tls_bootstrap(), KcatTls() + " -t after-reload -C -o beginning -e"), "still\n");
  EXPECT_TRUE(server_->Alive());
}

// A client that starts a handshake and sends no more holds its connection only for the request
// read timeout; other clients are served meanwhile.
TEST_F(TlsTest, AHalfHandshakeIsClosedAndOthersAreServed) {
  HERALD_REQUIRE_CLIENT(HasCommand("kcat"), "kcat");
  ASSERT_NO_FATAL_FAILURE(Start({"--request-read-timeout-ms", "500"}));
  RawSocket stalled(tls_port_);
  const auto opened = Clock::now();
  // The header of a TLS record holding a handshake message of 255 bytes, which never follow.
  const uint8_t client_hello_start[] = {0x16, 0x03, 0x01, 0x00, 0xff};
  ASSERT_TRUE(stalled.Send(client_hello_start, sizeof(client_hello_start)));
  // The broker waits for the rest, for a while.
  EXPECT_FALSE(stalled.ClosedBy(opened + 200ms)) << "closed long before the read timeout";

  KcatOk(tls_bootstrap(), KcatTls() + " -t meanwhile -P", "served\n");
  EXPECT_EQ(KcatOk(tls_bootstrap(), KcatTls() + " -t meanwhile -C -o beginning -e"), "served\n");

  EXPECT_TRUE(stalled.ClosedBy(opened + 3s)) << "the half handshake was left open";
  EXPECT_TRUE(LogShows("the TLS handshake did not finish within the request read timeout"));
  EXPECT_TRUE(server_->Alive());
}

// TLS flags that cannot work stop serve before it listens, with a message that says why.
// A broker whose certificate has expired is refused by a client that checks it, though its CA
// is trusted.
TEST_F(TlsTest, AnExpiredServerCertificateIsRefused) {
  HERALD_REQUIRE_CLIENT(HasCommand("kcat"), "kcat");
  certs_->ReissueServer(/*expired=*/true);
  ASSERT_NO_FATAL_FAILURE(Start());
  auto r = Kcat(tls_bootstrap(), KcatTls() + " -L -m 5");
  EXPECT_NE(r.exit_code, 0) << r.out;
  EXPECT_NE(r.err.find("certificate verify failed"), std::string::npos) << r.err;
  // librdkafka does not say why; openssl does.
  auto why = RunCommand(fmt::format(
      "echo | timeout 5 openssl s_client -connect {} -CAfile {} -verify_return_error 2>&1",
      tls_bootstrap(), certs_->ca()));
  EXPECT_NE(why.out.find("certificate has expired"), std::string::npos) << why.out;
  EXPECT_NE(KcatOk(server_->bootstrap(), "-L").find("broker 1 at"), std::string::npos)
      << "plaintext still serves";
}

// kafkajs (Node.js's TLS) over the TLS listener: a producer and a consumer group that commits.
TEST_F(TlsTest, KafkajsOverTls) {
  HERALD_REQUIRE_CLIENT(testing::HasKafkajs(), "kafkajs");
  ASSERT_NO_FATAL_FAILURE(Start({"--group-initial-rebalance-delay-ms", "200"}));
  auto r = RunCommand(fmt::format("cd {}/tests/integration/clients && timeout 120 node "
                                  "kafkajs_group.js {} {}",
                                  HERALD_SOURCE_DIR, tls_bootstrap(), certs_->ca()));
  ASSERT_EQ(r.exit_code, 0) << r.out << "\n" << r.err;
  json facts = json::parse(r.out.substr(r.out.rfind('{')));
  EXPECT_EQ(facts["acked"], 2);
  EXPECT_EQ(facts["consumed"].size(), 20u);
  EXPECT_EQ(facts["committed"], json::parse("[10,10]"));
}

// --https-addr serves what the HTTP listener serves, over TLS with the same certificate: curl
// trusting the test CA reads and writes through it (the API key still applies); a client that
// does not trust the certificate, or speaks plain HTTP to it, gets nothing.
TEST_F(TlsTest, HttpsServesTheHttpApiOverTls) {
  const uint16_t https_port = FreeLoopbackPort();
  uint16_t registry_port = FreeLoopbackPort();
  while (registry_port == https_port) registry_port = FreeLoopbackPort();
  const std::string https = fmt::format("https://127.0.0.1:{}", https_port);
  const std::string registry = fmt::format("https://127.0.0.1:{}", registry_port);
  ASSERT_NO_FATAL_FAILURE(Start({"--https-addr", fmt::format("127.0.0.1:{}", https_port),
                                 "--registry-addr", registry, "--api-key", "sesame"}));
  const std::string key = "-H 'Authorization: Bearer sesame' ";
  auto curl = [&](const std::string& args) {
    return RunCommand(fmt::format("curl -s -m 10 --cacert {} {}", certs_->ca(), args));
  };
  EXPECT_EQ(curl(key + https + "/healthz").out, "{\"status\":\"ok\"}\n");
  auto produced =
      curl(fmt::format("{}-H 'Content-Type: application/vnd.kafka.json.v2+json' "
                       "-d '{{\"records\":[{{\"value\":{{\"over\":\"https\"}}}}]}}' {}/topics/web",
                       key, https));
  ASSERT_EQ(produced.exit_code, 0) << produced.err;
  EXPECT_NE(produced.out.find(R"("offset":0)"), std::string::npos) << produced.out;
  auto listed = curl(key + https + "/topics");
  EXPECT_NE(listed.out.find(R"("web")"), std::string::npos) << listed.out;
  EXPECT_NE(curl("-o /dev/null -w '%{http_code}' " + https + "/topics").out.find("401"),
            std::string::npos)
      << "the API key applies over HTTPS too";
  // The same topic through the plain HTTP listener.
  auto plain = RunCommand(fmt::format("curl -s -m 10 {}{}/topics", key, server_->http_url()));
  EXPECT_NE(plain.out.find(R"("web")"), std::string::npos) << plain.out;
  EXPECT_EQ(RunCommand("curl -s -m 10 " + https + "/healthz").exit_code, 60)
      << "a certificate the client does not trust";
  EXPECT_NE(
      RunCommand(fmt::format("curl -s -m 10 http://127.0.0.1:{}/healthz", https_port)).exit_code, 0)
      << "plain HTTP to the HTTPS port";
  EXPECT_EQ(curl(key + https + "/healthz").out, "{\"status\":\"ok\"}\n") << "still serving";

  // --registry-addr https://...: the schema registry alone, over TLS with the same certificate.
  auto subjects = curl(key + registry + "/subjects");
  EXPECT_EQ(subjects.exit_code, 0) << subjects.err;
  EXPECT_EQ(subjects.out, "[]\n") << subjects.out;
  EXPECT_NE(curl("-o /dev/null -w '%{http_code}' " + registry + "/subjects").out.find("401"),
            std::string::npos)
      << "the API key applies on the registry's listener too";
  EXPECT_NE(RunCommand(fmt::format("curl -s -m 10 http://127.0.0.1:{}/subjects", registry_port))
                .exit_code,
            0)
      << "plain HTTP to the registry's TLS port";
}

TEST_F(TlsTest, BadTlsFlagsAreRefused) {
  auto serve = [&](const std::string& args) {
    return RunCommand(fmt::format(
        "timeout 10 {} serve --data-dir {}/data --kafka-addr 127.0.0.1:0 --http-addr 127.0.0.1:0 "
        "{}",
        HERALD_BINARY, dir_.str(), args));
  };
  // (timeout's 124, were serve to run, is non-zero too: the messages tell the cases apart.)
  auto no_listener = serve("--tls-cert x");
  EXPECT_NE(no_listener.exit_code, 0);
  EXPECT_NE(no_listener.err.find("--kafka-tls-addr"), std::string::npos) << no_listener.err;

  auto missing = serve("--kafka-tls-addr 127.0.0.1:0 --tls-cert missing.pem --tls-key missing.key");
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("missing.pem"), std::string::npos) << missing.err;

  auto no_ca =
      serve(fmt::format("--kafka-tls-addr 127.0.0.1:0 --tls-cert {} --tls-key {} "
                        "--tls-client-auth required",
                        certs_->server_cert(), certs_->server_key()));
  EXPECT_NE(no_ca.exit_code, 0);
  EXPECT_NE(no_ca.err.find("--tls-ca"), std::string::npos) << no_ca.err;

  // A key that is not the certificate's.
  auto mismatch = serve(fmt::format("--kafka-tls-addr 127.0.0.1:0 --tls-cert {} --tls-key {}",
                                    certs_->server_cert(), certs_->client_key()));
  EXPECT_NE(mismatch.exit_code, 0);
  EXPECT_NE(mismatch.err.find(certs_->client_key()), std::string::npos) << mismatch.err;
}

}  // namespace
}  // namespace herald
