#include "base/log.h"

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "testing/test_util.h"

namespace herald {
namespace {

using Json = nlohmann::json;

// Whether `text` has the shape "YYYY-MM-DDTHH:MM:SS.mmmZ".
bool IsTimestamp(std::string_view text) {
  constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:dd.dddZ";
  if (text.size() != kShape.size()) return false;
  for (size_t i = 0; i < kShape.size(); ++i) {
    bool ok = kShape[i] == 'd' ? (text[i] >= '0' && text[i] <= '9') : text[i] == kShape[i];
    if (!ok) return false;
  }
  return true;
}

// Splits a text line into its timestamp (checked) and the rest after the following space.
std::string AfterTimestamp(const std::string& line) {
  size_t space = line.find(' ');
  if (space == std::string::npos || !IsTimestamp(line.substr(0, space))) return "<no timestamp>";
  return line.substr(space + 1);
}

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

class LogTest : public ::testing::Test {
 protected:
  void SetUp() override { ConfigureLogging(LogFormat::kJson, LogLevel::kDebug, out_); }
  // Back to the default before out_ goes away.
  void TearDown() override { ConfigureLogging(LogFormat::kJson, LogLevel::kInfo); }

  std::vector<std::string> Lines() const { return SplitLines(out_.str()); }

  std::ostringstream out_;
};

TEST_F(LogTest, JsonLineCarriesEventLevelContextAndTimestamp) {
  LogInfo("segment_rolled", {{"topic", "orders"}, {"partition", 0}, {"offset", 42}},
          "rolled at size limit");
  std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(lines[0].starts_with(R"({"timestamp":")")) << lines[0];
  Json line = Json::parse(lines[0]);
  EXPECT_EQ(line["level"], "info");
  EXPECT_EQ(line["event"], "segment_rolled");
  EXPECT_EQ(line["message"], "rolled at size limit");
  EXPECT_EQ(line["context"], (Json{{"topic", "orders"}, {"partition", 0}, {"offset", 42}}));
  EXPECT_TRUE(IsTimestamp(line["timestamp"].get<std::string>())) << line["timestamp"];
  EXPECT_EQ(line.size(), 5u);
}

TEST_F(LogTest, JsonOmitsEmptyContextAndMessage) {
  LogInfo("broker_started");
  LogInfo("broker_started", Json::object());
  std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 2u);
  for (const std::string& text : lines) {
    Json line = Json::parse(text);
    EXPECT_FALSE(line.contains("context")) << text;
    EXPECT_FALSE(line.contains("message")) << text;
    EXPECT_EQ(line["event"], "broker_started");
  }
}

TEST_F(LogTest, JsonEscapesAndStaysOnOneLine) {
  const std::string tricky = "quote \" backslash \\ newline \n tab \t end";
  LogWarn("odd_input", {{"value", tricky}, {"nested", {{"list", {1, 2, 3}}}}}, tricky);
  std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 1u);
  Json line = Json::parse(lines[0]);
  EXPECT_EQ(line["message"], tricky);
  EXPECT_EQ(line["context"]["value"], tricky);
  EXPECT_EQ(line["context"]["nested"]["list"], (Json{1, 2, 3}));
}

TEST_F(LogTest, InvalidUtf8DoesNotThrow) {
  LogError("bad_bytes",
           {{"value", std::string("a\xff"
                                  "b")}},
           "x\xfe");
  std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(Json::accept(lines[0])) << lines[0];
}

TEST_F(LogTest, EachLevelHasItsName) {
  LogDebug("e");
  LogInfo("e");
  LogWarn("e");
  LogError("e");
  std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(Json::parse(lines[0])["level"], "debug");
  EXPECT_EQ(Json::parse(lines[1])["level"], "info");
  EXPECT_EQ(Json::parse(lines[2])["level"], "warn");
  EXPECT_EQ(Json::parse(lines[3])["level"], "error");
}

TEST_F(LogTest, FiltersBelowMinimumLevel) {
  ConfigureLogging(LogFormat::kJson, LogLevel::kWarn, out_);
  EXPECT_FALSE(LogEnabled(LogLevel::kDebug));
  EXPECT_FALSE(LogEnabled(LogLevel::kInfo));
  EXPECT_TRUE(LogEnabled(LogLevel::kWarn));
  EXPECT_TRUE(LogEnabled(LogLevel::kError));
  LogDebug("dropped");
  LogInfo("dropped");
  LogEvent(LogLevel::kInfo, "dropped");
  LogWarn("kept_warn");
  LogEvent(LogLevel::kError, "kept_error");
  std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(Json::parse(lines[0])["event"], "kept_warn");
  EXPECT_EQ(Json::parse(lines[1])["event"], "kept_error");
}

TEST_F(LogTest, TextLine) {
  ConfigureLogging(LogFormat::kText, LogLevel::kInfo, out_);
  LogInfo("segment_rolled", {{"topic", "orders"}, {"partition", 0}, {"offset", 42}},
          "rolled at size limit");
  LogWarn("odd", {{"path", "/a b"}, {"empty", ""}, {"ok", true}, {"list", {1, 2}}}, "two\nlines");
  LogError("bare");
  LogDebug("dropped");
  std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 3u);
  // Context keys come sorted.
  EXPECT_EQ(AfterTimestamp(lines[0]),
            "INFO segment_rolled offset=42 partition=0 topic=orders rolled at size limit");
  EXPECT_EQ(AfterTimestamp(lines[1]),
            R"(WARN odd empty="" list=[1,2] ok=true path="/a b" two\nlines)");
  EXPECT_EQ(AfterTimestamp(lines[2]), "ERROR bare");
}

TEST_F(LogTest, ConcurrentEventsStayWhole) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < kPerThread; ++i) {
        LogInfo("tick", {{"thread", t}, {"i", i}, {"pad", std::string(100, 'x')}});
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), static_cast<size_t>(kThreads * kPerThread));
  std::vector<int> per_thread(kThreads);
  for (const std::string& text : lines) {
    Json line = Json::parse(text);
    ++per_thread[line["context"]["thread"].get<size_t>()];
  }
  for (int count : per_thread) EXPECT_EQ(count, kPerThread);
}

TEST_F(LogTest, WritesToFile) {
  testing::TempDir dir;
  const std::string path = dir.str() + "/herald.log";
  ConfigureLogging(LogFormat::kJson, LogLevel::kInfo, path);
  LogInfo("first", {{"n", 1}});
  LogInfo("second");
  ConfigureLogging(LogFormat::kJson, LogLevel::kInfo, out_);  // closes the file
  std::ifstream in(path);
  std::stringstream content;
  content << in.rdbuf();
  std::vector<std::string> lines = SplitLines(content.str());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(Json::parse(lines[0])["context"]["n"], 1);
  EXPECT_EQ(Json::parse(lines[1])["event"], "second");
  EXPECT_TRUE(out_.str().empty());
}

TEST_F(LogTest, UnopenableFileFallsBackToStderr) {
  testing::TempDir dir;
  const std::string not_a_dir = dir.str() + "/plain_file";
  std::ofstream(not_a_dir) << "x";
  ::testing::internal::CaptureStderr();
  ConfigureLogging(LogFormat::kJson, LogLevel::kInfo, not_a_dir + "/herald.log");
  LogInfo("still_logging");
  std::string err = ::testing::internal::GetCapturedStderr();
  std::vector<std::string> lines = SplitLines(err);
  ASSERT_EQ(lines.size(), 2u) << err;
  Json failure = Json::parse(lines[0]);
  EXPECT_EQ(failure["event"], "log_file_open_failed");
  EXPECT_EQ(failure["level"], "error");
  EXPECT_EQ(failure["context"]["path"], not_a_dir + "/herald.log");
  EXPECT_EQ(Json::parse(lines[1])["event"], "still_logging");
}

TEST(LogTimestampTest, IsoUtcWithMilliseconds) {
  EXPECT_EQ(FormatLogTimestamp(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatLogTimestamp(1'795'332'061'123), "2026-11-22T07:21:01.123Z");
  EXPECT_EQ(FormatLogTimestamp(951'825'599'999), "2000-02-29T11:59:59.999Z");
}

}  // namespace
}  // namespace herald
