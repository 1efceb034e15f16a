// herald: the one binary. Each subcommand registers itself here.
#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "base/log.h"
#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"Herald: a durable event platform that speaks the Kafka protocol", "herald"};
  app.set_version_flag("--version", std::string("herald ") + HERALD_VERSION);
  app.require_subcommand(1);
  std::string log_format = "json";
  std::string log_level = "info";
  app.add_option("--log-format", log_format, "Log lines as json or text")
      ->check(CLI::IsMember({"json", "text"}))
      ->capture_default_str();
  std::string log_file;
  app.add_option("--log-file", log_file, "Write log lines to this file (appended) instead of stderr");
  app.add_option("--log-level", log_level, "debug, info, warn or error")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}))
      ->capture_default_str();
  app.parse_complete_callback([&] {
    herald::LogLevel level = log_level == "debug"  ? herald::LogLevel::kDebug
                             : log_level == "warn" ? herald::LogLevel::kWarn
                             : log_level == "error" ? herald::LogLevel::kError
                                                    : herald::LogLevel::kInfo;
    herald::ConfigureLogging(
        log_format == "text" ? herald::LogFormat::kText : herald::LogFormat::kJson, level,
        log_file);
  });
  herald::cli::RegisterServe(app);
  herald::cli::RegisterBench(app);
  herald::cli::RegisterStorage(app);
  herald::cli::RegisterTopic(app);
  herald::cli::RegisterProduce(app);
  herald::cli::RegisterConsume(app);
  herald::cli::RegisterGroup(app);
  herald::cli::RegisterDlq(app);
  herald::cli::RegisterStream(app);
  herald::cli::RegisterTxn(app);
  herald::cli::RegisterSchema(app);
  herald::cli::RegisterUser(app);
  herald::cli::RegisterAcl(app);
  // A usage error is one line on stderr and exit code 2 (--help and --version exit 0).
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return fmt::format("herald: {} (see --help)\n", e.what());
  });
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? herald::cli::kExitOk : herald::cli::kExitUsage;
  }
  return herald::cli::ExitCode();
}
