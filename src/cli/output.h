// What the client subcommands share: the Kafka clients' flags (topic, produce, consume, group:
// --bootstrap with HERALD_BOOTSTRAP, --output table|json), the HTTP clients' flags (stream,
// schema: --url with HERALD_URL, --api-key, --output text|json), aligned tables, JSON documents, a
// progress bar on stderr, one-line errors, and parsing of times, durations and key=value pairs.
//
// Thread-safety: functions are safe from any thread; a Table or ProgressBar is used by one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "base/status.h"
#include "client/http_client.h"
#include "client/kafka_client.h"

namespace herald::cli {

// ---- Common flags ----------------------------------------------------------------------------

inline constexpr const char* kBootstrapEnv = "HERALD_BOOTSTRAP";

struct ClientFlags {
  std::string bootstrap = "localhost:9092";
  std::string output = "table";
  // -X KEY=VALUE: librdkafka properties (security.protocol, sasl.mechanisms, sasl.username, ...).
  std::vector<std::string> properties;
  bool json() const { return output == "json"; }
  client::ClientOptions ToClientOptions() const;
};

// Adds --bootstrap HOST:PORT (default localhost:9092, else $HERALD_BOOTSTRAP; the flag wins) and
// -X KEY=VALUE (client properties, as kcat's).
void AddBootstrapFlag(CLI::App* command, ClientFlags& flags);
// Adds --bootstrap and --output table|json.
void AddClientFlags(CLI::App* command, ClientFlags& flags);

// An admin client for `flags` that has reached the cluster (see client::Client::Connect).
Result<client::Admin> ConnectAdmin(const ClientFlags& flags);

// The flags of the subcommands that talk to herald serve's HTTP port.
struct HttpFlags {
  client::HttpClientOptions http;
  std::string output = "text";
  bool json() const { return output == "json"; }
};

// Adds --url (default http://localhost:8080, else $HERALD_URL), --api-key ($HERALD_API_KEY) and
// --output text|json.
void AddHttpFlags(CLI::App* command, HttpFlags& flags);

// ---- Errors ----------------------------------------------------------------------------------

// Writes "herald: <message>" as one line on stderr; returns kExitFailure.
int Fail(const Status& status);
// Writes "herald: <message>" as one line on stderr; returns kExitUsage.
int UsageError(std::string_view message);
// The error of an HTTP answer that is not a success: its error code and message.
Status AnswerError(const client::HttpAnswer& answer);

// ---- Output ----------------------------------------------------------------------------------

// Columns aligned to their widest cell; numeric columns right-aligned.
class Table {
 public:
  explicit Table(std::vector<std::string> headers);
  void AddRow(std::vector<std::string> cells);
  bool empty() const { return rows_.empty(); }
  void Print(std::ostream& out) const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// `j` as text; invalid UTF-8 in strings (binary keys or values) is replaced, never thrown.
std::string DumpJson(const nlohmann::json& j, int indent = -1);
// Writes `doc` to stdout as one indented JSON document.
void PrintJson(const nlohmann::json& doc);

// "-" for an absent value.
std::string OrDash(const std::optional<std::string>& value);
// A record's time as ISO 8601 text (UTC, milliseconds); "-" when unknown (negative).
std::string TimeText(int64_t ms);

// Whether stderr is a terminal (progress bars are drawn only then).
bool StderrIsTerminal();

// From now on SIGINT and SIGTERM ask a long-running command (consume, stream tail) to stop
// instead of ending the process: StopRequested() turns true, and the command finishes cleanly
// (commits its offsets, closes its connections).
void CatchStopSignals();
bool StopRequested();

// A one-line progress bar redrawn on stderr at most 10 times a second; silent unless stderr is a
// terminal. Erased by Finish() or the destructor.
class ProgressBar {
 public:
  // `total` 0: unknown (shows a count only). `wanted` false: never drawn.
  ProgressBar(std::string label, uint64_t total, bool wanted = true);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;
  void Update(uint64_t done);
  void Finish();

 private:
  void Draw();
  std::string label_;
  uint64_t total_;
  uint64_t done_ = 0;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_draw_{};
};

// ---- Parsing ---------------------------------------------------------------------------------

// "key=value" split at the first '='; kInvalidArgument "<what> 'x' is not key=value" otherwise.
Result<std::pair<std::string, std::string>> ParseKeyValue(std::string_view text,
                                                          std::string_view what);
// Repeated key=value flags as a map (a later key wins).
Result<std::map<std::string, std::string>> ParseKeyValues(const std::vector<std::string>& items,
                                                          std::string_view what);

// A duration such as "500ms", "30s", "10m", "2h", "1d" or a sum "1h30m", in milliseconds.
Result<int64_t> ParseDurationMs(std::string_view text);

// A point in time, in milliseconds since the Unix epoch:
//   ISO 8601 "2026-11-30T08:00:00Z", with optional fractional seconds and a "Z" or "+HH:MM"
//   offset (none means UTC), or a date "2026-11-30" (midnight UTC);
//   a duration back from `now_ms`: "10m", "2h", "1d" (see ParseDurationMs);
//   or milliseconds since the epoch: "1764489600000".
Result<int64_t> ParseTime(std::string_view text, int64_t now_ms);

}  // namespace herald::cli
