#include "testing/clients.h"

#include <cstdlib>
#include <filesystem>
#include <string_view>

#include <fmt/format.h>

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

}  // namespace herald::testing
