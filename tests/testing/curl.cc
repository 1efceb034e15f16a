#include "testing/curl.h"

#include <cstdlib>
#include <fstream>

#include <fmt/format.h>

#include "testing/test_util.h"

namespace herald::testing {

HttpAnswer Curl(const std::string& method, const std::string& url, const std::string& body,
                const std::string& content_type, const std::string& extra) {
  TempDir scratch;
  std::string cmd = fmt::format("curl -s -m 30 -X {} -w '\\n%{{http_code}}' {} ", method, extra);
  if (!content_type.empty()) cmd += fmt::format("-H 'Content-Type: {}' ", content_type);
  if (!body.empty()) {
    const std::string path = scratch.str() + "/body";
    std::ofstream(path, std::ios::binary) << body;
    cmd += fmt::format("--data-binary @{} ", path);
  }
  cmd += fmt::format("'{}'", url);
  CommandResult r = RunCommand(cmd);
  HttpAnswer a;
  const size_t nl = r.out.rfind('\n');
  if (r.exit_code != 0 || nl == std::string::npos) {
    a.body = fmt::format("curl failed ({}): {}", r.exit_code, r.err);
    return a;
  }
  a.status = std::atoi(r.out.c_str() + nl + 1);
  a.body = r.out.substr(0, nl);
  return a;
}

double MetricValue(const std::string& http_url, const std::string& series) {
  auto r = RunCommand(fmt::format("curl -s -m 10 '{}/metrics'", http_url));
  const size_t at = r.out.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(r.out.substr(at + series.size() + 2));
}

}  // namespace herald::testing
