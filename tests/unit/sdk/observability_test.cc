// The public observability API: MetricsText over the process's registry, and the log settings
// (level, format, file) over the internal logging.
#include "herald/observability.h"

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "base/log.h"
#include "herald/errors.h"
#include "herald/publisher.h"
#include "herald/router.h"
#include "herald/transport.h"
#include "testing/running_router.h"
#include "testing/test_util.h"

namespace herald::sdk {
namespace {

using namespace std::chrono_literals;

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool IsMetricName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

bool IsSampleValue(const std::string& text) {
  if (text == "+Inf" || text == "-Inf" || text == "NaN") return true;
  char* end = nullptr;
  std::strtod(text.c_str(), &end);
  return !text.empty() && end == text.c_str() + text.size();
}

// Checks `text` against the text exposition format 0.0.4 as Herald writes it: each family's
// "# HELP name ..." and "# TYPE name type" lines, then samples "name{labels} value" of that
// family (name_bucket / _sum / _count for a histogram). Returns what is wrong, empty if nothing.
std::string ExpositionProblem(const std::string& text) {
  if (!text.empty() && text.back() != '\n') return "no newline at the end";
  std::string family, type, help_of;
  for (const std::string& line : SplitLines(text)) {
    if (line.starts_with("# HELP ")) {
      std::string rest = line.substr(7);
      help_of = rest.substr(0, rest.find(' '));
      if (!IsMetricName(help_of)) return "bad HELP line: " + line;
      continue;
    }
    if (line.starts_with("# TYPE ")) {
      std::istringstream in(line.substr(7));
      in >> family >> type;
      if (family != help_of) return "TYPE without its HELP line: " + line;
      if (type != "counter" && type != "gauge" && type != "histogram") return "bad type: " + line;
      continue;
    }
    if (line.starts_with("#")) return "unexpected comment: " + line;
    const size_t space = line.rfind(' ');
    if (space == std::string::npos) return "no value: " + line;
    std::string series = line.substr(0, space);
    if (!IsSampleValue(line.substr(space + 1))) return "bad value: " + line;
    std::string name = series.substr(0, series.find('{'));
    if (name.size() != series.size() && !series.ends_with("}")) return "bad labels: " + line;
    if (!IsMetricName(name)) return "bad name: " + line;
    bool ours = name == family;
    if (type == "histogram") {
      ours = ours || name == family + "_bucket" || name == family + "_sum" ||
             name == family + "_count";
    }
    if (family.empty() || !ours) return "sample outside its family: " + line;
  }
  return "";
}

using testing::RunningRouter;

// Every test leaves the defaults (info, JSON, stderr) behind for the other tests of the binary.
class ObservabilityTest : public ::testing::Test {
 protected:
  void TearDown() override {
    SetLogFile("");
    SetLogFormat(LogFormat::kJson);
    SetLogLevel(LogLevel::kInfo);
  }

  // This test's events in the file at `path`, one line each.
  static std::vector<std::string> OurLines(const std::string& path) {
    std::ifstream in(path);
    std::stringstream content;
    content << in.rdbuf();
    std::vector<std::string> ours;
    for (const std::string& line : SplitLines(content.str())) {
      if (line.find("observability_test_") != std::string::npos) ours.push_back(line);
    }
    return ours;
  }
};

TEST_F(ObservabilityTest, MetricsTextCountsWhatARouterHandled) {
  SetLogLevel(LogLevel::kWarn);  // no recovery / topic_created lines in the test output
  testing::TempDir dir;
  std::atomic<int> handled{0};
  {
    auto transport = OpenEmbedded({.data_dir = dir.str() + "/data"});
    Publisher publisher(transport, {.source = "/tests/observability"});
    for (int i = 0; i < 3; ++i) {
      publisher.Publish("observability-orders", {.type = "order.placed", .data = "{}"});
    }
    RouterOptions options;
    options.group = "observability-billing";
    options.poll_timeout = 20ms;
    Router router(transport, options);
    router.Handle("observability-orders", [&](const Message&) {
      ++handled;
      return HandlerResult::Success();
    });
    RunningRouter running(router);
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (handled < 3 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(5ms);
    }
    running.StopAndJoin();  // Run has returned: every count is in
  }
  ASSERT_EQ(handled, 3);

  const std::string text = MetricsText();
  EXPECT_EQ(ExpositionProblem(text), "") << text;
  EXPECT_NE(text.find("# HELP messages_consumed_total "), std::string::npos) << text;
  EXPECT_NE(text.find("# TYPE messages_consumed_total counter\n"), std::string::npos) << text;
  EXPECT_NE(text.find("messages_consumed_total{topic=\"observability-orders\","
                      "consumer_group=\"observability-billing\",status=\"success\"} 3\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("messages_consumed_total{topic=\"observability-orders\","
                      "consumer_group=\"observability-billing\",status=\"dlq\"} 0\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("# TYPE message_processing_duration_seconds histogram\n"), std::string::npos)
      << text;
}

TEST_F(ObservabilityTest, ExpositionCheckerCatchesMalformedText) {
  EXPECT_EQ(ExpositionProblem("# HELP a_total A.\n# TYPE a_total counter\na_total 1\n"), "");
  EXPECT_NE(ExpositionProblem("a_total 1\n"), "");  // no HELP/TYPE
  EXPECT_NE(ExpositionProblem("# HELP a_total A.\n# TYPE a_total counter\nb_total 1\n"), "");
  EXPECT_NE(ExpositionProblem("# HELP a A.\n# TYPE a gauge\na{x=\"1\" 1\n"), "");
  EXPECT_NE(ExpositionProblem("# HELP a A.\n# TYPE a gauge\na one\n"), "");
}

TEST_F(ObservabilityTest, OffSilencesEvenErrors) {
  SetLogLevel(LogLevel::kOff);
  ::testing::internal::CaptureStderr();
  LogError("observability_test_off", {{"n", 1}});
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(err.find("observability_test_off"), std::string::npos) << err;

  SetLogLevel(LogLevel::kError);  // on again, to stderr as before
  ::testing::internal::CaptureStderr();
  LogWarn("observability_test_warn");
  LogError("observability_test_on", {{"n", 2}});
  err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(err.find("observability_test_warn"), std::string::npos) << err;
  EXPECT_NE(err.find(R"("event":"observability_test_on")"), std::string::npos) << err;
}

TEST_F(ObservabilityTest, LevelFormatAndFileTogether) {
  testing::TempDir dir;
  const std::string path = dir.str() + "/logs/app.log";  // the directory is created
  SetLogFile(path);
  SetLogLevel(LogLevel::kWarn);
  LogInfo("observability_test_info");
  LogWarn("observability_test_json", {{"topic", "orders"}});
  SetLogFormat(LogFormat::kText);
  LogError("observability_test_text", {{"topic", "orders"}});
  SetLogLevel(LogLevel::kOff);
  LogError("observability_test_off");
  SetLogFile("");  // closes the file

  std::vector<std::string> lines = OurLines(path);
  ASSERT_EQ(lines.size(), 2u) << ::testing::PrintToString(lines);
  EXPECT_TRUE(lines[0].starts_with(R"({"timestamp":")")) << lines[0];
  EXPECT_NE(lines[0].find(R"("level":"warn","event":"observability_test_json")"), std::string::npos)
      << lines[0];
  EXPECT_NE(lines[1].find(" ERROR observability_test_text topic=orders"), std::string::npos)
      << lines[1];
}

TEST_F(ObservabilityTest, UnopenableFileThrowsAndKeepsTheSettings) {
  testing::TempDir dir;
  const std::string path = dir.str() + "/app.log";
  SetLogFile(path);
  const std::string not_a_dir = dir.str() + "/plain_file";
  std::ofstream(not_a_dir) << "x";
  EXPECT_THROW(SetLogFile(not_a_dir + "/app.log"), Error);
  LogWarn("observability_test_still_here");
  SetLogFile("");

  std::vector<std::string> lines = OurLines(path);
  ASSERT_EQ(lines.size(), 1u) << ::testing::PrintToString(lines);
  EXPECT_NE(lines[0].find("observability_test_still_here"), std::string::npos);
}

}  // namespace
}  // namespace herald::sdk
