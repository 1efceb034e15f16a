#include "testing/clients.h"

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string_view>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "testing/test_util.h"

namespace herald::testing {

bool HasCommand(const std::string& name) {
  return RunCommand(fmt::format("command -v '{}'", name)).exit_code == 0;
}

bool PythonHas(const std::string& module) {
  return RunCommand(fmt::format("{} -c 'import {}'", kPython, module)).exit_code == 0;
}

bool HasKafkajs() {
  return std::filesystem::exists(std::string(HERALD_SOURCE_DIR) +
                                 "/tests/integration/clients/node_modules/kafkajs");
}

bool ClientsRequired() {
  const char* value = std::getenv("HERALD_REQUIRE_CLIENTS");
  return value != nullptr && std::string_view(value) == "1";
}

nlohmann::json RunPythonClient(const std::string& script, const std::string& args) {
  auto r = RunCommand(fmt::format("timeout 120 {} -u {}/tests/integration/clients/{} {}", kPython,
                                  HERALD_SOURCE_DIR, script, args));
  EXPECT_EQ(r.exit_code, 0) << script << "\n" << r.out << "\n" << r.err;
  const size_t end = r.out.find_last_not_of('\n');
  if (r.exit_code != 0 || end == std::string::npos) return nullptr;
  const size_t begin = r.out.rfind('\n', end);
  auto facts = nlohmann::json::parse(r.out.substr(begin == std::string::npos ? 0 : begin + 1),
                                     nullptr, false);
  EXPECT_FALSE(facts.is_discarded()) << script << " printed no JSON last:\n" << r.out;
  return facts.is_discarded() ? nullptr : facts;
}

CommandResult RunKcat(const std::filesystem::path& scratch, const std::string& bootstrap,
                      const std::string& args, const std::string& input) {
  static std::atomic<int> inputs{0};
  const std::string path = fmt::format("{}/kcat-input-{}", scratch.string(), ++inputs);
  std::ofstream(path) << input;
  return RunCommand(fmt::format("timeout 30 kcat -b {} {} < {}", bootstrap, args, path));
}

std::string RunKcatOk(const std::filesystem::path& scratch, const std::string& bootstrap,
                      const std::string& args, const std::string& input) {
  auto r = RunKcat(scratch, bootstrap, args, input);
  EXPECT_EQ(r.exit_code, 0) << "kcat -b " << bootstrap << " " << args << "\n" << r.err;
  return r.out;
}

}  // namespace herald::testing
