// A fixture for tests of the `herald` CLI against a real `herald serve`: runs the binary with the
// server's bootstrap and checks exit codes and JSON output.
#pragma once

#include <chrono>
#include <cstdint>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "testing/herald_process.h"
#include "testing/test_util.h"

namespace herald::testing {

// Wall-clock milliseconds now.
inline int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<HeraldProcess>(
        dir_.str() + "/data", std::vector<std::string>{"--group-initial-rebalance-delay-ms", "0"});
  }

  // Runs `herald ARGS --bootstrap <server>` (bounded by a timeout), with `input` on stdin and
  // `env` (VAR=value ...) in front.
  CommandResult Herald(const std::string& args, const std::string& input = "",
                       const std::string& env = "") {
    std::string cmd = fmt::format("{} timeout 60 {} {} --bootstrap {}", env, HERALD_BINARY, args,
                                  server_->bootstrap());
    return RunWithInput(cmd, input);
  }

  // Runs the shell command `cmd` with `input` on stdin.
  CommandResult RunWithInput(std::string cmd, const std::string& input) {
    std::string path = fmt::format("{}/input-{}", dir_.str(), ++inputs_);
    std::ofstream(path) << input;
    cmd += " < " + path;
    return RunCommand(cmd);
  }

  // Runs and expects success; returns stdout.
  std::string Ok(const std::string& args, const std::string& input = "") {
    auto r = Herald(args, input);
    EXPECT_EQ(r.exit_code, 0) << "herald " << args << "\nstderr: " << r.err << "\nserver log:\n"
                              << server_->Log();
    return r.out;
  }

  // Runs, expects success and a JSON document on stdout.
  nlohmann::json OkJson(const std::string& args, const std::string& input = "") {
    std::string out = Ok(args, input);
    try {
      return nlohmann::json::parse(out);
    } catch (const nlohmann::json::exception& e) {
      ADD_FAILURE() << "herald " << args << " printed no JSON: " << e.what() << "\n" << out;
      return nlohmann::json();
    }
  }

  TempDir dir_;
  std::unique_ptr<HeraldProcess> server_;

 private:
  int inputs_ = 0;
};

}  // namespace herald::testing
