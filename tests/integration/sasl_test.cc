// SASL on the Kafka listeners of a real `herald serve` (--sasl-mechanisms): the plaintext listener
// becomes SASL_PLAINTEXT and the TLS one SASL_SSL. Users are made offline with `herald user
// create` before the broker starts. Driven with kcat (librdkafka), python3-confluent-kafka,
// python3-kafka (SaslHandshake v0 and raw tokens), kafkajs, and a raw socket for what clients
// never send: requests before authentication, an unsupported mechanism, a wrong password. Also
// the `herald user` commands themselves, and the mechanism names serve refuses.
//
// One broker serves the whole suite (started on first use, users created before it starts):
//   alice  password kAlicePassword, SCRAM-SHA-256 and SCRAM-SHA-512 (the default), 4096 iterations
//   carol  password kCarolPassword, SCRAM-SHA-512 only, 8192 iterations
// with PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 enabled and JSON logs. Tests use their own topics,
// and compare counts of log events and metrics before and after what they do.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/net.h"
#include "kafka/api.h"
#include "kafka/messages/api_versions.h"
#include "kafka/messages/metadata.h"
#include "kafka/messages/sasl_authenticate.h"
#include "kafka/messages/sasl_handshake.h"
#include "testing/acl_broker.h"
#include "testing/certificates.h"
#include "testing/clients.h"
#include "testing/curl.h"
#include "testing/herald_process.h"
#include "testing/raw_wire_client.h"
#include "testing/test_util.h"

namespace herald {
namespace {

using namespace std::chrono_literals;
using namespace std::string_literals;
using kafka::ApiKey;
using kafka::Code;
using kafka::ErrorCode;
using nlohmann::json;
using testing::CommandResult;
using testing::HasCommand;
using testing::PlainToken;
using testing::PythonHas;
using testing::RunCommand;
using testing::raw_wire::RawWireClient;
using Clock = std::chrono::steady_clock;

constexpr char kAllMechanisms[] = "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512";
constexpr char kAlicePassword[] = "secret";
constexpr char kCarolPassword[] = "c4rol-Pa55";
// Distinctive enough to look for in the server's log and in command output, where it must not be.
constexpr char kWrongPassword[] = "wr0ng-Pa55word";
// The scripts' wrong password: the right one with this appended.
constexpr char kScriptWrongSuffix[] = "-wr0ng";
constexpr char kClosedForAuthentication[] =
    R"(connections_closed_total{listener="kafka",reason="authentication_failed"})";

// The suite's broker's --sasl-timeout-ms: longer than any wait for a connection to close, so
// that a test that expects a closing is not passed by the timeout instead.
constexpr int kSuiteSaslTimeoutMs = 120'000;
constexpr char kKafkaAuthFailures[] = R"(auth_failures_total{listener="kafka"})";

// `herald ARGS`, bounded by a timeout.
CommandResult Herald(const std::string& args) {
  return RunCommand(fmt::format("timeout 60 {} {}", HERALD_BINARY, args));
}

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

bool Contains(const json& list, const std::string& value) {
  for (const auto& item : list) {
    if (item == value) return true;
  }
  return false;
}

// The JSON object a client script printed on its last line (discarded when there is none).
json LastLineJson(std::string out) {
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return json::parse(out.substr(out.rfind('\n') + 1), nullptr, false);
}

// "v0" ... "v{n-1}": the values the client scripts produce.
json Values(int n) {
  std::vector<std::string> values;
  for (int i = 0; i < n; ++i) values.push_back(fmt::format("v{}", i));
  return json(values);
}

// (user, mechanism) -> iterations, as `herald user list` prints them: one line per credential,
// "NAME MECHANISM ITERATIONS" separated by whitespace (a header line, or any line naming no SCRAM
// mechanism, is passed over). Iterations -1 when no number follows the mechanism.
using Credentials = std::map<std::pair<std::string, std::string>, int>;
Credentials ListedCredentials(const std::string& out) {
  Credentials listed;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    const std::vector<std::string> tokens{std::istream_iterator<std::string>(words),
                                          std::istream_iterator<std::string>()};
    for (size_t i = 1; i < tokens.size(); ++i) {
      if (tokens[i] != "SCRAM-SHA-256" && tokens[i] != "SCRAM-SHA-512") continue;
      int iterations = -1;
      if (i + 1 < tokens.size() && !tokens[i + 1].empty() && tokens[i + 1].size() < 9 &&
          std::all_of(tokens[i + 1].begin(), tokens[i + 1].end(),
                      [](unsigned char c) { return std::isdigit(c) != 0; })) {
        iterations = std::stoi(tokens[i + 1]);
      }
      listed[std::make_pair(tokens[0], tokens[i])] = iterations;
    }
  }
  return listed;
}

// `text` (what `herald user` commands printed) holds none of `secrets`.
void ExpectNoSecrets(const std::string& text, const std::vector<std::string>& secrets) {
  for (const auto& secret : secrets) {
    EXPECT_EQ(text.find(secret), std::string::npos) << "'" << secret << "' printed:\n" << text;
  }
}

// `herald user list` printed none of `secrets`, and nothing that looks like a salt or a key in
// base64 (a word of 20 characters or more).
void ExpectAListWithoutSecrets(const std::string& text, const std::vector<std::string>& secrets) {
  ExpectNoSecrets(text, secrets);
  std::istringstream words(text);
  for (std::string word; words >> word;) {
    EXPECT_LT(word.size(), 20u) << "a salt or key printed? '" << word << "' in:\n" << text;
  }
}

// ---- raw SASL exchanges ----

kafka::SaslHandshakeResponse Handshake(RawWireClient& client, const std::string& mechanism,
                                       int16_t version = 1) {
  kafka::SaslHandshakeRequest request;
  request.mechanism = mechanism;
  return client.Call<kafka::SaslHandshakeResponse>(ApiKey::kSaslHandshake, version, request).body;
}

kafka::SaslAuthenticateResponse Authenticate(RawWireClient& client, const std::string& token,
                                             int16_t version = 2) {
  kafka::SaslAuthenticateRequest request;
  request.auth_bytes.assign(token.begin(), token.end());
  return client.Call<kafka::SaslAuthenticateResponse>(ApiKey::kSaslAuthenticate, version, request)
      .body;
}

// Metadata v1 for every topic.
kafka::MetadataRequest AllTopics() {
  kafka::MetadataRequest request;
  request.topics = std::nullopt;
  return request;
}

kafka::MetadataResponse Metadata(RawWireClient& client) {
  return client.Call<kafka::MetadataResponse>(ApiKey::kMetadata, 1, AllTopics()).body;
}

kafka::ApiVersionsResponse ApiVersions(RawWireClient& client) {
  kafka::ApiVersionsRequest request{"herald-sasl-test", "1.0.0"};
  return client.Call<kafka::ApiVersionsResponse>(ApiKey::kApiVersions, 3, request).body;
}

std::set<std::string> AsSet(const std::vector<std::string>& items) {
  return std::set<std::string>(items.begin(), items.end());
}

// ---- fixture ----

class SaslTest : public ::testing::Test {
 protected:
  // The suite's broker and what it was started with.
  struct Broker {
    testing::TempDir dir;
    std::string data_dir;
    std::unique_ptr<testing::TestCertificates> certs;
    uint16_t tls_port = 0;
    std::string listed;   // what `herald user list` printed before the start
    std::string failure;  // why it could not be started
    std::unique_ptr<testing::HeraldProcess> server;  // last: stopped before the files go
  };

  static void TearDownTestSuite() { broker_.reset(); }

  void TearDown() override {
    if (HasFailure() && broker_ && broker_->server) broker_->server->PrintLogTail();
  }

  // Starts the suite's broker unless an earlier test did; fails the test when it is not running.
  // Use with ASSERT_NO_FATAL_FAILURE.
  void Serve() {
    if (!broker_) {
      broker_ = std::make_unique<Broker>();
      try {
        StartBroker(*broker_);
      } catch (const std::exception& e) {
        broker_->failure = e.what();
        broker_->server.reset();
      }
    }
    ASSERT_TRUE(broker_->server != nullptr)
        << "the suite's broker did not start: " << broker_->failure;
    ASSERT_TRUE(broker_->server->Alive()) << "the suite's broker has ended";
  }

  // Creates the users in a fresh data directory, then starts `herald serve` on it with a TLS
  // listener beside the plain one and SASL on both.
  static void StartBroker(Broker& b) {
    b.data_dir = b.dir.str() + "/data";
    std::filesystem::create_directories(b.data_dir);
    std::filesystem::create_directories(b.dir.path() / "certs");
    b.certs = std::make_unique<testing::TestCertificates>(b.dir.path() / "certs");
    for (const std::string& args :
         {fmt::format("user create alice --password {} --data-dir {}", kAlicePassword, b.data_dir),
          fmt::format("user create carol --password {} --mechanism SCRAM-SHA-512 "
                      "--iterations 8192 --data-dir {}",
                      kCarolPassword, b.data_dir)}) {
      auto r = Herald(args);
      if (r.exit_code != 0) {
        throw std::runtime_error(
            fmt::format("herald {} exited with {}: {}{}", args, r.exit_code, r.out, r.err));
      }
    }
    auto listed = Herald("user list --data-dir " + b.data_dir);
    if (listed.exit_code != 0) {
      throw std::runtime_error(
          fmt::format("herald user list exited with {}: {}", listed.exit_code, listed.err));
    }
    b.listed = listed.out;
    // The TLS port is chosen before HeraldProcess picks its own two, which may (rarely) take the
    // same one: serve then exits at start, and another port is tried (on the same directory,
    // which holds the users).
    for (int attempt = 1;; ++attempt) {
      b.tls_port = FreeLoopbackPort();
      std::vector<std::string> args = {"--kafka-tls-addr",
                                       fmt::format("127.0.0.1:{}", b.tls_port),
                                       "--tls-cert",
                                       b.certs->server_cert(),
                                       "--tls-key",
                                       b.certs->server_key(),
                                       "--sasl-mechanisms",
                                       kAllMechanisms,
                                       "--group-initial-rebalance-delay-ms",
                                       "200",
                                       "--sasl-timeout-ms",
                                       std::to_string(kSuiteSaslTimeoutMs)};
      try {
        b.server = std::make_unique<testing::HeraldProcess>(b.data_dir, args, "json");
        return;
      } catch (const std::runtime_error& e) {
        const bool exited = std::string(e.what()).rfind("herald serve exited at start", 0) == 0;
        if (!exited || attempt == 3) throw;
      }
    }
  }

  testing::HeraldProcess& server() { return *broker_->server; }
  std::string plain_bootstrap() { return server().bootstrap(); }
  std::string tls_bootstrap() const { return fmt::format("127.0.0.1:{}", broker_->tls_port); }

  // kcat's settings for SASL_PLAINTEXT, or SASL_SSL trusting the test CA with `tls`.
  std::string KcatSasl(const std::string& mechanism, const std::string& user,
                       const std::string& password, bool tls = false) const {
    std::string settings = fmt::format(
        "-X security.protocol={} -X sasl.mechanisms={} -X sasl.username={} -X sasl.password={}",
        tls ? "SASL_SSL" : "SASL_PLAINTEXT", mechanism, user, password);
    if (tls) settings += " -X ssl.ca.location=" + broker_->certs->ca();
    return settings;
  }

  // Runs kcat against `bootstrap` with `args`, `input` on its stdin, bounded by a timeout.
  CommandResult Kcat(const std::string& bootstrap, const std::string& args,
                     const std::string& input = "") {
    return testing::RunKcat(scratch_.path(), bootstrap, args, input);
  }
  std::string KcatOk(const std::string& bootstrap, const std::string& args,
                     const std::string& input = "") {
    return testing::RunKcatOk(scratch_.path(), bootstrap, args, input);
  }
  double MetricValue(const std::string& series) {
    return testing::MetricValue(server().http_url(), series);
  }

  // Connections closed for failed authentication or a request before it (0 before the first).
  double ClosedForAuthentication() { return std::max(0.0, MetricValue(kClosedForAuthentication)); }

  // Waits up to 5 s for ClosedForAuthentication() to reach `at_least`.
  bool ClosedForAuthenticationReaches(double at_least) {
    const auto deadline = Clock::now() + 5s;
    while (ClosedForAuthentication() < at_least) {
      if (Clock::now() > deadline) return false;
      std::this_thread::sleep_for(50ms);
    }
    return true;
  }

  // How many events named `name` the server's (JSON) log holds whose line has each of `values`
  // as a string value (under whatever key).
  size_t CountEvents(const std::string& name, const std::vector<std::string>& values = {}) {
    size_t count = 0;
    std::istringstream log(server().Log());
    for (std::string line; std::getline(log, line);) {
      if (line.empty() || line[0] != '{') continue;  // the startup banner is for humans
      const json event = json::parse(line, nullptr, false);
      if (!event.is_object() || event.value("event", "") != name) continue;
      const std::string text = event.dump();
      const bool all = std::all_of(values.begin(), values.end(), [&](const std::string& v) {
        return text.find(json(v).dump()) != std::string::npos;
      });
      if (all) ++count;
    }
    return count;
  }

  // Waits up to 5 s for CountEvents(name, values) to exceed `before`.
  bool LoggedSince(size_t before, const std::string& name,
                   const std::vector<std::string>& values = {}) {
    const auto deadline = Clock::now() + 5s;
    while (CountEvents(name, values) <= before) {
      if (Clock::now() > deadline) return false;
      std::this_thread::sleep_for(50ms);
    }
    return true;
  }

  std::unique_ptr<RawWireClient> Connect() {
    return std::make_unique<RawWireClient>(server().port());
  }

  // The broker is alive, and a fresh client that authenticates (PLAIN) is served.
  void ExpectServing() {
    ASSERT_TRUE(server().Alive()) << "the broker process ended";
    auto client = Connect();
    ASSERT_EQ(Handshake(*client, "PLAIN").error_code, 0);
    ASSERT_EQ(Authenticate(*client, PlainToken("alice", kAlicePassword)).error_code, 0);
    const auto metadata = Metadata(*client);
    ASSERT_EQ(metadata.brokers.size(), 1u);
    EXPECT_EQ(metadata.brokers[0].port, static_cast<int32_t>(server().port()));
  }

  // sasl_confluent.py as alice with `mechanism` over `protocol`, producing to and consuming
  // `topic` in a group that commits, after a producer with a wrong password failed.
  void ExpectConfluentClient(const std::string& protocol, const std::string& bootstrap,
                             const std::string& mechanism, const std::string& topic,
                             const std::string& ca) {
    const size_t authenticated = CountEvents("authenticated", {"alice", mechanism});
    const size_t failed = CountEvents("auth_failed");
    json facts = testing::RunPythonClient(
        "sasl_confluent.py", fmt::format("{} {} {} alice {} {} {}", bootstrap, protocol, mechanism,
                                         kAlicePassword, topic, ca));
    ASSERT_TRUE(facts.is_object());
    EXPECT_EQ(facts["wrong"]["delivered"], 0) << facts["wrong"];
    EXPECT_EQ(facts["wrong"]["failed"], 1) << facts["wrong"];
    EXPECT_TRUE(Contains(facts["wrong"]["errors"], "_AUTHENTICATION")) << facts["wrong"];
    EXPECT_EQ(facts["delivered"], 10);
    EXPECT_EQ(facts["undelivered"], 0);
    EXPECT_EQ(facts["consumed"], Values(10));
    EXPECT_EQ(facts["committed"], json::parse("[10]"));
    EXPECT_EQ(facts["end"], 10) << "only the authenticated producer's records";
    EXPECT_TRUE(Contains(facts["topics"], topic)) << facts["topics"];
    EXPECT_TRUE(LoggedSince(authenticated, "authenticated", {"alice", mechanism}));
    EXPECT_GT(CountEvents("auth_failed"), failed);
    EXPECT_EQ(server().Log().find(kAlicePassword + std::string(kScriptWrongSuffix)),
              std::string::npos)
        << "the wrong password is in the log";
  }

  // sasl_kafka_python.py as alice with `mechanism` (SaslHandshake v0, raw tokens).
  void ExpectKafkaPythonClient(const std::string& mechanism, const std::string& topic) {
    const size_t authenticated = CountEvents("authenticated", {"alice", mechanism});
    const size_t failed = CountEvents("auth_failed");
    json facts = testing::RunPythonClient(
        "sasl_kafka_python.py",
        fmt::format("{} {} alice {} {}", plain_bootstrap(), mechanism, kAlicePassword, topic));
    ASSERT_TRUE(facts.is_object());
    EXPECT_TRUE(facts["wrong"].is_string()) << facts["wrong"];
    EXPECT_NE(facts["wrong"].dump(), "\"delivered\"") << "a wrong password got a record through";
    EXPECT_EQ(facts["offsets"], json::parse("[0,1,2,3,4,5,6,7,8,9]"));
    EXPECT_EQ(facts["consumed"], Values(10));
    EXPECT_EQ(facts["committed"], 10);
    EXPECT_EQ(facts["end"], 10) << "only the authenticated producer's records";
    EXPECT_TRUE(LoggedSince(authenticated, "authenticated", {"alice", mechanism}));
    EXPECT_GT(CountEvents("auth_failed"), failed);
    EXPECT_EQ(server().Log().find(kAlicePassword + std::string(kScriptWrongSuffix)),
              std::string::npos)
        << "the wrong password is in the log";
  }

  // kafkajs against `bootstrap` (SASL_SSL trusting the test CA with `tls`): wrong passwords refused
  // with each mechanism, then an admin, producers and a consumer group with commits, authenticated
  // with SCRAM-SHA-256 and PLAIN (sasl_kafkajs.js).
  void ExpectKafkajsClient(const std::string& bootstrap, bool tls, const std::string& topic) {
    const size_t scram = CountEvents("authenticated", {"alice", "SCRAM-SHA-256"});
    const size_t plain = CountEvents("authenticated", {"alice", "PLAIN"});
    auto r = RunCommand(fmt::format("cd {}/tests/integration/clients && timeout 60 node "
                                    "sasl_kafkajs.js {} alice {} {} {}",
                                    HERALD_SOURCE_DIR, bootstrap, kAlicePassword, topic,
                                    tls ? broker_->certs->ca() : ""));
    ASSERT_EQ(r.exit_code, 0) << r.out << "\n" << r.err;
    json facts = LastLineJson(r.out);
    ASSERT_TRUE(facts.is_object()) << r.out;
    for (const char* mechanism : {"scram-sha-256", "plain"}) {
      const json refused = facts["refused"][mechanism];
      EXPECT_EQ(refused["connected"], false) << mechanism << ": " << refused;
      EXPECT_TRUE(Contains(refused["names"], "KafkaJSSASLAuthenticationError"))
          << mechanism << ": " << refused;
    }
    EXPECT_EQ(facts["created"], true);
    EXPECT_EQ(facts["base_offsets"], json::parse(R"({"plain":0,"scram-sha-256":5})"));
    EXPECT_EQ(facts["consumed"], Values(10));
    EXPECT_EQ(facts["committed"], json::parse("[10]"));
    EXPECT_EQ(facts["end"], json::parse("[10]")) << "only the authenticated producers' records";
    EXPECT_TRUE(LoggedSince(scram, "authenticated", {"alice", "SCRAM-SHA-256"}));
    EXPECT_TRUE(LoggedSince(plain, "authenticated", {"alice", "PLAIN"}));
    EXPECT_EQ(server().Log().find(kAlicePassword + std::string(kScriptWrongSuffix)),
              std::string::npos)
        << "the wrong password is in the log";
  }

  static inline std::unique_ptr<Broker> broker_;
  testing::TempDir scratch_;  // this test's files

 private:
};

// ---- `herald user`, offline ----

TEST_F(SaslTest, UserCommandsCreateListAndDeleteOffline) {
  testing::TempDir dir;
  const std::string data = dir.str() + "/data";
  std::filesystem::create_directories(data);
  auto user = [&](const std::string& args) {
    return Herald(fmt::format("user {} --data-dir {}", args, data));
  };
  auto alice = user("create alice --password pw-Al1ce");
  ASSERT_EQ(alice.exit_code, 0) << alice.out << alice.err;
  auto bob = user("create bob --password pw-B0b --mechanism SCRAM-SHA-512 --iterations 8192");
  ASSERT_EQ(bob.exit_code, 0) << bob.out << bob.err;
  auto erin = user("create erin --password pw-Er1n --mechanism SCRAM-SHA-256 --iterations 16384");
  ASSERT_EQ(erin.exit_code, 0) << "16384 iterations are Kafka's maximum\n" << erin.err;
  ExpectNoSecrets(alice.out + alice.err + bob.out + bob.err + erin.out + erin.err,
                  {"pw-Al1ce", "pw-B0b", "pw-Er1n"});

  auto listed = user("list");
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_EQ(ListedCredentials(listed.out), (Credentials{{{"alice", "SCRAM-SHA-256"}, 4096},
                                                        {{"alice", "SCRAM-SHA-512"}, 4096},
                                                        {{"bob", "SCRAM-SHA-512"}, 8192},
                                                        {{"erin", "SCRAM-SHA-256"}, 16384}}))
      << listed.out;
  ExpectAListWithoutSecrets(listed.out, {"pw-Al1ce", "pw-B0b", "pw-Er1n"});

  // Iterations outside Kafka's 4096..16384 and mechanisms that are not SCRAM's are refused, and
  // create nothing.
  for (const char* refused : {"create dave --password pw-D4ve --iterations 100",
                              "create dave --password pw-D4ve --iterations 16385",
                              "create dave --password pw-D4ve --mechanism SCRAM-SHA-1",
                              "create dave --password pw-D4ve --mechanism PLAIN"}) {
    auto r = user(refused);
    EXPECT_NE(r.exit_code, 0) << "herald user " << refused << "\n" << r.out;
  }

  // One credential, then a whole user; an unknown user, or one already deleted, is an error.
  auto one = user("delete alice --mechanism SCRAM-SHA-256");
  EXPECT_EQ(one.exit_code, 0) << one.err;
  auto whole = user("delete bob");
  EXPECT_EQ(whole.exit_code, 0) << whole.err;
  auto unknown = user("delete carol");
  EXPECT_NE(unknown.exit_code, 0) << unknown.out;
  EXPECT_FALSE(unknown.err.empty()) << "no message for an unknown user";
  EXPECT_NE(user("delete bob").exit_code, 0) << "bob was deleted already";

  listed = user("list");
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_EQ(ListedCredentials(listed.out),
            (Credentials{{{"alice", "SCRAM-SHA-512"}, 4096}, {{"erin", "SCRAM-SHA-256"}, 16384}}))
      << listed.out;
}

// The list names each credential of the suite's users, with its iterations, and no secret. The
// running broker holds the directory: `herald user create` on it is refused with a message.
TEST_F(SaslTest, UserListNamesTheCredentialsAndTheRunningBrokerKeepsTheDirectory) {
  ASSERT_NO_FATAL_FAILURE(Serve());
  EXPECT_EQ(ListedCredentials(broker_->listed), (Credentials{{{"alice", "SCRAM-SHA-256"}, 4096},
                                                             {{"alice", "SCRAM-SHA-512"}, 4096},
                                                             {{"carol", "SCRAM-SHA-512"}, 8192}}))
      << broker_->listed;
  ExpectAListWithoutSecrets(broker_->listed, {kAlicePassword, kCarolPassword});

  auto refused = Herald(fmt::format("user create mallory --password {} --data-dir {}",
                                    kWrongPassword, broker_->data_dir));
  EXPECT_NE(refused.exit_code, 0) << refused.out;
  EXPECT_FALSE(refused.err.empty()) << "no message for a directory the broker holds";
  EXPECT_EQ((refused.out + refused.err).find(kWrongPassword), std::string::npos);
  // Nor does the broker know mallory.
  auto client = Connect();
  ASSERT_EQ(Handshake(*client, "PLAIN").error_code, 0);
  EXPECT_EQ(Authenticate(*client, PlainToken("mallory", kWrongPassword)).error_code,
            Code(ErrorCode::kSaslAuthenticationFailed));
  ExpectServing();
}

// ---- kcat (librdkafka: SaslHandshake v1, SaslAuthenticate) ----

TEST_F(SaslTest, KcatProducesAndConsumesWithEachMechanism) {
  HERALD_REQUIRE_CLIENT(HasCommand("kcat"), "kcat");
  ASSERT_NO_FATAL_FAILURE(Serve());
  for (const std::string mechanism : {"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"}) {
    SCOPED_TRACE(mechanism);
    const size_t authenticated = CountEvents("authenticated", {"alice", mechanism});
    const std::string sasl = KcatSasl(mechanism, "alice", kAlicePassword);
    const std::string topic = "kcat-" + Lower(mechanism);
    const std::string records = fmt::format("{0} one\n{0} two\n{0} three\n", mechanism);
    KcatOk(plain_bootstrap(), sasl + " -t " + topic + " -P", records);
    EXPECT_EQ(KcatOk(plain_bootstrap(), sasl + " -t " + topic + " -C -o beginning -e"), records);
    EXPECT_TRUE(LoggedSince(authenticated, "authenticated", {"alice", mechanism}));
  }
}

// carol has only a SCRAM-SHA-512 credential (8192 iterations): SCRAM-SHA-512 works, SCRAM-SHA-256
// does not, and PLAIN is checked against the credential she has.
TEST_F(SaslTest, CredentialsArePerMechanismAndPlainChecksTheOneThereIs) {
  HERALD_REQUIRE_CLIENT(HasCommand("kcat"), "kcat");
  ASSERT_NO_FATAL_FAILURE(Serve());
  const size_t scram = CountEvents("authenticated", {"carol", "SCRAM-SHA-512"});
  const size_t plain = CountEvents("authenticated", {"carol", "PLAIN"});
  const std::string as_scram = KcatSasl("SCRAM-SHA-512", "carol", kCarolPassword);
  KcatOk(plain_bootstrap(), as_scram + " -t carols -P", "from carol\n");
  EXPECT_EQ(KcatOk(plain_bootstrap(), as_scram + " -t carols -C -o beginning -e"), "from carol\n");
  EXPECT_TRUE(LoggedSince(scram, "authenticated", {"carol", "SCRAM-SHA-512"}));

  const std::string as_plain = KcatSasl("PLAIN", "carol", kCarolPassword);
  EXPECT_EQ(KcatOk(plain_bootstrap(), as_plain + " -t carols -C -o beginning -e"), "from carol\n");
  EXPECT_TRUE(LoggedSince(plain, "authenticated", {"carol", "PLAIN"}));

  const size_t failed = CountEvents("auth_failed");
  auto r = Kcat(plain_bootstrap(), KcatSasl("SCRAM-SHA-256", "carol", kCarolPassword) + " -L -m 5");
  EXPECT_NE(r.exit_code, 0) << "carol has no SCRAM-SHA-256 credential\n" << r.out;
  EXPECT_TRUE(LoggedSince(failed, "auth_failed"));
  // Nor does alice's password open carol's account.
  const size_t failed_before = CountEvents("auth_failed");
  auto wrong = Kcat(plain_bootstrap(), KcatSasl("PLAIN", "carol", kAlicePassword) + " -L -m 5");
  EXPECT_NE(wrong.exit_code, 0) << wrong.out;
  EXPECT_TRUE(LoggedSince(failed_before, "auth_failed"));
}

// The TLS listener is SASL_SSL: kcat with SCRAM-SHA-256 over it, read back over SASL_PLAINTEXT;
// Metadata names the TLS port there; TLS alone (no SASL) gets nothing served.
TEST_F(SaslTest, KcatOverSaslSsl) {
  HERALD_REQUIRE_CLIENT(HasCommand("kcat"), "kcat");
  ASSERT_NO_FATAL_FAILURE(Serve());
  const std::string over_tls = KcatSasl("SCRAM-SHA-256", "alice", kAlicePassword, /*tls=*/true);
  KcatOk(tls_bootstrap(), over_tls + " -t kcat-sasl-ssl -P", "sealed\nand signed\n");
  EXPECT_EQ(KcatOk(tls_bootstrap(), over_tls + " -t kcat-sasl-ssl -C -o beginning -e"),
            "sealed\nand signed\n");
  EXPECT_EQ(KcatOk(plain_bootstrap(), KcatSasl("PLAIN", "alice", kAlicePassword) +
                                          " -t kcat-sasl-ssl -C -o beginning -e"),
            "sealed\nand signed\n");
  const std::string listing = KcatOk(tls_bootstrap(), over_tls + " -L");
  EXPECT_NE(listing.find(fmt::format("broker 1 at 127.0.0.1:{}", broker_->tls_port)),
            std::string::npos)
      << listing;

  const double closed = ClosedForAuthentication();
  auto tls_only = Kcat(tls_bootstrap(), fmt::format("-X security.protocol=ssl -X "
                                                    "ssl.ca.location={} -L -m 5",
                                                    broker_->certs->ca()));
  EXPECT_NE(tls_only.exit_code, 0) << "served over TLS without SASL:\n" << tls_only.out;
  EXPECT_TRUE(ClosedForAuthenticationReaches(closed + 1));
}

// A wrong password: kcat fails with an authentication error, and nothing it sent is stored.
TEST_F(SaslTest, KcatWithAWrongPasswordIsRefusedAndWritesNothing) {
  HERALD_REQUIRE_CLIENT(HasCommand("kcat"), "kcat");
  ASSERT_NO_FATAL_FAILURE(Serve());
  const std::string good = KcatSasl("SCRAM-SHA-256", "alice", kAlicePassword);
  KcatOk(plain_bootstrap(), good + " -t guarded -P", "before\n");

  const size_t failed = CountEvents("auth_failed");
  const double closed = ClosedForAuthentication();
  for (const std::string mechanism : {"PLAIN", "SCRAM-SHA-256"}) {
    SCOPED_TRACE(mechanism);
    auto r = Kcat(
        plain_bootstrap(),
        KcatSasl(mechanism, "alice", kWrongPassword) + " -t guarded -P -X message.timeout.ms=3000",
        "intruder\n");
    EXPECT_NE(r.exit_code, 0) << r.err;
    EXPECT_NE(Lower(r.err).find("authentication"), std::string::npos) << r.err;
  }
  EXPECT_TRUE(LoggedSince(failed + 1, "auth_failed")) << "one failure per mechanism";
  EXPECT_TRUE(ClosedForAuthenticationReaches(closed + 2));
  EXPECT_EQ(KcatOk(plain_bootstrap(), good + " -t guarded -C -o beginning -e"), "before\n")
      << "a record of the refused producer was stored";
  EXPECT_EQ(server().Log().find(kWrongPassword), std::string::npos) << "a password in the log";
  ExpectServing();
}

// ---- python3-confluent-kafka ----

TEST_F(SaslTest, ConfluentKafkaScramSha512OverSaslSsl) {
  HERALD_REQUIRE_CLIENT(PythonHas("confluent_kafka"), "python3-confluent-kafka");
  ASSERT_NO_FATAL_FAILURE(Serve());
  ExpectConfluentClient("sasl_ssl", tls_bootstrap(), "SCRAM-SHA-512", "cf-scram-ssl",
                        broker_->certs->ca());
}

TEST_F(SaslTest, ConfluentKafkaPlainOverSaslPlaintext) {
  HERALD_REQUIRE_CLIENT(PythonHas("confluent_kafka"), "python3-confluent-kafka");
  ASSERT_NO_FATAL_FAILURE(Serve());
  ExpectConfluentClient("sasl_plaintext", plain_bootstrap(), "PLAIN", "cf-plain", "");
}

// ---- python3-kafka (SaslHandshake v0, then raw size-prefixed tokens) ----

TEST_F(SaslTest, KafkaPythonPlain) {
  HERALD_REQUIRE_CLIENT(PythonHas("kafka"), "python3-kafka");
  ASSERT_NO_FATAL_FAILURE(Serve());
  ExpectKafkaPythonClient("PLAIN", "kp-plain");
}

TEST_F(SaslTest, KafkaPythonScramSha256) {
  HERALD_REQUIRE_CLIENT(PythonHas("kafka"), "python3-kafka");
  ASSERT_NO_FATAL_FAILURE(Serve());
  ExpectKafkaPythonClient("SCRAM-SHA-256", "kp-scram");
}

// ---- kafkajs ----

TEST_F(SaslTest, KafkajsScramSha256AndPlain) {
  HERALD_REQUIRE_CLIENT(testing::HasKafkajs(), "kafkajs");
  ASSERT_NO_FATAL_FAILURE(Serve());
  ExpectKafkajsClient(plain_bootstrap(), false, "js-sasl");
}

// The same over the SASL_SSL listener: Node.js's TLS with SCRAM.
TEST_F(SaslTest, KafkajsScramOverTls) {
  HERALD_REQUIRE_CLIENT(testing::HasKafkajs(), "kafkajs");
  ASSERT_NO_FATAL_FAILURE(Serve());
  ExpectKafkajsClient(tls_bootstrap(), true, "js-sasl-ssl");
}

// ---- the wire, byte by byte ----

// Before authentication only ApiVersions and SaslHandshake are served: ApiVersions lists the
// SASL APIs, and any other request closes the connection unanswered. Each closing is counted.
TEST_F(SaslTest, ARequestBeforeAuthenticationClosesTheConnection) {
  ASSERT_NO_FATAL_FAILURE(Serve());
  const double closed = ClosedForAuthentication();
  {
    auto client = Connect();
    const auto versions = ApiVersions(*client);
    EXPECT_EQ(versions.error_code, 0);
    std::set<int16_t> keys;
    for (const auto& key : versions.api_keys) keys.insert(key.api_key);
    EXPECT_TRUE(keys.contains(static_cast<int16_t>(ApiKey::kSaslHandshake)));
    EXPECT_TRUE(keys.contains(static_cast<int16_t>(ApiKey::kSaslAuthenticate)));
    client->Send(ApiKey::kMetadata, 1, AllTopics());
    const auto result = client->WaitForClose(10s);
    EXPECT_TRUE(result.closed) << "Metadata after ApiVersions: " << result.how;
    EXPECT_EQ(result.bytes_received, 0u) << "Metadata was answered before authentication";
  }
  {
    auto client = Connect();
    client->Send(ApiKey::kMetadata, 1, AllTopics());
    const auto result = client->WaitForClose(10s);
    EXPECT_TRUE(result.closed) << "Metadata first: " << result.how;
    EXPECT_EQ(result.bytes_received, 0u) << "Metadata was answered before authentication";
  }
  {
    // A SaslAuthenticate that no SaslHandshake announced does not authenticate.
    auto client = Connect();
    kafka::SaslAuthenticateRequest request;
    const std::string token = PlainToken("alice", kAlicePassword);
    request.auth_bytes.assign(token.begin(), token.end());
    client->Send(ApiKey::kSaslAuthenticate, 2, request);
    const auto result = client->WaitForClose(10s);
    EXPECT_TRUE(result.closed) << "SaslAuthenticate without SaslHandshake: " << result.how;
  }
  EXPECT_TRUE(ClosedForAuthenticationReaches(closed + 2))
      << "now " << ClosedForAuthentication() << ", before " << closed;
  ExpectServing();
}

// A connection that does not authenticate within --sasl-timeout-ms is closed, whether it sent
// nothing or only ApiVersions and SaslHandshake: counted and audited. One that half-closes its
// side is answered and closed at once. (A broker of its own: the suite's waits longer than any
// test.)
TEST_F(SaslTest, AConnectionThatDoesNotAuthenticateInTimeIsClosed) {
  constexpr auto kTimeout = 1500ms;
  testing::TempDir dir;
  testing::HeraldProcess broker(
      dir.str() + "/data",
      {"--sasl-mechanisms", "PLAIN", "--sasl-timeout-ms", std::to_string(kTimeout.count())},
      "json");
  const auto start = Clock::now();
  RawWireClient silent(broker.port());
  RawWireClient stalled(broker.port());
  EXPECT_EQ(ApiVersions(stalled).error_code, 0);
  EXPECT_EQ(Handshake(stalled, "PLAIN").error_code, 0);
  RawWireClient half_closed(broker.port());
  for (int i = 0; i < 3; ++i)
    half_closed.Send(ApiKey::kApiVersions, 3, kafka::ApiVersionsRequest{});
  half_closed.ShutdownWrite();
  const auto answered = half_closed.WaitForClose(kTimeout / 2);
  EXPECT_TRUE(answered.closed) << answered.how;
  EXPECT_GT(answered.bytes_received, 0u) << "the three ApiVersions were answered";
  for (auto* client : {&silent, &stalled}) {
    const auto result = client->WaitForClose(kTimeout + 10s);
    EXPECT_TRUE(result.closed) << result.how;
  }
  EXPECT_GE(Clock::now() - start, kTimeout);
  EXPECT_EQ(testing::MetricValue(broker.http_url(), kClosedForAuthentication), 2);
  EXPECT_EQ(testing::MetricValue(broker.http_url(), kKafkaAuthFailures), 2);
  const std::string log = broker.Log();
  size_t audited = 0;
  for (size_t at = 0;
       (at = log.find("did not authenticate within the SASL timeout", at)) != std::string::npos;
       ++at) {
    ++audited;
  }
  EXPECT_EQ(audited, 2u) << log;
}

// SaslHandshake naming a mechanism that is not enabled: UNSUPPORTED_SASL_MECHANISM, with the
// enabled ones listed, in v1 and in v0.
TEST_F(SaslTest, AnUnsupportedMechanismIsAnsweredWithTheEnabledOnes) {
  ASSERT_NO_FATAL_FAILURE(Serve());
  const std::set<std::string> enabled = {"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"};
  for (int16_t version : {1, 0}) {
    SCOPED_TRACE(version);
    auto client = Connect();
    const auto answer = Handshake(*client, "GSSAPI", version);
    EXPECT_EQ(answer.error_code, Code(ErrorCode::kUnsupportedSaslMechanism));
    EXPECT_EQ(AsSet(answer.mechanisms), enabled);
  }
  auto client = Connect();
  const auto answer = Handshake(*client, "SCRAM-SHA-512");
  EXPECT_EQ(answer.error_code, 0);
  EXPECT_EQ(AsSet(answer.mechanisms), enabled);
  ExpectServing();
}

// PLAIN in SaslAuthenticate (v2, v1 and v0) with a wrong password or an unknown user:
// SASL_AUTHENTICATION_FAILED, then the connection closes; the failures are logged and counted,
// the passwords are not logged, and other clients are served.
TEST_F(SaslTest, AFailedAuthenticationIsAnsweredAndTheConnectionClosed) {
  ASSERT_NO_FATAL_FAILURE(Serve());
  const double closed = ClosedForAuthentication();
  const double audited = std::max(0.0, MetricValue(kKafkaAuthFailures));
  const size_t failed = CountEvents("auth_failed");
  struct Attempt {
    std::string token;
    int16_t version;
  };
  const std::vector<Attempt> attempts = {{PlainToken("alice", kWrongPassword), 2},
                                         {PlainToken("nobody", kWrongPassword), 1},
                                         {PlainToken("carol", kWrongPassword), 0}};
  for (const auto& attempt : attempts) {
    SCOPED_TRACE(attempt.version);
    auto client = Connect();
    ASSERT_EQ(Handshake(*client, "PLAIN").error_code, 0);
    const auto answer = Authenticate(*client, attempt.token, attempt.version);
    EXPECT_EQ(answer.error_code, Code(ErrorCode::kSaslAuthenticationFailed));
    const auto result = client->WaitForClose(10s);
    EXPECT_TRUE(result.closed) << result.how;
  }
  EXPECT_TRUE(ClosedForAuthenticationReaches(closed + 3))
      << "now " << ClosedForAuthentication() << ", before " << closed;
  EXPECT_TRUE(LoggedSince(failed + 2, "auth_failed")) << "one auth_failed event per attempt";
  EXPECT_EQ(MetricValue(kKafkaAuthFailures), audited + 3);
  EXPECT_EQ(server().Log().find(kWrongPassword), std::string::npos) << "a password in the log";
  ExpectServing();
}

// Bad SCRAM exchanges with the real broker: bytes that are no SCRAM message where the client's
// first one belongs, and a final message whose nonce is not the one the server chose. Each is
// answered SASL_AUTHENTICATION_FAILED, closes its connection and is audited; others are served.
TEST_F(SaslTest, GarbageAndAForgedNonceInAScramExchangeAreRefused) {
  ASSERT_NO_FATAL_FAILURE(Serve());
  const double closed = ClosedForAuthentication();
  const size_t failed = CountEvents("auth_failed", {"SCRAM-SHA-256"});
  {
    auto client = Connect();
    ASSERT_EQ(Handshake(*client, "SCRAM-SHA-256").error_code, 0);
    const std::string garbage("\xFF\x00n=,r=\x01\xFE", 9);
    EXPECT_EQ(Authenticate(*client, garbage).error_code,
              Code(ErrorCode::kSaslAuthenticationFailed));
    const auto result = client->WaitForClose(10s);
    EXPECT_TRUE(result.closed) << result.how;
  }
  {
    auto client = Connect();
    ASSERT_EQ(Handshake(*client, "SCRAM-SHA-256").error_code, 0);
    const auto first = Authenticate(*client, "n,,n=alice,r=fyko+d2lbbFgONRv9qkxdawL");
    ASSERT_EQ(first.error_code, 0) << first.error_message.value_or("");
    const std::string server_first(first.auth_bytes.begin(), first.auth_bytes.end());
    ASSERT_EQ(server_first.rfind("r=fyko+d2lbbFgONRv9qkxdawL", 0), 0u) << server_first;
    // The client's nonce and one of its own making, not the server's; any proof.
    const auto final_answer = Authenticate(
        *client, "c=biws,r=fyko+d2lbbFgONRv9qkxdawLforged,p=" + std::string(43, 'A') + "=");
    EXPECT_EQ(final_answer.error_code, Code(ErrorCode::kSaslAuthenticationFailed));
    const auto result = client->WaitForClose(10s);
    EXPECT_TRUE(result.closed) << result.how;
  }
  EXPECT_TRUE(ClosedForAuthenticationReaches(closed + 2))
      << "now " << ClosedForAuthentication() << ", before " << closed;
  EXPECT_TRUE(LoggedSince(failed + 1, "auth_failed", {"SCRAM-SHA-256"}))
      << "one auth_failed event per exchange";
  ExpectServing();
}

// After a PLAIN authentication the connection is served like any other; authentication belongs
// to the connection (another one still has to authenticate). kafka-python's form of the token
// (the user as authorization id too) and a user with only a SCRAM-SHA-512 credential work too.
TEST_F(SaslTest, AfterAuthenticationRequestsAreServed) {
  ASSERT_NO_FATAL_FAILURE(Serve());
  const size_t alice = CountEvents("authenticated", {"alice", "PLAIN"});
  const size_t carol = CountEvents("authenticated", {"carol", "PLAIN"});
  auto client = Connect();
  EXPECT_EQ(ApiVersions(*client).error_code, 0);
  const auto handshake = Handshake(*client, "PLAIN");
  ASSERT_EQ(handshake.error_code, 0);
  EXPECT_TRUE(AsSet(handshake.mechanisms).contains("PLAIN"));
  const auto authenticated = Authenticate(*client, PlainToken("alice", kAlicePassword));
  ASSERT_EQ(authenticated.error_code, 0) << authenticated.error_message.value_or("");
  for (int round = 0; round < 2; ++round) {
    const auto metadata = Metadata(*client);
    ASSERT_EQ(metadata.brokers.size(), 1u);
    EXPECT_EQ(metadata.brokers[0].port, static_cast<int32_t>(server().port()));
    EXPECT_EQ(ApiVersions(*client).error_code, 0);
  }
  EXPECT_TRUE(LoggedSince(alice, "authenticated", {"alice", "PLAIN"}));

  auto other = Connect();
  other->Send(ApiKey::kMetadata, 1, AllTopics());
  const auto refused = other->WaitForClose(10s);
  EXPECT_TRUE(refused.closed) << refused.how;
  EXPECT_EQ(refused.bytes_received, 0u) << "served without authenticating";
  EXPECT_EQ(Metadata(*client).brokers.size(), 1u) << "the authenticated connection is still served";

  auto with_authorization_id = Connect();
  ASSERT_EQ(Handshake(*with_authorization_id, "PLAIN").error_code, 0);
  EXPECT_EQ(
      Authenticate(*with_authorization_id, PlainToken("alice", kAlicePassword, "alice")).error_code,
      0);
  EXPECT_EQ(Metadata(*with_authorization_id).brokers.size(), 1u);

  auto as_carol = Connect();
  ASSERT_EQ(Handshake(*as_carol, "PLAIN").error_code, 0);
  EXPECT_EQ(Authenticate(*as_carol, PlainToken("carol", kCarolPassword), 1).error_code, 0);
  EXPECT_EQ(Metadata(*as_carol).brokers.size(), 1u);
  EXPECT_TRUE(LoggedSince(carol, "authenticated", {"carol", "PLAIN"}));
  ExpectServing();
}

// ---- serve's flag ----

// A subset of the mechanisms: the others are not offered.
TEST_F(SaslTest, OnlyTheEnabledMechanismsAreOffered) {
  testing::TempDir dir;
  testing::HeraldProcess only_scram(dir.str() + "/data", {"--sasl-mechanisms", "SCRAM-SHA-256"},
                                    "json");
  for (int16_t version : {1, 0}) {
    SCOPED_TRACE(version);
    RawWireClient client(only_scram.port());
    const auto answer = Handshake(client, "PLAIN", version);
    EXPECT_EQ(answer.error_code, Code(ErrorCode::kUnsupportedSaslMechanism));
    EXPECT_EQ(answer.mechanisms, std::vector<std::string>{"SCRAM-SHA-256"});
  }
  RawWireClient client(only_scram.port());
  const auto answer = Handshake(client, "SCRAM-SHA-256");
  EXPECT_EQ(answer.error_code, 0);
  EXPECT_EQ(answer.mechanisms, std::vector<std::string>{"SCRAM-SHA-256"});
  RawWireClient unauthenticated(only_scram.port());
  unauthenticated.Send(ApiKey::kMetadata, 1, AllTopics());
  EXPECT_TRUE(unauthenticated.WaitForClose(10s).closed);
  EXPECT_TRUE(only_scram.Alive());
  if (HasFailure()) only_scram.PrintLogTail();
}

// A mechanism Herald does not serve stops serve at start, with a message naming it.
TEST_F(SaslTest, AnUnknownMechanismIsAUsageError) {
  testing::TempDir dir;
  for (const char* unknown : {"GSSAPI", "SCRAM-SHA-1"}) {
    auto r = RunCommand(fmt::format(
        "timeout 10 {} serve --data-dir {}/data --kafka-addr 127.0.0.1:0 --http-addr 127.0.0.1:0 "
        "--sasl-mechanisms PLAIN,{}",
        HERALD_BINARY, dir.str(), unknown));
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.exit_code, 124) << "serve ran with --sasl-mechanisms PLAIN," << unknown;
    EXPECT_NE((r.err + r.out).find(unknown), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace herald
