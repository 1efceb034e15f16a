#include "kafka/listeners.h"

#include <algorithm>
#include <set>

#include "base/split.h"

namespace herald::kafka {
namespace {

constexpr std::pair<SecurityProtocol, std::string_view> kProtocols[] = {
    {SecurityProtocol::kPlaintext, "PLAINTEXT"},
    {SecurityProtocol::kSsl, "SSL"},
    {SecurityProtocol::kSaslPlaintext, "SASL_PLAINTEXT"},
    {SecurityProtocol::kSaslSsl, "SASL_SSL"},
};

// The comma-separated items of `value`, trimmed; empty items are an error.
Result<std::vector<std::string>> Items(std::string_view value, std::string_view setting) {
  std::vector<std::string> items;
  if (TrimSpace(value).empty()) return items;
  for (const std::string& item : SplitList(value, EmptyItems::kKeep)) {
    if (TrimSpace(item).empty()) {
      return InvalidArgument("{}: an empty entry in '{}'", setting, value);
    }
    items.emplace_back(TrimSpace(item));
  }
  return items;
}

// Names are as Kafka takes them: case-insensitive, kept in upper case.
std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

// NAME://HOST:PORT.
Result<ListenerAddress> ParseListener(std::string_view item, std::string_view setting) {
  const size_t scheme = item.find("://");
  if (scheme == std::string_view::npos || scheme == 0) {
    return InvalidArgument("{}: '{}' is not NAME://HOST:PORT", setting, item);
  }
  ListenerAddress address;
  HERALD_ASSIGN_OR_RETURN(address.at, ParseHostPort(item.substr(scheme + 3), setting));
  address.name = Upper(item.substr(0, scheme));
  for (char c : address.name) {
    if (!(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9') && c != '_' && c != '-') {
      return InvalidArgument("{}: '{}' is not a listener name (letters, digits, _ and -)", setting,
                             item.substr(0, scheme));
    }
  }
  return address;
}

}  // namespace

std::string_view NameOf(SecurityProtocol protocol) {
  for (const auto& [p, name] : kProtocols) {
    if (p == protocol) return name;
  }
  return "?";
}

Result<SecurityProtocol> ParseSecurityProtocol(std::string_view name) {
  const std::string upper = Upper(name);
  for (const auto& [p, n] : kProtocols) {
    if (n == upper) return p;
  }
  return InvalidArgument(
      "'{}' is not a security protocol (PLAINTEXT, SSL, SASL_PLAINTEXT, "
      "SASL_SSL)",
      name);
}

Result<std::map<std::string, SecurityProtocol>> ParseProtocolMap(std::string_view value) {
  constexpr std::string_view kSetting = "listener.security.protocol.map";
  HERALD_ASSIGN_OR_RETURN(auto items, Items(value, kSetting));
  std::map<std::string, SecurityProtocol> map;
  for (std::string_view item : items) {
    const size_t colon = item.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return InvalidArgument("{}: '{}' is not NAME:PROTOCOL", kSetting, item);
    }
    auto protocol = ParseSecurityProtocol(TrimSpace(item.substr(colon + 1)));
    if (!protocol.ok()) return protocol.status().WithContext(kSetting);
    if (!map.emplace(Upper(TrimSpace(item.substr(0, colon))), *protocol).second) {
      return InvalidArgument("{}: listener name '{}' given twice", kSetting, item.substr(0, colon));
    }
  }
  return map;
}

Result<std::vector<Listener>> ParseListeners(
    std::string_view value, const std::map<std::string, SecurityProtocol>& protocols) {
  constexpr std::string_view kSetting = "listeners";
  HERALD_ASSIGN_OR_RETURN(auto items, Items(value, kSetting));
  if (items.empty()) return InvalidArgument("{}: no listener", kSetting);
  std::vector<Listener> listeners;
  std::set<std::string> names;
  std::set<uint16_t> ports;
  for (std::string_view item : items) {
    HERALD_ASSIGN_OR_RETURN(ListenerAddress address, ParseListener(item, kSetting));
    Listener listener{.address = std::move(address)};
    const std::string& name = listener.address.name;
    if (!protocols.empty()) {
      auto it = protocols.find(name);
      if (it == protocols.end()) {
        return InvalidArgument("{}: listener '{}' is not in listener.security.protocol.map",
                               kSetting, name);
      }
      listener.protocol = it->second;
    } else {
      auto protocol = ParseSecurityProtocol(name);
      if (!protocol.ok()) {
        return InvalidArgument(
            "{}: listener '{}' names no security protocol (PLAINTEXT, SSL, "
            "SASL_PLAINTEXT, SASL_SSL) and listener.security.protocol.map "
            "gives it none",
            kSetting, name);
      }
      listener.protocol = *protocol;
    }
    if (!names.insert(name).second) {
      return InvalidArgument("{}: listener '{}' given twice", kSetting, name);
    }
    const uint16_t port = listener.address.at.port;
    if (port != 0 && !ports.insert(port).second) {
      return InvalidArgument("{}: two listeners on port {}", kSetting, port);
    }
    listeners.push_back(std::move(listener));
  }
  return listeners;
}

Result<std::vector<ListenerAddress>> ParseAdvertisedListeners(
    std::string_view value, const std::vector<Listener>& listeners) {
  constexpr std::string_view kSetting = "advertised.listeners";
  HERALD_ASSIGN_OR_RETURN(auto items, Items(value, kSetting));
  std::vector<ListenerAddress> advertised;
  std::set<std::string> names;
  for (std::string_view item : items) {
    HERALD_ASSIGN_OR_RETURN(ListenerAddress address, ParseListener(item, kSetting));
    const bool known = std::any_of(listeners.begin(), listeners.end(), [&](const Listener& l) {
      return l.address.name == address.name;
    });
    if (!known) {
      return InvalidArgument("{}: '{}' is not one of the listeners", kSetting, address.name);
    }
    if (!names.insert(address.name).second) {
      return InvalidArgument("{}: listener '{}' given twice", kSetting, address.name);
    }
    advertised.push_back(std::move(address));
  }
  return advertised;
}

}  // namespace herald::kafka
