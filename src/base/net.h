// Small socket helpers.
#pragma once

#include <cstdint>

namespace herald {

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, read back, released): for
// tests and benchmarks that start servers on loopback. Aborts when no socket can be bound.
uint16_t FreeLoopbackPort();

// Whether a TCP connection to 127.0.0.1:`port` is accepted now (it is closed again at once).
bool CanConnectLoopback(uint16_t port);

}  // namespace herald
