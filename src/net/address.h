// How a client's address is named, the same way by every listener.
#pragma once

#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "base/status.h"

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

// The address a listener on `host` binds: an IP address as written, a host name's first IPv4
// address, else its first (resolved now); kInvalidArgument when it has none.
inline Result<boost::asio::ip::address> ListenAddress(boost::asio::io_context& io,
                                                      const std::string& host) {
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(host, ec);
  if (!ec) return address;
  boost::asio::ip::tcp::resolver resolver(io);
  auto found = resolver.resolve(host, "", ec);
  if (ec || found.empty()) {
    return InvalidArgument("'{}' is neither an IP address nor a host name with one{}", host,
                           ec ? ": " + ec.message() : "");
  }
  for (const auto& entry : found) {
    if (entry.endpoint().address().is_v4()) return entry.endpoint().address();
  }
  return found.begin()->endpoint().address();
}

}  // namespace herald::net
