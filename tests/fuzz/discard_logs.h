// Logging for fuzz targets: every event is built and formatted (that is where untrusted bytes
// meet JSON), then dropped, so a campaign neither fills the disk nor slows on stderr.
#pragma once

#include <ostream>
#include <streambuf>

#include "base/log.h"

namespace herald::fuzz {

inline void DiscardLogs() {
  struct Discard : std::streambuf {
    int overflow(int c) override { return c; }
  };
  static Discard discard;
  static std::ostream sink(&discard);
  ConfigureLogging(LogFormat::kJson, LogLevel::kDebug, sink);
}

}  // namespace herald::fuzz
