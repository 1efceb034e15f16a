#include "testing/acl_broker.h"

#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

#include "kafka/api.h"
#include "kafka/messages/create_acls.h"
#include "kafka/messages/sasl_authenticate.h"
#include "kafka/messages/sasl_handshake.h"
#include "testing/test_util.h"

namespace herald::testing {

using namespace std::string_literals;

std::string AclPassword(const std::string& user) {
  if (user == "admin") return "adm1n-Pa55";
  if (user == "alice") return "al1ce-Pa55";
  if (user == "bob") return "b0b-Pa55";
  throw std::invalid_argument("no such test user: " + user);
}

std::string PlainToken(const std::string& user, const std::string& password,
                       const std::string& authorization_id) {
  return authorization_id + "\0"s + user + "\0"s + password;
}

void CreateAclUsers(const std::string& data_dir) {
  std::filesystem::create_directories(data_dir);
  for (const std::string user : {"admin", "alice", "bob"}) {
    auto r = RunCommand(fmt::format("timeout 60 {} user create {} --password {} --data-dir {}",
                                    HERALD_BINARY, user, AclPassword(user), data_dir));
    if (r.exit_code != 0) {
      throw std::runtime_error(
          fmt::format("herald user create {}: exit {}\n{}{}", user, r.exit_code, r.out, r.err));
    }
  }
}

std::unique_ptr<HeraldProcess> StartAclBroker(const std::string& data_dir,
                                              const std::vector<std::string>& extra) {
  std::vector<std::string> args = {"--sasl-mechanisms",
                                   kAclMechanisms,
                                   "--authorizer",
                                   "acl",
                                   "--super-users",
                                   "User:admin",
                                   "--api-key",
                                   kAclApiKey,
                                   "--group-initial-rebalance-delay-ms",
                                   "200"};
  args.insert(args.end(), extra.begin(), extra.end());
  return std::make_unique<HeraldProcess>(data_dir, std::move(args));
}

void Grant(raw_wire::RawWireClient& admin, const broker::AclBinding& binding) {
  kafka::CreateAclsRequestCreation creation;
  creation.resource_type = static_cast<int8_t>(binding.resource_type);
  creation.resource_name = binding.resource_name;
  creation.resource_pattern_type = static_cast<int8_t>(binding.pattern_type);
  creation.principal = binding.principal;
  creation.host = binding.host;
  creation.operation = static_cast<int8_t>(binding.operation);
  creation.permission_type = static_cast<int8_t>(binding.permission);
  kafka::CreateAclsRequest request;
  request.creations.push_back(creation);
  const auto response =
      admin.Call<kafka::CreateAclsResponse>(kafka::ApiKey::kCreateAcls, 3, request).body;
  if (response.results.size() != 1 || response.results[0].error_code != 0) {
    throw std::runtime_error(fmt::format(
        "CreateAcls {} {} {} on {} '{}': error {}", binding.principal,
        binding.permission == broker::AclPermission::kAllow ? "allow" : "deny",
        broker::OperationName(binding.operation), broker::ResourceTypeName(binding.resource_type),
        binding.resource_name, response.results.empty() ? -1 : response.results[0].error_code));
  }
}

std::unique_ptr<raw_wire::RawWireClient> ConnectAs(uint16_t port, const std::string& user) {
  return ConnectAs(port, user, AclPassword(user));
}

std::unique_ptr<raw_wire::RawWireClient> ConnectAs(uint16_t port, const std::string& user,
                                                   const std::string& password) {
  using kafka::ApiKey;
  auto client = std::make_unique<raw_wire::RawWireClient>(port);
  kafka::SaslHandshakeRequest handshake;
  handshake.mechanism = "PLAIN";
  const auto shook =
      client->Call<kafka::SaslHandshakeResponse>(ApiKey::kSaslHandshake, 1, handshake).body;
  if (shook.error_code != 0) {
    throw std::runtime_error(fmt::format("SaslHandshake PLAIN: error {}", shook.error_code));
  }
  kafka::SaslAuthenticateRequest authenticate;
  const std::string token = PlainToken(user, password);
  authenticate.auth_bytes.assign(token.begin(), token.end());
  const auto authenticated =
      client->Call<kafka::SaslAuthenticateResponse>(ApiKey::kSaslAuthenticate, 2, authenticate)
          .body;
  if (authenticated.error_code != 0) {
    throw std::runtime_error(
        fmt::format("SaslAuthenticate as {}: error {}", user, authenticated.error_code));
  }
  return client;
}

bool Logged(const std::string& log, std::string_view event,
            const std::vector<std::string>& fields) {
  const std::string marker = fmt::format(" {} ", event);
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    if (line.find(marker) == std::string::npos) continue;
    bool all = true;
    for (const auto& field : fields) {
      // The whole field: "resource=secret" is not "resource=secrets".
      all = all && (line + " ").find(" " + field + " ") != std::string::npos;
    }
    if (all) return true;
  }
  return false;
}

}  // namespace herald::testing
