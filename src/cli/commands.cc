#include "cli/commands.h"

namespace herald::cli {
namespace {
int exit_code = kExitOk;
}  // namespace

void SetExitCode(int code) { exit_code = code; }
int ExitCode() { return exit_code; }

}  // namespace herald::cli
