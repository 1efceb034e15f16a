#include "base/log.h"

#include <atomic>
#include <chrono>
#include <exception>
#include <memory>
#include <utility>

#include <fmt/format.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include "base/clock.h"
#include "base/mutex.h"

namespace herald {
namespace {

using Json = nlohmann::json;

// Where events go: replaced whole by ConfigureLogging, shared with in-flight LogEvent calls.
struct LogSink {
  LogFormat format;
  std::shared_ptr<spdlog::logger> logger;
};

struct LogGlobals {
  Mutex mu;
  std::shared_ptr<const LogSink> sink;  // guarded by mu
  std::atomic<int> min_level{static_cast<int>(LogLevel::kInfo)};
};

std::shared_ptr<const LogSink> MakeSink(LogFormat format, spdlog::sink_ptr spd_sink) {
  auto logger = std::make_shared<spdlog::logger>("herald", std::move(spd_sink));
  logger->set_pattern("%v");                // the line is built here; spdlog adds only the newline
  logger->set_level(spdlog::level::trace);  // filtering is ours, see LogEnabled
  logger->flush_on(spdlog::level::trace);   // every line, so a crash loses nothing written
  return std::make_shared<const LogSink>(LogSink{format, std::move(logger)});
}

// Never destroyed, so events logged during static destruction still work.
LogGlobals& Globals() {
  static LogGlobals* const globals = [] {
    auto* g = new LogGlobals();
    g->sink = MakeSink(LogFormat::kJson, std::make_shared<spdlog::sinks::stderr_sink_mt>());
    return g;
  }();
  return *globals;
}

void Install(LogFormat format, LogLevel min_level, spdlog::sink_ptr spd_sink) {
  std::shared_ptr<const LogSink> sink = MakeSink(format, std::move(spd_sink));
  LogGlobals& g = Globals();
  std::shared_ptr<const LogSink> old;
  {
    MutexLock lock(g.mu);
    old = std::exchange(g.sink, std::move(sink));
    g.min_level.store(static_cast<int>(min_level), std::memory_order_relaxed);
  }
  // `old` is released here, outside the lock (closing a file may take a while).
}

spdlog::level::level_enum ToSpdlog(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return spdlog::level::debug;
    case LogLevel::kInfo:
      return spdlog::level::info;
    case LogLevel::kWarn:
      return spdlog::level::warn;
    case LogLevel::kError:
      return spdlog::level::err;
  }
  return spdlog::level::err;
}

std::string_view JsonLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "error";
}

std::string_view TextLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "DEBUG";
    case LogLevel::kInfo:
      return "INFO";
    case LogLevel::kWarn:
      return "WARN";
    case LogLevel::kError:
      return "ERROR";
  }
  return "ERROR";
}

// JSON text of `value`; invalid UTF-8 is replaced rather than thrown on.
std::string Dump(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string DumpString(std::string_view text) {
  return Dump(Json(std::string(text)));
}

bool NeedsQuotes(std::string_view text) {
  if (text.empty()) return true;
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == '"' || c == '=' || c == '\\') return true;
  }
  return false;
}

std::string JsonLine(LogLevel level, std::string_view timestamp, std::string_view event,
                     const Json& context, std::string_view message) {
  std::string line = fmt::format(R"({{"timestamp":"{}","level":"{}","event":{})", timestamp,
                                 JsonLevelName(level), DumpString(event));
  if (!message.empty()) {
    line.append(R"(,"message":)");
    line.append(DumpString(message));
  }
  if (!context.empty()) {
    line.append(R"(,"context":)");
    line.append(Dump(context));
  }
  line.push_back('}');
  return line;
}

std::string TextLine(LogLevel level, std::string_view timestamp, std::string_view event,
                     const Json& context, std::string_view message) {
  std::string line = fmt::format("{} {} {}", timestamp, TextLevelName(level), event);
  if (context.is_object()) {
    for (const auto& [key, value] : context.items()) {
      line.push_back(' ');
      line.append(key);
      line.push_back('=');
      if (value.is_string()) {
        const auto& text = value.get_ref<const std::string&>();
        line.append(NeedsQuotes(text) ? DumpString(text) : text);
      } else {
        line.append(Dump(value));
      }
    }
  } else if (!context.empty()) {
    line.append(" context=");
    line.append(Dump(context));
  }
  if (!message.empty()) {
    line.push_back(' ');
    for (char c : message) {
      if (c == '\n') {
        line.append("\\n");
      } else if (c == '\r') {
        line.append("\\r");
      } else {
        line.push_back(c);
      }
    }
  }
  return line;
}

}  // namespace

std::string FormatLogTimestamp(int64_t time_ms) {
  using std::chrono::days;
  using std::chrono::milliseconds;
  std::chrono::sys_time<milliseconds> time{milliseconds(time_ms)};
  auto day = std::chrono::floor<days>(time);
  std::chrono::year_month_day ymd{day};
  std::chrono::hh_mm_ss<milliseconds> hms{time - day};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                     hms.hours().count(), hms.minutes().count(), hms.seconds().count(),
                     hms.subseconds().count());
}

void ConfigureLogging(LogFormat format, LogLevel min_level, std::string file_path) {
  if (file_path.empty()) {
    Install(format, min_level, std::make_shared<spdlog::sinks::stderr_sink_mt>());
    return;
  }
  spdlog::sink_ptr file_sink;
  std::string error;
  try {
    file_sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(file_path, /*truncate=*/false);
  } catch (const std::exception& e) {
    error = e.what();
  }
  if (file_sink != nullptr) {
    Install(format, min_level, std::move(file_sink));
    return;
  }
  Install(format, min_level, std::make_shared<spdlog::sinks::stderr_sink_mt>());
  LogError("log_file_open_failed", {{"path", file_path}, {"error", error}},
           "logging to stderr instead");
}

void ConfigureLogging(LogFormat format, LogLevel min_level, std::ostream& out) {
  Install(format, min_level, std::make_shared<spdlog::sinks::ostream_sink_mt>(out, true));
}

bool LogEnabled(LogLevel level) {
  return static_cast<int>(level) >= Globals().min_level.load(std::memory_order_relaxed);
}

void LogEvent(LogLevel level, std::string_view event, const nlohmann::json& context,
              std::string_view message) {
  if (!LogEnabled(level)) return;
  LogGlobals& g = Globals();
  std::shared_ptr<const LogSink> sink;
  {
    MutexLock lock(g.mu);
    sink = g.sink;
  }
  std::string timestamp = FormatLogTimestamp(Clock::System().NowMs());
  std::string line = sink->format == LogFormat::kJson
                         ? JsonLine(level, timestamp, event, context, message)
                         : TextLine(level, timestamp, event, context, message);
  sink->logger->log(ToSpdlog(level), spdlog::string_view_t(line.data(), line.size()));
}

}  // namespace herald
