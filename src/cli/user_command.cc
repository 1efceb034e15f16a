// `herald user create|delete|list`: the SCRAM users clients authenticate as (SASL PLAIN,
// SCRAM-SHA-256, SCRAM-SHA-512), kept in the data directory's __herald_users topic. Run against
// a data directory no broker holds (its lock is taken), so the first administrator can exist
// before the first start. Passwords are never stored: only the salted SCRAM credential.
//   create NAME   --password P | --password-stdin, [--mechanism M] (default: both SCRAM ones),
//                 [--iterations N] (4096-16384)
//   delete NAME   [--mechanism M] (default: every credential of the user); exits 1 when it has
//                 none
//   list          NAME, MECHANISM and ITERATIONS per credential
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli/commands.h"
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
};

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

int List(const UserOptions& o) {
  return WithUsers(o, /*create=*/false, [](security::UserStore* users) {
    const auto all = users ? users->List() : decltype(users->List()){};
    std::cout << fmt::format("{:<30} {:<15} {:>10}\n", "USER", "MECHANISM", "ITERATIONS");
    for (const auto& [name, mechanisms] : all) {
      for (const auto& [mechanism, iterations] : mechanisms) {
        std::cout << fmt::format("{:<30} {:<15} {:>10}\n", name, security::MechanismName(mechanism),
                                 iterations);
      }
    }
    if (all.empty()) std::cout << "(no users)\n";
    return kExitOk;
  });
}

}  // namespace

void RegisterUser(CLI::App& app) {
  auto* user = app.add_subcommand(
      "user", "Manage the SCRAM users SASL clients authenticate as (offline, on --data-dir)");
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
  create->add_option("--data-dir", create_opts->data_dir, "Data directory")->capture_default_str();
  create->callback([create_opts] { SetExitCode(Create(*create_opts)); });

  auto delete_opts = std::make_shared<UserOptions>();
  auto* del = user->add_subcommand("delete", "Delete a user's credentials");
  del->add_option("name", delete_opts->name, "User name")->required();
  del->add_option("--mechanism", delete_opts->mechanism,
                  "Delete only this credential (default: every one)")
      ->check(mechanism_check);
  del->add_option("--data-dir", delete_opts->data_dir, "Data directory")->capture_default_str();
  del->callback([delete_opts] { SetExitCode(Delete(*delete_opts)); });

  auto list_opts = std::make_shared<UserOptions>();
  auto* list = user->add_subcommand("list", "List users, their mechanisms and iterations");
  list->add_option("--data-dir", list_opts->data_dir, "Data directory")->capture_default_str();
  list->callback([list_opts] { SetExitCode(List(*list_opts)); });
}

}  // namespace herald::cli
