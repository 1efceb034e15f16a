// The public observability API over the internal registry (base/metrics.h) and logging
// (base/log.h). ConfigureLogging sets level, format and destination together, so the settings
// are kept here and installed whole on every change (a direct ConfigureLogging call, as the
// herald CLI makes, is not seen here; the SDK's settings win again at their next change).
#include "herald/observability.h"

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <streambuf>
#include <string>
#include <system_error>

#include "base/log.h"
#include "base/metrics.h"
#include "base/mutex.h"
#include "herald/errors.h"

namespace herald::sdk {
namespace {

// Discards everything and stays good, so concurrent writers only read the stream's state.
class NullBuffer final : public std::streambuf {
 protected:
  int_type overflow(int_type c) override { return traits_type::not_eof(c); }
  std::streamsize xsputn(const char* /*data*/, std::streamsize n) override { return n; }
};

// Where kOff sends events. Never destroyed: a sink may outlive any static.
std::ostream& NullStream() {
  static std::ostream* const stream = new std::ostream(new NullBuffer());
  return *stream;
}

struct LogSettings {
  Mutex mu;
  // The internal defaults (base/log.h): info and above, JSON, stderr. Guarded by mu.
  LogLevel level = LogLevel::kInfo;
  LogFormat format = LogFormat::kJson;
  std::string file;  // empty: stderr
};

// Never destroyed, like the logger it configures.
LogSettings& Settings() {
  static LogSettings* const settings = new LogSettings();
  return *settings;
}

herald::LogFormat ToInternal(LogFormat format) {
  return format == LogFormat::kText ? herald::LogFormat::kText : herald::LogFormat::kJson;
}

herald::LogLevel ToInternal(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return herald::LogLevel::kDebug;
    case LogLevel::kInfo:
      return herald::LogLevel::kInfo;
    case LogLevel::kWarn:
      return herald::LogLevel::kWarn;
    case LogLevel::kError:
    case LogLevel::kOff:
      break;
  }
  return herald::LogLevel::kError;
}

// Installs `s`; the caller holds s.mu, so that concurrent changes are installed in order.
void Install(const LogSettings& s) {
  if (s.level == LogLevel::kOff) {
    // The internal levels end at kError: what is still enabled goes nowhere.
    ConfigureLogging(ToInternal(s.format), herald::LogLevel::kError, NullStream());
  } else {
    ConfigureLogging(ToInternal(s.format), ToInternal(s.level), s.file);
  }
}

// Throws Error unless `path` can be opened for appending (creating it and its parents).
void CheckWritable(const std::string& path) {
  const std::filesystem::path file(path);
  if (file.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(file.parent_path(), ec);
    if (ec) {
      throw Error("cannot open the log file " + path + ": " + ec.message());
    }
  }
  errno = 0;
  std::ofstream probe(path, std::ios::app);
  if (!probe) {
    const int error = errno;
    throw Error("cannot open the log file " + path + ": " +
                (error != 0 ? std::generic_category().message(error) : "open failed"));
  }
}

}  // namespace

std::string MetricsText() {
  return MetricsRegistry::Global().RenderPrometheus();
}

void SetLogLevel(LogLevel level) {
  LogSettings& s = Settings();
  MutexLock lock(s.mu);
  s.level = level;
  Install(s);
}

void SetLogFormat(LogFormat format) {
  LogSettings& s = Settings();
  MutexLock lock(s.mu);
  s.format = format;
  Install(s);
}

void SetLogFile(const std::string& path) {
  if (!path.empty()) CheckWritable(path);
  LogSettings& s = Settings();
  MutexLock lock(s.mu);
  s.file = path;
  Install(s);
}

}  // namespace herald::sdk
