// Times as text.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string_view>

#include "base/status.h"

namespace herald {

// Milliseconds since the Unix epoch of an ISO 8601 / RFC 3339 time: a date
// ("2026-11-30"), optionally a time ("T08:00", "T08:00:00.250") and an offset ("Z", "+01:00";
// none is UTC). kInvalidArgument for anything else. (FormatLogTimestamp in base/log.h writes
// one.)
Result<int64_t> ParseIso8601(std::string_view text);

}  // namespace herald
