// How a client's address is named, the same way by every listener.
#pragma once

#include <string>

#include <boost/asio/ip/address.hpp>

namespace herald::net {

// The client's IP address as text, an IPv4 client of a dual-stack listener as IPv4 ("10.0.0.5",
// not "::ffff:10.0.0.5"), as Kafka names hosts: ACL host bindings and per-address limits see one
// form.
inline std::string ClientAddress(boost::asio::ip::address ip) {
  if (ip.is_v6() && ip.to_v6().is_v4_mapped()) {
    ip = boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, ip.to_v6());
  }
  return ip.to_string();
}

}  // namespace herald::net
