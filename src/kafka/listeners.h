// Kafka's listener settings, as server.properties writes them:
//
//   listeners=PLAINTEXT://127.0.0.1:9092,SASL_SSL://:9093
//   advertised.listeners=PLAINTEXT://localhost:9092,SASL_SSL://broker.example.com:9093
//   listener.security.protocol.map=INTERNAL:PLAINTEXT,EXTERNAL:SASL_SSL
//
// A listener is NAME://HOST:PORT. Its name is a security protocol's, unless
// listener.security.protocol.map gives the name one. An empty HOST binds every interface; an
// IPv6 address is written in brackets.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/net.h"
#include "base/status.h"

namespace herald::kafka {

// How a listener's clients connect: Kafka's security.protocol.
enum class SecurityProtocol { kPlaintext, kSsl, kSaslPlaintext, kSaslSsl };

std::string_view NameOf(SecurityProtocol protocol);
Result<SecurityProtocol> ParseSecurityProtocol(std::string_view name);
inline bool UsesTls(SecurityProtocol p) {
  return p == SecurityProtocol::kSsl || p == SecurityProtocol::kSaslSsl;
}
inline bool UsesSasl(SecurityProtocol p) {
  return p == SecurityProtocol::kSaslPlaintext || p == SecurityProtocol::kSaslSsl;
}

struct ListenerAddress {
  std::string name;  // upper case, as Kafka compares names
  HostPort at;
};

struct Listener {
  ListenerAddress address;
  SecurityProtocol protocol = SecurityProtocol::kPlaintext;
};

// listener.security.protocol.map: NAME:PROTOCOL,... Empty: each protocol's name names it.
Result<std::map<std::string, SecurityProtocol>> ParseProtocolMap(std::string_view value);

// listeners: at least one, names unique, ports unique (but 0, which picks a free port), each name
// a protocol's or in `protocols` (ParseProtocolMap; when it is not empty, only its names).
Result<std::vector<Listener>> ParseListeners(
    std::string_view value, const std::map<std::string, SecurityProtocol>& protocols);

// advertised.listeners: names unique, each one of `listeners`' names.
Result<std::vector<ListenerAddress>> ParseAdvertisedListeners(
    std::string_view value, const std::vector<Listener>& listeners);

}  // namespace herald::kafka
