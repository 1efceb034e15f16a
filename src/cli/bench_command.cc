// `herald bench ARGS`: runs herald-bench, built and kept beside this binary, with ARGS. The
// benchmarks are a binary of their own so that the broker links none of the peer systems' client
// libraries (librabbitmq, hiredis, libnats) they drive.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.h"

namespace herald::cli {

void RegisterBench(CLI::App& app) {
  auto* bench = app.add_subcommand(
      "bench", "Measure Herald side by side with raw limits and peer systems (runs herald-bench: "
               "herald bench --help lists the benchmarks)");
  bench->prefix_command();
  bench->set_help_flag();  // --help goes to herald-bench
  bench->callback([bench] {
    const std::string binary =
        (std::filesystem::read_symlink("/proc/self/exe").parent_path() / "herald-bench").string();
    std::vector<std::string> args = bench->remaining();
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(binary.c_str()));
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::cout.flush();
    ::execv(binary.c_str(), argv.data());
    std::cerr << "herald bench: cannot run " << binary << ": " << std::strerror(errno)
              << " (herald-bench is built beside herald, in build/)\n";
    SetExitCode(kExitFailure);
  });
}

}  // namespace herald::cli
