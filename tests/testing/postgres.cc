#include "testing/postgres.h"

#include <cstdlib>
#include <fstream>
#include <memory>
#include <stdexcept>

#include "testing/test_util.h"

namespace herald::testing {
namespace {

std::string ReadUrl(const std::string& dir) {
  std::ifstream in(dir + "/url");
  std::string url;
  std::getline(in, url);
  return url;
}

// A server this process started, stopped at exit.
class OwnServer {
 public:
  OwnServer() {
    const auto r = RunCommand("bash " HERALD_SOURCE_DIR "/scripts/postgres.sh start " + Dir());
    url_ = ReadUrl(Dir());
    if (r.exit_code != 0 || url_.empty()) {
      throw std::runtime_error("cannot start PostgreSQL: " + r.err);
    }
  }
  ~OwnServer() { RunCommand("bash " HERALD_SOURCE_DIR "/scripts/postgres.sh stop " + Dir()); }
  const std::string& url() const { return url_; }

 private:
  std::string Dir() const { return dir_.str() + "/postgres"; }
  TempDir dir_;
  std::string url_;
};

}  // namespace

const std::string& PostgresUrl() {
  static const std::string url = [] {
    if (const char* dir = std::getenv("HERALD_POSTGRES_DIR")) {
      std::string shared = ReadUrl(dir);
      if (!shared.empty()) return shared;
    }
    static OwnServer own;
    return own.url();
  }();
  return url;
}

}  // namespace herald::testing
