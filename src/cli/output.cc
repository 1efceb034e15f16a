#include "cli/output.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <csignal>
#include <iostream>
#include <limits>

#include <fmt/format.h>
#include <unistd.h>

#include "base/log.h"
#include "base/time_text.h"
#include "cli/commands.h"

namespace herald::cli {

// ---- Common flags ----------------------------------------------------------------------------

client::ClientOptions ClientFlags::ToClientOptions() const {
  client::ClientOptions o;
  o.bootstrap = bootstrap;
  o.client_id = "herald-cli";
  for (const auto& p : properties) {
    const size_t eq = p.find('=');  // checked when parsed (AddBootstrapFlag)
    o.properties[p.substr(0, eq)] = p.substr(eq + 1);
  }
  return o;
}

void AddBootstrapFlag(CLI::App* command, ClientFlags& flags) {
  command
      ->add_option(
          "--bootstrap", flags.bootstrap,
          fmt::format("HOST:PORT of a Kafka broker (the flag wins over ${})", kBootstrapEnv))
      ->envname(kBootstrapEnv)
      ->capture_default_str();
  command
      ->add_option("-X,--property", flags.properties,
                   "KEY=VALUE, a Kafka client property (librdkafka's names), e.g. "
                   "security.protocol=SASL_SSL, sasl.mechanisms=SCRAM-SHA-256, sasl.username, "
                   "sasl.password, ssl.ca.location; repeatable")
      ->check(CLI::Validator(
          [](const std::string& p) {
            const size_t eq = p.find('=');
            return eq == std::string::npos || eq == 0 ? std::string("expected KEY=VALUE")
                                                      : std::string();
          },
          "KEY=VALUE"));
}

void AddClientFlags(CLI::App* command, ClientFlags& flags) {
  AddBootstrapFlag(command, flags);
  command->add_option("--output", flags.output, "table, or json for one JSON document on stdout")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
}

Result<client::Admin> ConnectAdmin(const ClientFlags& flags) {
  HERALD_ASSIGN_OR_RETURN(client::Admin admin, client::Admin::Create(flags.ToClientOptions()));
  HERALD_RETURN_IF_ERROR(admin.client().Connect());
  return admin;
}

// ---- Errors ----------------------------------------------------------------------------------

namespace {

// One line: newlines in a message (a broker's text, say) become spaces.
std::string OneLine(std::string_view text) {
  std::string out(text);
  std::replace(out.begin(), out.end(), '\n', ' ');
  return out;
}

}  // namespace

int Fail(const Status& status) {
  std::cerr << "herald: " << OneLine(status.message()) << std::endl;
  return kExitFailure;
}

int UsageError(std::string_view message) {
  std::cerr << "herald: " << OneLine(message) << std::endl;
  return kExitUsage;
}

Status AnswerError(const client::HttpAnswer& answer) {
  const std::string code = answer.ErrorCode();
  return FailedPrecondition("{}{}{}", code, code.empty() ? "" : ": ", answer.ErrorMessage());
}

void AddHttpFlags(CLI::App* command, HttpFlags& flags) {
  command->add_option("--url", flags.http.url, "herald serve's HTTP listener")
      ->envname("HERALD_URL")
      ->capture_default_str();
  command->add_option("--api-key", flags.http.api_key, "Bearer key, when the server needs one")
      ->envname("HERALD_API_KEY");
  command->add_option("--output", flags.output, "text, or json for JSON output")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
}

// ---- Output ----------------------------------------------------------------------------------

namespace {

bool LooksNumeric(const std::string& s) {
  if (s == "-") return true;
  if (s.empty()) return false;
  size_t i = s[0] == '-' ? 1 : 0;
  if (i == s.size()) return false;
  for (; i < s.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

}  // namespace

Table::Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}

void Table::AddRow(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  rows_.push_back(std::move(cells));
}

void Table::Print(std::ostream& out) const {
  const size_t columns = headers_.size();
  std::vector<size_t> width(columns);
  // Numeric: every cell a number or "-", and at least one a number.
  std::vector<bool> numeric(columns, true), any_number(columns, false);
  for (size_t c = 0; c < columns; ++c) width[c] = headers_[c].size();
  for (const auto& row : rows_) {
    for (size_t c = 0; c < columns; ++c) {
      width[c] = std::max(width[c], row[c].size());
      if (!LooksNumeric(row[c])) numeric[c] = false;
      if (row[c] != "-") any_number[c] = true;
    }
  }
  for (size_t c = 0; c < columns; ++c) numeric[c] = numeric[c] && any_number[c];
  auto print_row = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t c = 0; c < columns; ++c) {
      const bool last = c + 1 == columns;
      if (numeric[c]) {
        line += fmt::format("{:>{}}", row[c], width[c]);
      } else if (last) {
        line += row[c];
      } else {
        line += fmt::format("{:<{}}", row[c], width[c]);
      }
      if (!last) line += "  ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << "\n";
  };
  print_row(headers_);
  for (const auto& row : rows_) print_row(row);
}

std::string DumpJson(const nlohmann::json& j, int indent) {
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

void PrintJson(const nlohmann::json& doc) {
  std::cout << DumpJson(doc, 2) << std::endl;
}

std::string OrDash(const std::optional<std::string>& value) {
  return value ? *value : "-";
}

std::string TimeText(int64_t ms) {
  return ms < 0 ? "-" : FormatLogTimestamp(ms);
}

namespace {
std::atomic<bool> stop_requested{false};
static_assert(std::atomic<bool>::is_always_lock_free, "set from a signal handler");
void OnStopSignal(int) {
  stop_requested = true;
}
}  // namespace

void CatchStopSignals() {
  stop_requested = false;
  std::signal(SIGINT, OnStopSignal);
  std::signal(SIGTERM, OnStopSignal);
}

bool StopRequested() {
  return stop_requested.load();
}

bool StderrIsTerminal() {
  return ::isatty(STDERR_FILENO) == 1;
}

ProgressBar::ProgressBar(std::string label, uint64_t total, bool wanted)
    : label_(std::move(label)), total_(total), enabled_(wanted && StderrIsTerminal()) {}

ProgressBar::~ProgressBar() {
  Finish();
}

void ProgressBar::Update(uint64_t done) {
  done_ = done;
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (drawn_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  Draw();
}

void ProgressBar::Draw() {
  constexpr int kWidth = 30;
  std::string line;
  if (total_ > 0) {
    const double fraction = std::min(1.0, static_cast<double>(done_) / static_cast<double>(total_));
    const int filled = static_cast<int>(fraction * kWidth);
    line = fmt::format("\r{} [{}{}] {:3.0f}% {}/{}", label_, std::string(filled, '#'),
                       std::string(kWidth - filled, ' '), fraction * 100, done_, total_);
  } else {
    line = fmt::format("\r{} {}", label_, done_);
  }
  std::cerr << line << std::flush;
  drawn_ = true;
}

void ProgressBar::Finish() {
  if (!enabled_ || !drawn_) return;
  std::cerr << "\r\033[K" << std::flush;  // erase the line
  drawn_ = false;
}

// ---- Parsing ---------------------------------------------------------------------------------

Result<std::pair<std::string, std::string>> ParseKeyValue(std::string_view text,
                                                          std::string_view what) {
  size_t eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    return InvalidArgument("{} '{}' is not key=value", what, text);
  }
  return std::pair<std::string, std::string>(text.substr(0, eq), text.substr(eq + 1));
}

Result<std::map<std::string, std::string>> ParseKeyValues(const std::vector<std::string>& items,
                                                          std::string_view what) {
  std::map<std::string, std::string> out;
  for (const auto& item : items) {
    HERALD_ASSIGN_OR_RETURN(auto kv, ParseKeyValue(item, what));
    out[kv.first] = kv.second;
  }
  return out;
}

Result<int64_t> ParseDurationMs(std::string_view text) {
  auto bad = [&] {
    return InvalidArgument("'{}' is not a duration: use e.g. 500ms, 30s, 10m, 2h, 1d or 1h30m",
                           text);
  };
  if (text.empty()) return bad();
  int64_t total = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    int64_t n = 0;
    size_t digits = 0;
    while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
      if (n > std::numeric_limits<int64_t>::max() / 100000) return bad();
      n = n * 10 + (text[pos] - '0');
      ++pos;
      ++digits;
    }
    if (digits == 0) return bad();
    int64_t unit = 0;
    if (text.substr(pos).starts_with("ms")) {
      unit = 1;
      pos += 2;
    } else if (pos < text.size()) {
      switch (text[pos]) {
        case 's':
          unit = 1000;
          break;
        case 'm':
          unit = 60 * 1000;
          break;
        case 'h':
          unit = 3600 * 1000;
          break;
        case 'd':
          unit = 24 * 3600 * 1000;
          break;
        case 'w':
          unit = 7 * 24 * 3600 * 1000;
          break;
        default:
          return bad();
      }
      ++pos;
    } else {
      return bad();  // a number needs a unit
    }
    total += n * unit;
  }
  return total;
}

Result<int64_t> ParseTime(std::string_view text, int64_t now_ms) {
  if (text.empty()) return InvalidArgument("an empty time");
  const bool all_digits = std::all_of(text.begin(), text.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) != 0;
  });
  if (all_digits) {
    if (text.size() > 15) return InvalidArgument("'{}' is too large for a time", text);
    return std::stoll(std::string(text));
  }
  if (text.find('-') != std::string_view::npos || text.find(':') != std::string_view::npos) {
    auto time = ParseIso8601(text);
    if (!time.ok()) {
      return InvalidArgument(
          "'{}' is not a time: use 2026-11-30T08:00:00Z, a duration back from now like 10m or "
          "2h, or milliseconds since the epoch",
          text);
    }
    return time;
  }
  HERALD_ASSIGN_OR_RETURN(int64_t back, ParseDurationMs(text));
  return now_ms - back;
}

}  // namespace herald::cli
