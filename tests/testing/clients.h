// The real clients and tools the integration tests drive (kcat, Debian's python3-kafka and
// python3-confluent-kafka, kafkajs, promtool), and what a test does when one is missing: it is
// skipped, unless HERALD_REQUIRE_CLIENTS=1 (which `make test`, and so CI, sets after the install
// script put them all in place), where a missing client fails the test.
#pragma once

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "testing/test_util.h"

namespace herald::testing {

// Debian's interpreter, which has Debian's Kafka client packages (the first python3 on PATH may
// be another one).
inline constexpr char kPython[] = "/usr/bin/python3";

bool HasCommand(const std::string& name);       // on PATH
bool PythonHas(const std::string& module);      // kPython can import it
bool HasKafkajs();                              // tests/integration/clients/node_modules/kafkajs
bool ClientsRequired();                         // HERALD_REQUIRE_CLIENTS=1

// Runs tests/integration/clients/`script` with kPython and `args`, for up to 120 s; the JSON
// facts it printed on its last line, or null when it failed (the running test is told why).
nlohmann::json RunPythonClient(const std::string& script, const std::string& args);

// Runs kcat against `bootstrap` with `args`, `input` on its stdin (written to a file under
// `scratch`), for up to 30 s.
CommandResult RunKcat(const std::filesystem::path& scratch, const std::string& bootstrap,
                      const std::string& args, const std::string& input = "");
// RunKcat, expecting success (the running test fails otherwise); its standard output.
std::string RunKcatOk(const std::filesystem::path& scratch, const std::string& bootstrap,
                      const std::string& args, const std::string& input = "");

}  // namespace herald::testing

// Skips the current test, or fails it under HERALD_REQUIRE_CLIENTS=1, when `available` is false.
// Use at the top of a test body or SetUp().
#define HERALD_REQUIRE_CLIENT(available, what)                                            \
  do {                                                                                    \
    if (!(available)) {                                                                   \
      if (::herald::testing::ClientsRequired()) {                                         \
        FAIL() << (what) << " is not installed, and HERALD_REQUIRE_CLIENTS=1 needs it "   \
               << "(scripts/install-deps.sh installs it)";                                \
      }                                                                                   \
      GTEST_SKIP() << (what) << " is not installed (scripts/install-deps.sh installs it)"; \
    }                                                                                     \
  } while (0)
