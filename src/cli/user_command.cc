// `herald user create|delete|list`: the SCRAM users clients authenticate as (SASL PLAIN,
// SCRAM-SHA-256, SCRAM-SHA-512), kept in the data directory's __herald_users topic. Offline
// (the default), against a data directory no broker holds (its lock is taken), so the first
// administrator can exist before the first start; with --url, on a running `herald serve`
// through its admin API (/admin/users: ALTER on the cluster, DESCRIBE to list), where a change
// takes effect at once. Passwords are never stored: only the salted SCRAM credential.
//   create NAME   --password P | --password-stdin, [--mechanism M] (default: both SCRAM ones),
//                 [--iterations N] (4096-16384)
//   delete NAME   [--mechanism M] (default: every credential of the user); exits 1 when it has
//                 none
//   list          NAME, MECHANISM and ITERATIONS per credential
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/output.h"
#include "client/http_client.h"
#include "security/scram.h"
#include "security/users.h"
#include "storage/engine.h"

namespace herald::cli {
namespace {

struct UserOptions {
  std::string data_dir = "./data";
  std::string name;
  std::string password;
  bool password_stdin = false;
  std::string mechanism;  // empty: both
  int32_t iterations = security::kMinIterations;
  client::HttpClientOptions http;  // with --url: the running broker
  bool online = false;             // --url was given
};

// ---- online: the admin API of a running broker ----

int CreateOnline(const UserOptions& o) {
  nlohmann::json body = {{"password", o.password}, {"iterations", o.iterations}};
  if (!o.mechanism.empty()) body["mechanism"] = o.mechanism;
  client::HttpClient http(o.http);
  auto answer = http.Call("PUT", "/admin/users/" + client::PathSegment(o.name), body.dump());
  if (!answer.ok()) return Fail(answer.status());
  if (answer->status != 200) return Fail(AnswerError(*answer));
  const nlohmann::json user = answer->Json();
  for (const auto& c : user["credentials"]) {
    if (!o.mechanism.empty() && c["mechanism"] != o.mechanism) continue;
    std::cout << fmt::format("{} {} (iterations {})\n", o.name, c["mechanism"].get<std::string>(),
                             c["iterations"].get<int>());
  }
  return kExitOk;
}

int DeleteOnline(const UserOptions& o) {
  std::string target = "/admin/users/" + client::PathSegment(o.name);
  if (!o.mechanism.empty()) target += "?mechanism=" + client::PathSegment(o.mechanism);
  client::HttpClient http(o.http);
  auto answer = http.Call("DELETE", target);
  if (!answer.ok()) return Fail(answer.status());
  if (answer->status != 204) return Fail(AnswerError(*answer));
  std::cout << fmt::format("deleted {} {}\n", o.name,
                           o.mechanism.empty() ? "(every credential it had)" : o.mechanism);
  return kExitOk;
}

// The users as /admin/users lists them: user -> mechanism -> iterations.
Result<std::map<std::string, std::map<std::string, int32_t>>> ListOnline(const UserOptions& o) {
  client::HttpClient http(o.http);
  HERALD_ASSIGN_OR_RETURN(auto answer, http.Call("GET", "/admin/users"));
  if (answer.status != 200) return AnswerError(answer);
  std::map<std::string, std::map<std::string, int32_t>> out;
  for (const auto& u : answer.Json()) {
    auto& mechanisms = out[u["user"].get<std::string>()];
    for (const auto& c : u["credentials"]) {
      mechanisms[c["mechanism"].get<std::string>()] = c["iterations"].get<int32_t>();
    }
  }
  return out;
}

// ---- offline: the data directory ----

// Opens the data directory and its users, runs `work`, closes; the exit code. Unless `create`,
// nothing is created: a missing directory is an error, and without a users topic `work` sees
// no users.
template <typename Work>
int WithUsers(const UserOptions& o, bool create, Work work) {
  if (!create && !std::filesystem::is_directory(o.data_dir)) {
    std::cerr << "herald: no data directory at " << o.data_dir << "\n";
    return kExitFailure;
  }
  storage::EngineOptions eo;
  eo.data_dir = o.data_dir;
  eo.background = false;
  auto engine = storage::Engine::Open(eo);
  if (!engine.ok()) {
    std::cerr << "herald: " << engine.status().message() << "\n";
    if (engine.status().code() != StatusCode::kFailedPrecondition) return kExitFailure;
    std::cerr << "herald: users are managed offline: stop the broker using " << o.data_dir
              << " first\n";
    return kExitDataDirLocked;
  }
  int code = kExitFailure;
  if (!create && !(*engine)->HasTopic(security::kUsersTopic)) {
    code = work(nullptr);
  } else if (auto users = security::UserStore::Open(**engine); users.ok()) {
    code = work(users->get());
  } else {
    std::cerr << "herald: " << users.status().message() << "\n";
  }
  if (Status closed = (*engine)->Close(); !closed.ok()) {
    std::cerr << "herald: closing " << o.data_dir << ": " << closed.ToString() << "\n";
    return kExitFailure;
  }
  return code;
}

// The mechanisms --mechanism names: one, or both SCRAM ones when it is empty.
std::vector<security::ScramMechanism> Mechanisms(const std::string& name) {
  if (name.empty()) return {security::ScramMechanism::kSha256, security::ScramMechanism::kSha512};
  return {*security::MechanismNamed(name)};
}

int Create(UserOptions o) {
  if (o.password_stdin) {
    if (!std::getline(std::cin, o.password)) {
      std::cerr << "herald: no password on standard input\n";
      return kExitUsage;
    }
    if (o.password.ends_with('\r')) o.password.pop_back();
  }
  if (o.password.empty()) {
    std::cerr << "herald: user create needs --password or --password-stdin (not empty)\n";
    return kExitUsage;
  }
  if (o.online) return CreateOnline(o);
  return WithUsers(o, /*create=*/true, [&](security::UserStore* users) {
    for (auto mechanism : Mechanisms(o.mechanism)) {
      Status s = users->Upsert(o.name, mechanism,
                              security::NewCredential(mechanism, o.password, o.iterations));
      if (!s.ok()) {
        std::cerr << "herald: " << s.message() << "\n";
        return kExitFailure;
      }
      std::cout << fmt::format("{} {} (iterations {})\n", o.name,
                               security::MechanismName(mechanism), o.iterations);
    }
    return kExitOk;
  });
}

int Delete(const UserOptions& o) {
  if (o.online) return DeleteOnline(o);
  return WithUsers(o, /*create=*/false, [&](security::UserStore* users) {
    int deleted = 0;
    for (auto mechanism : users ? Mechanisms(o.mechanism) : std::vector<security::ScramMechanism>()) {
      Status s = users->Delete(o.name, mechanism);
      if (s.code() == StatusCode::kNotFound) continue;
      if (!s.ok()) {
        std::cerr << "herald: " << s.message() << "\n";
        return kExitFailure;
      }
      ++deleted;
      std::cout << fmt::format("deleted {} {}\n", o.name, security::MechanismName(mechanism));
    }
    if (deleted > 0) return kExitOk;
    std::cerr << fmt::format("herald: user '{}' has no {} credential\n", o.name,
                             o.mechanism.empty() ? "SCRAM" : o.mechanism);
    return kExitFailure;
  });
}

void PrintUsers(const std::map<std::string, std::map<std::string, int32_t>>& all) {
  std::cout << fmt::format("{:<30} {:<15} {:>10}\n", "USER", "MECHANISM", "ITERATIONS");
  for (const auto& [name, mechanisms] : all) {
    for (const auto& [mechanism, iterations] : mechanisms) {
      std::cout << fmt::format("{:<30} {:<15} {:>10}\n", name, mechanism, iterations);
    }
  }
  if (all.empty()) std::cout << "(no users)\n";
}

int List(const UserOptions& o) {
  if (o.online) {
    auto all = ListOnline(o);
    if (!all.ok()) return Fail(all.status());
    PrintUsers(*all);
    return kExitOk;
  }
  return WithUsers(o, /*create=*/false, [](security::UserStore* users) {
    std::map<std::string, std::map<std::string, int32_t>> all;
    if (users) {
      for (const auto& [name, mechanisms] : users->List()) {
        for (const auto& [mechanism, iterations] : mechanisms) {
          all[name][std::string(security::MechanismName(mechanism))] = iterations;
        }
      }
    }
    PrintUsers(all);
    return kExitOk;
  });
}

// --data-dir (offline, the default) or --url with --api-key (online); the callback knows which.
void AddWhereFlags(CLI::App* command, UserOptions& o) {
  auto* data_dir =
      command->add_option("--data-dir", o.data_dir, "Data directory (offline)")->capture_default_str();
  auto* url = command->add_option(
      "--url", o.http.url,
      "A running herald serve's HTTP listener: change its users online (needs ALTER on the "
      "cluster; DESCRIBE to list)");
  url->excludes(data_dir);
  // Not ->envname: an exported HERALD_API_KEY must not make an offline command a usage error.
  command->add_option("--api-key", o.http.api_key,
                      "Bearer key, when the server needs one (default: $HERALD_API_KEY)")
      ->needs(url);
  command->parse_complete_callback([&o, url] {
    o.online = url->count() > 0;
    const char* key = std::getenv("HERALD_API_KEY");
    if (o.online && o.http.api_key.empty() && key != nullptr) o.http.api_key = key;
  });
}

}  // namespace

void RegisterUser(CLI::App& app) {
  auto* user = app.add_subcommand(
      "user",
      "Manage the SCRAM users clients authenticate as (offline on --data-dir, or online with --url)");
  user->require_subcommand(1);
  const auto mechanism_check =
      CLI::IsMember({std::string(security::MechanismName(security::ScramMechanism::kSha256)),
                     std::string(security::MechanismName(security::ScramMechanism::kSha512))});

  auto create_opts = std::make_shared<UserOptions>();
  auto* create = user->add_subcommand("create", "Create a user, or set its password");
  create->add_option("name", create_opts->name, "User name")->required();
  auto* password = create->add_option("--password", create_opts->password, "The password");
  create
      ->add_flag("--password-stdin", create_opts->password_stdin,
                 "Read the password from the first line of standard input")
      ->excludes(password);
  create
      ->add_option("--mechanism", create_opts->mechanism,
                   "SCRAM-SHA-256 or SCRAM-SHA-512 (default: a credential for each)")
      ->check(mechanism_check);
  create->add_option("--iterations", create_opts->iterations, "PBKDF2 iterations")
      ->check(CLI::Range(security::kMinIterations, security::kMaxIterations))
      ->capture_default_str();
  AddWhereFlags(create, *create_opts);
  create->callback([create_opts] { SetExitCode(Create(*create_opts)); });

  auto delete_opts = std::make_shared<UserOptions>();
  auto* del = user->add_subcommand("delete", "Delete a user's credentials");
  del->add_option("name", delete_opts->name, "User name")->required();
  del->add_option("--mechanism", delete_opts->mechanism,
                  "Delete only this credential (default: every one)")
      ->check(mechanism_check);
  AddWhereFlags(del, *delete_opts);
  del->callback([delete_opts] { SetExitCode(Delete(*delete_opts)); });

  auto list_opts = std::make_shared<UserOptions>();
  auto* list = user->add_subcommand("list", "List users, their mechanisms and iterations");
  AddWhereFlags(list, *list_opts);
  list->callback([list_opts] { SetExitCode(List(*list_opts)); });
}

}  // namespace herald::cli
