// Small socket helpers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace herald {

// A listener's address: a host name or IP address (IPv6 without brackets; empty: every
// interface) and a port (0: a free one).
struct HostPort {
  std::string host;
  uint16_t port = 0;

  // HOST:PORT, an IPv6 address in brackets.
  std::string ToString() const;
};

// HOST:PORT or [IPV6]:PORT (HOST may be empty); errors name `where` (a flag or setting).
Result<HostPort> ParseHostPort(std::string_view value, std::string_view where);

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, read back, released): for
// tests and benchmarks that start servers on loopback. Aborts when no socket can be bound.
uint16_t FreeLoopbackPort();

// Whether a TCP connection to 127.0.0.1:`port` is accepted now (it is closed again at once).
bool CanConnectLoopback(uint16_t port);

}  // namespace herald
