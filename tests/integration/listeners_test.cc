// Kafka's listener model on a real `herald serve`: several listeners, each with its own security
// protocol, given as --listeners or as server.properties' listeners, advertised.listeners and
// listener.security.protocol.map, with the security settings Kafka's server.properties holds
// (sasl.enabled.mechanisms, super.users, authorizer.class.name, ssl.* with PEM files). Driven
// with kcat; the usage errors with `herald serve` itself.
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "base/net.h"
#include "testing/certificates.h"
#include "testing/clients.h"
#include "testing/herald_process.h"
#include "testing/test_util.h"

namespace herald {
namespace {

using testing::CommandResult;
using testing::HasCommand;
using testing::RunCommand;

constexpr char kAlicePassword[] = "al1ce-Pa55";
constexpr char kBobPassword[] = "b0b-Pa55";

CommandResult Herald(const std::string& args) {
  return RunCommand(fmt::format("timeout 60 {} {}", HERALD_BINARY, args));
}

class ListenersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_dir_ = dir_.str() + "/data";
    std::filesystem::create_directories(data_dir_);
    std::filesystem::create_directories(dir_.path() / "certs");
    certs_ = std::make_unique<testing::TestCertificates>(dir_.path() / "certs");
    for (const std::string& args :
         {fmt::format("user create alice --password {} --data-dir {}", kAlicePassword, data_dir_),
          fmt::format("user create bob --password {} --data-dir {}", kBobPassword, data_dir_)}) {
      auto r = Herald(args);
      ASSERT_EQ(r.exit_code, 0) << args << ": " << r.out << r.err;
    }
  }
  void TearDown() override {
    if (HasFailure() && server_) server_->PrintLogTail();
  }

  // Starts the broker with the arguments `args_for` makes from two free ports. The ports are
  // chosen before HeraldProcess picks its HTTP port, which may (rarely) take one of them: serve
  // then exits at start, and other ports are tried.
  void Start(const std::function<std::vector<std::string>(uint16_t, uint16_t)>& args_for) {
    for (int attempt = 1;; ++attempt) {
      port_a_ = FreeLoopbackPort();
      do {
        port_b_ = FreeLoopbackPort();
      } while (port_b_ == port_a_);
      try {
        server_ = std::make_unique<testing::HeraldProcess>(data_dir_, args_for(port_a_, port_b_));
        return;
      } catch (const std::runtime_error& e) {
        const bool exited = std::string(e.what()).rfind("herald serve exited at start", 0) == 0;
        if (!exited || attempt == 3) throw;
      }
    }
  }

  std::string At(uint16_t port) const { return fmt::format("127.0.0.1:{}", port); }
  std::string Sasl(const std::string& protocol, const std::string& mechanism,
                   const std::string& user, const std::string& password) const {
    std::string settings = fmt::format(
        "-X security.protocol={} -X sasl.mechanisms={} -X sasl.username={} "
        "-X sasl.password={}",
        protocol, mechanism, user, password);
    if (protocol == "SASL_SSL") settings += " -X ssl.ca.location=" + certs_->ca();
    return settings;
  }
  CommandResult Kcat(uint16_t port, const std::string& args, const std::string& input = "") {
    return testing::RunKcat(dir_.path(), At(port), args, input);
  }
  std::string KcatOk(uint16_t port, const std::string& args, const std::string& input = "") {
    return testing::RunKcatOk(dir_.path(), At(port), args, input);
  }
  std::string WriteConfig(const std::string& text) {
    const std::string path = dir_.str() + "/server.properties";
    std::ofstream(path) << text;
    return path;
  }

  testing::TempDir dir_;
  std::string data_dir_;
  std::unique_ptr<testing::TestCertificates> certs_;
  uint16_t port_a_ = 0, port_b_ = 0;
  std::unique_ptr<testing::HeraldProcess> server_;
};

// --listeners PLAINTEXT://...,SASL_SSL://...: the same broker and data on both, SASL and TLS only
// where the listener says, and Metadata on each names that listener's own address.
TEST_F(ListenersTest, PlaintextAndSaslSslSideBySide) {
  HERALD_REQUIRE_CLIENT(HasCommand("kcat"), "kcat");
  ASSERT_NO_FATAL_FAILURE(Start([&](uint16_t a, uint16_t b) -> std::vector<std::string> {
    return {
        "--listeners",       fmt::format("PLAINTEXT://127.0.0.1:{},SASL_SSL://127.0.0.1:{}", a, b),
        "--sasl-mechanisms", "SCRAM-SHA-512",
        "--tls-cert",        certs_->server_cert(),
        "--tls-key",         certs_->server_key()};
  }));
  EXPECT_EQ(server_->bootstrap(), At(port_a_));
  const std::string sasl_ssl = Sasl("SASL_SSL", "SCRAM-SHA-512", "alice", kAlicePassword);
  KcatOk(port_b_, sasl_ssl + " -t sides -P", "sealed\n");
  KcatOk(port_a_, "-t sides -P", "open\n");
  EXPECT_EQ(KcatOk(port_a_, "-t sides -C -o beginning -e"), "sealed\nopen\n");
  EXPECT_EQ(KcatOk(port_b_, sasl_ssl + " -t sides -C -o beginning -e"), "sealed\nopen\n");

  const std::string plain_listing = KcatOk(port_a_, "-L");
  EXPECT_NE(plain_listing.find(fmt::format("broker 1 at 127.0.0.1:{}", port_a_)), std::string::npos)
      << plain_listing;
  const std::string tls_listing = KcatOk(port_b_, sasl_ssl + " -L");
  EXPECT_NE(tls_listing.find(fmt::format("broker 1 at 127.0.0.1:{}", port_b_)), std::string::npos)
      << tls_listing;

  // The SASL_SSL listener serves neither TLS without SASL nor plaintext.
  auto tls_only = Kcat(port_b_, fmt::format("-X security.protocol=SSL -X ssl.ca.location={} -L "
                                            "-m 5",
                                            certs_->ca()));
  EXPECT_NE(tls_only.exit_code, 0) << tls_only.out;
  auto plain = Kcat(port_b_, "-L -m 5");
  EXPECT_NE(plain.exit_code, 0) << plain.out;
  // A wrong password on it is an authentication error.
  auto wrong = Kcat(port_b_, Sasl("SASL_SSL", "SCRAM-SHA-512", "alice", "nope") + " -L -m 5");
  EXPECT_NE(wrong.exit_code, 0) << wrong.out;
  EXPECT_TRUE(server_->Alive());
  EXPECT_NE(server_->Log().find(
                fmt::format("PLAINTEXT://127.0.0.1:{},SASL_SSL://127.0.0.1:{}", port_a_, port_b_)),
            std::string::npos)
      << "the listening event names every listener";
}

// Everything from server.properties: named listeners mapped to protocols, what each advertises,
// the SASL mechanisms, the ACL authorizer and its super users, and the TLS files as PEM
// keystore and truststore with required client certificates.
TEST_F(ListenersTest, ServerPropertiesSetListenersAndSecurity) {
  HERALD_REQUIRE_CLIENT(HasCommand("kcat"), "kcat");
  // A PEM keystore: the certificate chain and the key in one file.
  const std::string keystore = dir_.str() + "/keystore.pem";
  {
    std::ofstream out(keystore);
    out << std::ifstream(certs_->server_cert()).rdbuf()
        << std::ifstream(certs_->server_key()).rdbuf();
  }
  ASSERT_NO_FATAL_FAILURE(Start([&](uint16_t a, uint16_t b) -> std::vector<std::string> {
    const std::string config = WriteConfig(fmt::format(
        "listeners=EXTERNAL://127.0.0.1:{},SECURE://127.0.0.1:{}\n"
        "listener.security.protocol.map=EXTERNAL:SASL_PLAINTEXT,SECURE:SSL\n"
        "advertised.listeners=EXTERNAL://localhost:{},SECURE://127.0.0.1:{}\n"
        "sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256\n"
        "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer\n"
        "super.users=User:admin;User:alice\n"
        "ssl.keystore.type=PEM\n"
        "ssl.keystore.location={}\n"
        "ssl.truststore.type=PEM\n"
        "ssl.truststore.location={}\n"
        "ssl.client.auth=required\n",
        a, b, a, b, keystore, certs_->ca()));
    return {"--config", config, "--http-auth", "basic"};
  }));
  const std::string alice = Sasl("SASL_PLAINTEXT", "SCRAM-SHA-256", "alice", kAlicePassword);
  KcatOk(port_a_, alice + " -t props -P", "from alice\n");
  EXPECT_EQ(KcatOk(port_a_, alice + " -t props -C -o beginning -e"), "from alice\n");
  const std::string listing = KcatOk(port_a_, alice + " -L");
  EXPECT_NE(listing.find(fmt::format("broker 1 at localhost:{}", port_a_)), std::string::npos)
      << "advertised.listeners names what EXTERNAL's clients are told:\n"
      << listing;

  // bob authenticates (PLAIN is enabled) but is no super user and holds no ACL.
  auto bob = Kcat(port_a_,
                  Sasl("SASL_PLAINTEXT", "PLAIN", "bob", kBobPassword) +
                      " -t props -P -X message.timeout.ms=5000",
                  "from bob\n");
  EXPECT_NE(bob.exit_code, 0) << bob.out;
  EXPECT_NE(bob.err.find("uthorization failed"), std::string::npos) << bob.err;
  // SCRAM-SHA-512 is not among sasl.enabled.mechanisms.
  auto sha512 =
      Kcat(port_a_, Sasl("SASL_PLAINTEXT", "SCRAM-SHA-512", "alice", kAlicePassword) + " -L -m 5");
  EXPECT_NE(sha512.exit_code, 0) << sha512.out;

  // SECURE is SSL with required client certificates (ssl.client.auth, the PEM truststore).
  const std::string ssl =
      fmt::format("-X security.protocol=SSL -X ssl.ca.location={}", certs_->ca());
  const std::string with_cert =
      fmt::format("{} -X ssl.certificate.location={} -X ssl.key.location={}", ssl,
                  certs_->client_cert(), certs_->client_key());
  const std::string secure_listing = KcatOk(port_b_, with_cert + " -L");
  EXPECT_NE(secure_listing.find(fmt::format("broker 1 at 127.0.0.1:{}", port_b_)),
            std::string::npos)
      << secure_listing;
  auto no_cert = Kcat(port_b_, ssl + " -L -m 5");
  EXPECT_NE(no_cert.exit_code, 0) << no_cert.out;
  EXPECT_EQ(KcatOk(port_a_, alice + " -t props -C -o beginning -e"), "from alice\n")
      << "nothing of bob's was written";
}

// A verified client certificate names the client's principal (User:SUBJECT, or as
// ssl.principal.mapping.rules maps it), and the ACLs judge that principal: here the mapped name
// is a super user, and a client without a certificate stays User:ANONYMOUS and is refused.
TEST_F(ListenersTest, ClientCertificatesNamePrincipals) {
  HERALD_REQUIRE_CLIENT(HasCommand("kcat"), "kcat");
  ASSERT_NO_FATAL_FAILURE(Start([&](uint16_t a, uint16_t) -> std::vector<std::string> {
    return {"--listeners",
            fmt::format("SSL://127.0.0.1:{}", a),
            "--tls-cert",
            certs_->server_cert(),
            "--tls-key",
            certs_->server_key(),
            "--tls-ca",
            certs_->ca(),
            "--tls-client-auth",
            "requested",
            "--ssl-principal-mapping-rules",
            "RULE:^CN=([a-z]+)$/$1-cert/U,DEFAULT",
            "--authorizer",
            "acl",
            "--super-users",
            "User:CLIENT-CERT",
            "--http-auth",
            "basic"};
  }));
  const std::string ssl =
      fmt::format("-X security.protocol=SSL -X ssl.ca.location={}", certs_->ca());
  const std::string with_cert =
      fmt::format("{} -X ssl.certificate.location={} -X ssl.key.location={}", ssl,
                  certs_->client_cert(), certs_->client_key());
  KcatOk(port_a_, with_cert + " -t certified -P", "signed\n");
  EXPECT_EQ(KcatOk(port_a_, with_cert + " -t certified -C -o beginning -e"), "signed\n");

  auto anonymous = Kcat(port_a_, ssl + " -t certified -P -X message.timeout.ms=5000", "anon\n");
  EXPECT_NE(anonymous.exit_code, 0) << anonymous.out;
  EXPECT_NE(anonymous.err.find("uthorization failed"), std::string::npos) << anonymous.err;
  EXPECT_NE(server_->Log().find("User:ANONYMOUS"), std::string::npos)
      << "the refusal's audit event names the anonymous principal";
}

// Listener settings that cannot be served are usage errors (exit 2) that say why, before
// anything is opened.
TEST(ListenersUsageTest, RefusedWithAReason) {
  testing::TempDir dir;
  const std::string data = dir.str() + "/data";
  struct Case {
    std::string args;
    std::string config;  // server.properties, when not empty
    std::string says;
  };
  const std::vector<Case> cases = {
      {"--listeners SASL_SSL://127.0.0.1:0", "", "--sasl-mechanisms"},
      {"--listeners PLAINTEXT://127.0.0.1:0 --sasl-mechanisms PLAIN", "", "no listener"},
      {"--listeners PLAINTEXT://127.0.0.1:0 --kafka-addr 127.0.0.1:0", "", "replaces"},
      {"--listeners SSL://127.0.0.1:0", "", "--tls-cert"},
      {"--listeners PLAINTEXT://127.0.0.1:0 --advertised-addr h:1", "", "--advertised-listeners"},
      {"--listeners PLAINTEXT://127.0.0.1:0 --advertised-listeners SSL://h:1", "",
       "not one of the listeners"},
      {"--listeners PLAINTEXT://127.0.0.1:9,SSL://127.0.0.1:9", "", "port 9"},
      {"", "listeners=INTERNAL://127.0.0.1:0\n", "listener.security.protocol.map"},
      {"", "listeners=PLAINTEXT://127.0.0.1:0\nssl.keystore.type=JKS\n", "only PEM"},
      {"", "listeners=PLAINTEXT://127.0.0.1:0\nauthorizer.class.name=com.example.Mine\n",
       "authorizer.class.name"},
      {"", "listener.security.protocol.map=A:PLAINTEXT\n", "needs listeners"},
      {"--ssl-principal-mapping-rules RULE:x", "", "ssl.principal.mapping.rules"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.args + c.config);
    std::string args = fmt::format("serve --data-dir {} --http-addr 127.0.0.1:0 {}", data, c.args);
    if (!c.config.empty()) {
      const std::string path = dir.str() + "/server.properties";
      std::ofstream(path) << c.config;
      args += " --config " + path;
    }
    auto r = Herald(args);
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace herald
