// The reports of `herald bench compare`: JSON, a Markdown table and an SVG bar chart.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "compare_bench.h"

namespace herald::bench {
namespace {

// 1234567.8 -> "1,234,568".
std::string Thousands(double v) {
  std::string digits = fmt::format("{:.0f}", std::fabs(v));
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return v < 0 ? fmt::format("-{}", out) : out;
}

double Ratio(double a, double b) { return b > 0 ? a / b : 0; }

std::string Acknowledged(const SystemResult& r) {
  if (r.settings.is_object() && r.settings.contains("acknowledged")) {
    return r.settings["acknowledged"].get<std::string>();
  }
  return "";
}

nlohmann::json ThroughputJson(const ThroughputFigures& f, const MachineLimits& m) {
  return {{"messages", f.messages},
          {"seconds", f.seconds},
          {"msgs_s", f.msgs_s},
          {"mb_s", f.mb_s},
          {"first_message_ms", f.first_message_ms},
          {"fraction_of_disk_write", Ratio(f.mb_s, m.disk_write_fdatasync_mb_s)},
          {"fraction_of_loopback_tcp", Ratio(f.mb_s, m.loopback_tcp_mb_s)}};
}

std::string XmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// "185.4, 612.0": each probe.
std::string ProbeList(const std::vector<double>& probes) {
  std::string out;
  for (double p : probes) out += fmt::format("{}{:.0f}", out.empty() ? "" : ", ", p);
  return out;
}

std::string Ms(double v) { return v >= 100 ? fmt::format("{:.0f}", v) : fmt::format("{:.2f}", v); }

}  // namespace

nlohmann::json CompareReport::ToJson() const {
  const SystemResult* herald = Find("herald");
  nlohmann::json systems_json = nlohmann::json::array();
  for (const auto& r : systems) {
    nlohmann::json j = {{"system", r.name},
                        {"available", r.available},
                        {"error", r.error.empty() ? nlohmann::json() : nlohmann::json(r.error)},
                        {"version", r.version},
                        {"settings", r.settings}};
    if (r.publish) j["publish"] = ThroughputJson(*r.publish, machine);
    if (r.consume) j["consume"] = ThroughputJson(*r.consume, machine);
    if (r.latency) {
      j["latency"] = {{"target_rate_msgs_s", r.latency->target_rate},
                      {"achieved_rate_msgs_s", r.latency->achieved_rate},
                      {"messages", r.latency->messages},
                      {"sustained", r.latency->sustained},
                      {"p50_ms", r.latency->p50_ms},
                      {"p99_ms", r.latency->p99_ms},
                      {"p999_ms", r.latency->p999_ms},
                      {"max_ms", r.latency->max_ms}};
    }
    // ratio_to_herald: this system's figure divided by Herald's (throughput: < 1 means slower
    // than Herald; latency: > 1 means slower than Herald).
    if (herald != nullptr) {
      nlohmann::json ratio = nlohmann::json::object();
      if (r.publish && herald->publish) {
        ratio["publish_msgs_s"] = Ratio(r.publish->msgs_s, herald->publish->msgs_s);
      }
      if (r.consume && herald->consume) {
        ratio["consume_msgs_s"] = Ratio(r.consume->msgs_s, herald->consume->msgs_s);
      }
      if (r.latency && herald->latency) {
        ratio["p50_ms"] = Ratio(r.latency->p50_ms, herald->latency->p50_ms);
        ratio["p99_ms"] = Ratio(r.latency->p99_ms, herald->latency->p99_ms);
        ratio["p999_ms"] = Ratio(r.latency->p999_ms, herald->latency->p999_ms);
      }
      j["ratio_to_herald"] = ratio;
    }
    systems_json.push_back(std::move(j));
  }
  return {
      {"benchmark", "herald bench compare"},
      {"command", options.command_line},
      {"started_at", started_at},
      {"elapsed_s", elapsed_s},
      {"options",
       {{"systems", options.systems},
        {"record_size", options.record_size},
        {"count", options.count},
        {"window", options.window},
        {"partitions", options.partitions},
        {"durability", DurabilityName(options.durability)},
        {"rate", options.rate},
        {"latency_seconds", options.latency_seconds},
        {"start_timeout_s", options.start_timeout_s}}},
      {"machine",
       {{"cores", machine.cores},
        {"kernel", machine.kernel},
        {"disk_write_fdatasync_mb_s", machine.disk_write_fdatasync_mb_s},
        {"disk_write_fdatasync_probes_mb_s", machine.disk_probes_mb_s},
        {"disk_probe", fmt::format("{} MiB written sequentially in 1 MiB writes, fdatasync "
                                   "after each, in the scratch directory, at the start and at "
                                   "the end of the run; the limit is the best probe",
                                   machine.disk_probe_bytes >> 20)},
        {"loopback_tcp_mb_s", machine.loopback_tcp_mb_s},
        {"loopback_tcp_probes_mb_s", machine.loopback_probes_mb_s},
        {"loopback_probe", "one TCP connection over 127.0.0.1 for 1 s, 256 KiB sends"}}},
      {"fixed_rate",
       {{"msgs_s", fixed_rate},
        {"basis", fixed_rate_basis},
        {"seconds", options.latency_seconds},
        {"warm_up", "100 messages published and consumed before the clock starts"}}},
      {"units",
       {{"mb_s", "MiB/s (2^20 bytes per second), payload bytes"},
        {"latency", "milliseconds from the time a message was due to be published to its "
                    "receipt by a concurrently running consumer"}}},
      {"systems", systems_json},
  };
}

std::string CompareReport::ToMarkdown() const {
  const SystemResult* herald = Find("herald");
  std::string md = fmt::format("## herald bench compare — durability `{}`\n\n",
                               DurabilityName(options.durability));
  md += fmt::format(
      "{} messages of {} bytes per system; at most {} unacknowledged publishes per client; only "
      "acknowledged messages count. Herald's topic has {} partitions; the peers use one queue / "
      "stream. Started {}, took {:.0f} s.\n\n",
      Thousands(static_cast<double>(options.count)), options.record_size,
      Thousands(static_cast<double>(options.window)), options.partitions, started_at, elapsed_s);
  md += "| System | Version | Acknowledged after | Publish msgs/s | Publish MB/s | Herald ÷ it "
        "(publish) | Consume msgs/s | Consume MB/s | Fixed-rate p50 ms | p99 ms | p99.9 ms | "
        "its p99 ÷ Herald's | Publish ÷ disk | Publish ÷ loopback |\n";
  md += "|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n";
  for (const auto& r : systems) {
    if (!r.available) {
      md += fmt::format("| {} | — | not available: {} | | | | | | | | | | | |\n", r.name,
                        r.error);
      continue;
    }
    auto cell = [](bool has, const std::string& s) { return has ? s : std::string("—"); };
    const bool pub = r.publish.has_value();
    const bool con = r.consume.has_value();
    const bool lat = r.latency.has_value();
    md += fmt::format(
        "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n", r.name,
        r.version, Acknowledged(r), cell(pub, pub ? Thousands(r.publish->msgs_s) : ""),
        cell(pub, pub ? fmt::format("{:.1f}", r.publish->mb_s) : ""),
        cell(pub && herald && herald->publish,
             pub && herald && herald->publish
                 ? fmt::format("{:.2f}×", Ratio(herald->publish->msgs_s, r.publish->msgs_s))
                 : ""),
        cell(con, con ? Thousands(r.consume->msgs_s) : ""),
        cell(con, con ? fmt::format("{:.1f}", r.consume->mb_s) : ""),
        cell(lat, lat ? Ms(r.latency->p50_ms) : ""), cell(lat, lat ? Ms(r.latency->p99_ms) : ""),
        cell(lat, lat ? Ms(r.latency->p999_ms) : ""),
        cell(lat && herald && herald->latency,
             lat && herald && herald->latency
                 ? fmt::format("{:.2f}×", Ratio(r.latency->p99_ms, herald->latency->p99_ms))
                 : ""),
        cell(pub, pub ? fmt::format("{:.2f}", Ratio(r.publish->mb_s,
                                                   machine.disk_write_fdatasync_mb_s))
                      : ""),
        cell(pub, pub ? fmt::format("{:.3f}", Ratio(r.publish->mb_s, machine.loopback_tcp_mb_s))
                      : ""));
  }
  md += "\n";
  if (fixed_rate > 0) {
    md += fmt::format(
        "Fixed-rate phase: {} msgs/s for {:g} s on a fresh server ({}); latency runs from the "
        "time each message was due to its receipt by a consumer running at the same time.",
        Thousands(fixed_rate), options.latency_seconds, fixed_rate_basis);
    for (const auto& r : systems) {
      if (r.latency && !r.latency->sustained) {
        md += fmt::format(" {} fell behind that rate (received {} msgs/s).", r.name,
                          Thousands(r.latency->achieved_rate));
      }
    }
    md += "\n\n";
  }
  md += fmt::format(
      "Machine: {} cores, {}; sequential write + fdatasync (1 MiB writes) {:.1f} MB/s (best of "
      "{}); loopback TCP {} MB/s (best of {}). The ÷ disk and ÷ loopback columns divide a "
      "system's publish MB/s by these. MB/s are MiB/s of payload. Clients and server share the "
      "machine.\n\n",
      machine.cores, machine.kernel, machine.disk_write_fdatasync_mb_s,
      ProbeList(machine.disk_probes_mb_s), Thousands(machine.loopback_tcp_mb_s),
      ProbeList(machine.loopback_probes_mb_s));
  md += "What an acknowledgement means, per system:\n\n";
  for (const auto& r : systems) {
    if (r.settings.is_object() && r.settings.contains("acknowledgement")) {
      md += fmt::format("- {}: {}\n", r.name, r.settings["acknowledgement"].get<std::string>());
    }
  }
  bool any_error = false;
  for (const auto& r : systems) {
    if (r.available && !r.error.empty()) {
      if (!any_error) md += "\nFailures:\n\n";
      any_error = true;
      md += fmt::format("- {}: {}\n", r.name, r.error);
    }
  }
  if (!options.command_line.empty()) md += fmt::format("\nCommand: `{}`\n", options.command_line);
  return md;
}

std::string CompareReport::ToSvg() const {
  constexpr int kPanelWidth = 330, kLabelWidth = 80, kBarMax = 190, kRowHeight = 54, kTop = 76;
  const int rows = static_cast<int>(systems.size());
  const int width = 3 * kPanelWidth + 20;
  const int height = kTop + rows * kRowHeight + 40;
  const char* kHerald = "#d9480f";
  const char* kPeer = "#4263eb";
  const char* kPercentileColors[] = {"#74c0fc", "#4263eb", "#1b2a6b"};
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} "
      "{1}\" font-family=\"sans-serif\" font-size=\"12\">\n"
      "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      "<text x=\"10\" y=\"20\" font-size=\"15\" font-weight=\"bold\">herald bench compare — "
      "durability {2}, {3} × {4} B, window {5}</text>\n",
      width, height, DurabilityName(options.durability),
      Thousands(static_cast<double>(options.count)), options.record_size, options.window);

  auto panel = [&](int index, const std::string& title, auto&& draw_row) {
    const int x0 = 10 + index * kPanelWidth;
    svg += fmt::format("<text x=\"{}\" y=\"{}\" font-weight=\"bold\">{}</text>\n", x0, kTop - 24,
                       XmlEscape(title));
    for (int i = 0; i < rows; ++i) {
      const SystemResult& r = systems[static_cast<size_t>(i)];
      const int y = kTop + i * kRowHeight;
      svg += fmt::format("<text x=\"{}\" y=\"{}\">{}</text>\n", x0, y + kRowHeight / 2,
                         XmlEscape(r.name));
      draw_row(r, x0 + kLabelWidth, y);
    }
  };
  auto bar = [&](int x, int y, int h, double value, double max, const char* color,
                 const std::string& label) {
    int w = max > 0 ? static_cast<int>(std::lround(value / max * kBarMax)) : 0;
    svg += fmt::format(
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"/>\n"
        "<text x=\"{}\" y=\"{}\" font-size=\"11\">{}</text>\n",
        x, y, std::max(w, 1), h, color, x + std::max(w, 1) + 4, y + h - 3, XmlEscape(label));
  };
  auto missing = [&](int x, int y, const SystemResult& r) {
    svg += fmt::format("<text x=\"{}\" y=\"{}\" fill=\"#868e96\">{}</text>\n", x,
                       y + kRowHeight / 2, r.available ? "failed" : "not available");
  };

  double max_publish = 0, max_consume = 0, max_latency = 0;
  for (const auto& r : systems) {
    if (r.publish) max_publish = std::max(max_publish, r.publish->msgs_s);
    if (r.consume) max_consume = std::max(max_consume, r.consume->msgs_s);
    if (r.latency) max_latency = std::max(max_latency, r.latency->p999_ms);
  }
  panel(0, "Max-rate publish (msgs/s)", [&](const SystemResult& r, int x, int y) {
    if (!r.publish) return missing(x, y, r);
    bar(x, y + 16, 22, r.publish->msgs_s, max_publish, r.name == "herald" ? kHerald : kPeer,
        Thousands(r.publish->msgs_s));
  });
  panel(1, "Backlog consume (msgs/s)", [&](const SystemResult& r, int x, int y) {
    if (!r.consume) return missing(x, y, r);
    bar(x, y + 16, 22, r.consume->msgs_s, max_consume, r.name == "herald" ? kHerald : kPeer,
        Thousands(r.consume->msgs_s));
  });
  panel(2, fmt::format("Latency at {} msgs/s (ms): p50, p99, p99.9", Thousands(fixed_rate)),
        [&](const SystemResult& r, int x, int y) {
          if (!r.latency) return missing(x, y, r);
          const double values[] = {r.latency->p50_ms, r.latency->p99_ms, r.latency->p999_ms};
          for (int k = 0; k < 3; ++k) {
            bar(x, y + 4 + k * 16, 14, values[k], max_latency, kPercentileColors[k], Ms(values[k]));
          }
        });
  // The latency panel's legend, under its title.
  const char* percentile_names[] = {"p50", "p99", "p99.9"};
  for (int k = 0; k < 3; ++k) {
    const int x = 10 + 2 * kPanelWidth + k * 60;
    svg += fmt::format(
        "<rect x=\"{}\" y=\"{}\" width=\"10\" height=\"10\" fill=\"{}\"/>"
        "<text x=\"{}\" y=\"{}\" font-size=\"11\">{}</text>\n",
        x, kTop - 14, kPercentileColors[k], x + 14, kTop - 5, percentile_names[k]);
  }
  svg += fmt::format(
      "<text x=\"10\" y=\"{}\" font-size=\"11\" fill=\"#495057\">Machine: {} cores; write + "
      "fdatasync {:.1f} MB/s; loopback TCP {} MB/s. Herald in orange.</text>\n",
      height - 14, machine.cores, machine.disk_write_fdatasync_mb_s,
      Thousands(machine.loopback_tcp_mb_s));
  svg += "</svg>\n";
  return svg;
}

Result<std::vector<std::string>> WriteCompareReport(const CompareReport& report,
                                                    const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return IoError("cannot create {}: {}", dir, ec.message());
  const std::vector<std::pair<std::string, std::string>> files = {
      {dir + "/compare.json", report.ToJson().dump(2) + "\n"},
      {dir + "/compare.md", report.ToMarkdown()},
      {dir + "/compare.svg", report.ToSvg()},
  };
  std::vector<std::string> paths;
  for (const auto& [path, text] : files) {
    std::ofstream out(path, std::ios::trunc);
    out << text;
    out.close();
    if (!out) return IoError("cannot write {}", path);
    paths.push_back(path);
  }
  return paths;
}

}  // namespace herald::bench
