// Small socket helpers.
#pragma once

#include <cstdint>

namespace herald {

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, read back, released): for
// tests and benchmarks that start servers on loopback. Aborts when no socket can be bound.
uint16_t FreeLoopbackPort();

}  // namespace herald
