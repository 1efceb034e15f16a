// herald: the one binary. Each subcommand registers itself here.
#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"Herald: a durable event platform that speaks the Kafka protocol", "herald"};
  app.set_version_flag("--version", std::string("herald ") + HERALD_VERSION);
  app.require_subcommand(1);
  herald::cli::RegisterBench(app);
  CLI11_PARSE(app, argc, argv);
  return herald::cli::ExitCode();
}
