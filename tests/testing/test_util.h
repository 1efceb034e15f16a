// Helpers shared by Herald's tests.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "base/bytes.h"

namespace herald::testing {

// A fresh directory under the system temp dir, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

struct CommandResult {
  int exit_code = -1;
  std::string out;  // standard output
  std::string err;  // standard error
};

// Runs `command` through /bin/sh and collects its exit code and both output streams.
CommandResult RunCommand(const std::string& command);

// Hand-written encodings: hex digits (lower case); spaces, newlines and '|' are ignored.
Buffer Hex(std::string_view text);

}  // namespace herald::testing
