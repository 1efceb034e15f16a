#include "kafka/listeners.h"

#include <gtest/gtest.h>

#include "base/net.h"

namespace herald::kafka {
namespace {

TEST(HostPortTest, ParsesNamesAddressesAndBracketedIpv6) {
  auto a = ParseHostPort("broker.example.com:9092", "x");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->host, "broker.example.com");
  EXPECT_EQ(a->port, 9092);
  auto v6 = ParseHostPort("[::1]:9093", "x");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->ToString(), "[::1]:9093");
  auto any = ParseHostPort(":0", "x");
  ASSERT_TRUE(any.ok());
  EXPECT_EQ(any->host, "");
  EXPECT_EQ(any->port, 0);
}

TEST(HostPortTest, RefusesWhatIsNotHostPort) {
  for (const char* bad : {"localhost", "localhost:", "localhost:65536", "localhost:-1",
                          "localhost:9x", "::1:9092", "[::1:9092"}) {
    auto r = ParseHostPort(bad, "--kafka-addr");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find("--kafka-addr"), std::string::npos) << bad;
  }
}

TEST(ListenersTest, NamesAreSecurityProtocolsByDefault) {
  auto listeners =
      ParseListeners("PLAINTEXT://127.0.0.1:9092, sasl_ssl://:9093,SSL://[::1]:9094", {});
  ASSERT_TRUE(listeners.ok()) << listeners.status().ToString();
  ASSERT_EQ(listeners->size(), 3u);
  EXPECT_EQ((*listeners)[0].address.name, "PLAINTEXT");
  EXPECT_EQ((*listeners)[0].protocol, SecurityProtocol::kPlaintext);
  EXPECT_EQ((*listeners)[0].address.at.ToString(), "127.0.0.1:9092");
  EXPECT_EQ((*listeners)[1].address.name, "SASL_SSL");
  EXPECT_EQ((*listeners)[1].protocol, SecurityProtocol::kSaslSsl);
  EXPECT_EQ((*listeners)[1].address.at.host, "");
  EXPECT_EQ((*listeners)[2].protocol, SecurityProtocol::kSsl);
  EXPECT_EQ((*listeners)[2].address.at.host, "::1");
  EXPECT_TRUE(UsesTls(SecurityProtocol::kSaslSsl));
  EXPECT_TRUE(UsesSasl(SecurityProtocol::kSaslPlaintext));
  EXPECT_FALSE(UsesSasl(SecurityProtocol::kSsl));
}

TEST(ListenersTest, TheProtocolMapNamesListeners) {
  auto map = ParseProtocolMap("INTERNAL:PLAINTEXT, external:SASL_SSL");
  ASSERT_TRUE(map.ok()) << map.status().ToString();
  auto listeners = ParseListeners("INTERNAL://127.0.0.1:9092,EXTERNAL://0.0.0.0:9093", *map);
  ASSERT_TRUE(listeners.ok()) << listeners.status().ToString();
  EXPECT_EQ((*listeners)[0].protocol, SecurityProtocol::kPlaintext);
  EXPECT_EQ((*listeners)[1].protocol, SecurityProtocol::kSaslSsl);
  // Once a map is given, only its names are listeners' names.
  EXPECT_FALSE(ParseListeners("PLAINTEXT://:9092", *map).ok());
  EXPECT_FALSE(ParseProtocolMap("INTERNAL").ok());
  EXPECT_FALSE(ParseProtocolMap("INTERNAL:TLS").ok());
  EXPECT_FALSE(ParseProtocolMap("A:SSL,a:PLAINTEXT").ok());
}

TEST(ListenersTest, RefusesAmbiguousOrMalformedListeners) {
  for (const char* bad :
       {"", "PLAINTEXT", "PLAINTEXT//:9092", "://:9092", "HTTP://:80",
        "PLAINTEXT://:9092,PLAINTEXT://:9093", "PLAINTEXT://:9092,SSL://:9092",
        "PLAINTEXT://:9092,,SSL://:9093", "PLAIN TEXT://:9092", "PLAINTEXT://:notaport"}) {
    EXPECT_FALSE(ParseListeners(bad, {}).ok()) << bad;
  }
  // Port 0 picks a free port for each listener: two of them are not a clash.
  EXPECT_TRUE(ParseListeners("PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0", {}).ok());
}

TEST(ListenersTest, AdvertisedListenersNameListeners) {
  auto listeners = ParseListeners("PLAINTEXT://0.0.0.0:9092,SSL://0.0.0.0:9093", {});
  ASSERT_TRUE(listeners.ok());
  auto advertised =
      ParseAdvertisedListeners("ssl://broker.example.com:19093,PLAINTEXT://:9092", *listeners);
  ASSERT_TRUE(advertised.ok()) << advertised.status().ToString();
  ASSERT_EQ(advertised->size(), 2u);
  EXPECT_EQ((*advertised)[0].name, "SSL");
  EXPECT_EQ((*advertised)[0].at.ToString(), "broker.example.com:19093");
  EXPECT_EQ((*advertised)[1].at.host, "");
  EXPECT_FALSE(ParseAdvertisedListeners("SASL_SSL://b:9093", *listeners).ok());
  EXPECT_FALSE(ParseAdvertisedListeners("SSL://a:1,SSL://b:2", *listeners).ok());
}

TEST(ListenersTest, SecurityProtocolNamesRoundTrip) {
  for (auto p : {SecurityProtocol::kPlaintext, SecurityProtocol::kSsl,
                 SecurityProtocol::kSaslPlaintext, SecurityProtocol::kSaslSsl}) {
    auto parsed = ParseSecurityProtocol(NameOf(p));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, p);
  }
  EXPECT_FALSE(ParseSecurityProtocol("TLS").ok());
}

}  // namespace
}  // namespace herald::kafka
