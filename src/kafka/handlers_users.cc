// DescribeUserScramCredentials and AlterUserScramCredentials (KIP-554): the SCRAM users of
// security::UserStore, as Kafka's brokers answer them. Describe needs DESCRIBE on the cluster
// (else the whole answer is CLUSTER_AUTHORIZATION_FAILED); Alter needs ALTER on the cluster (else
// each user's result is). The client salts and hashes the password; the broker keeps StoredKey
// and ServerKey derived from it, never the salted password.
//
// Alter answers one result per user the request names. A user's changes are checked together:
// two of one credential (DUPLICATE_RESOURCE), an unknown mechanism (UNSUPPORTED_SASL_MECHANISM),
// an empty name, iterations outside 4,096-16,384 or an empty salt or salted password
// (UNACCEPTABLE_CREDENTIAL), the removal of a credential the user has not (RESOURCE_NOT_FOUND);
// a user with any of these has none of its changes made, and the others' are made, each user's
// in one durable write, on the admin thread.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "kafka/handler_list.h"
#include "kafka/handlers.h"
#include "kafka/messages/alter_user_scram_credentials.h"
#include "kafka/messages/describe_user_scram_credentials.h"
#include "security/scram.h"
#include "security/users.h"

namespace herald::kafka::handlers {
namespace {

using broker::AclOperation;
using security::ScramMechanism;

constexpr char kNoUsers[] = "SCRAM credentials are not kept by this broker";

// Kafka's codes for the mechanisms (ScramMechanism's values are the same).
std::optional<ScramMechanism> MechanismOf(int8_t code) {
  if (code == static_cast<int8_t>(ScramMechanism::kSha256)) return ScramMechanism::kSha256;
  if (code == static_cast<int8_t>(ScramMechanism::kSha512)) return ScramMechanism::kSha512;
  return std::nullopt;
}

// What is wrong with one of a user's changes, for its result.
struct Refusal {
  ErrorCode code;
  std::string message;
};

// A change the user store refused.
Refusal RefusalFor(const Status& status) {
  switch (status.code()) {
    case StatusCode::kNotFound:
      return {ErrorCode::kResourceNotFound,
              "Attempt to delete a user credential that does not exist"};
    case StatusCode::kInvalidArgument:
      return {ErrorCode::kUnacceptableCredential, status.message()};
    case StatusCode::kAlreadyExists:
      return {ErrorCode::kDuplicateResource, status.message()};
    default:
      return {ErrorFor(status), status.message()};
  }
}

void DescribeNow(Services& s, RequestContext ctx, Respond done) {
  auto request = DecodeRequest<DescribeUserScramCredentialsRequest>(ctx.body, ctx.version());
  if (!request.ok()) return RejectMalformed(ctx, request.status(), done);
  DescribeUserScramCredentialsResponse response;
  auto answer = [&] { done(EncodeResponse(response, ctx.version())); };
  if (!AuthorizedOnCluster(s.broker, ctx, AclOperation::kDescribe)) {
    response.error_code = Code(ErrorCode::kClusterAuthorizationFailed);
    response.error_message = "Cluster authorization failed: DESCRIBE on the cluster is needed";
    return answer();
  }
  if (s.users == nullptr) {
    response.error_code = Code(ErrorCode::kSecurityDisabled);
    response.error_message = kNoUsers;
    return answer();
  }
  const auto users = s.users->List();
  auto describe = [&](const std::string& user) {
    DescribeUserScramCredentialsResponseResult r;
    r.user = user;
    auto it = users.find(user);
    if (it == users.end()) {
      r.error_code = Code(ErrorCode::kResourceNotFound);
      r.error_message = fmt::format("Attempt to describe a user credential that does not exist: {}",
                                    user);
    } else {
      for (const auto& [mechanism, iterations] : it->second) {
        r.credential_infos.push_back({static_cast<int8_t>(mechanism), iterations});
      }
    }
    response.results.push_back(std::move(r));
  };
  if (!request->users || request->users->empty()) {
    for (const auto& [user, credentials] : users) describe(user);
    return answer();
  }
  std::map<std::string, int> named;
  for (const auto& u : *request->users) ++named[u.name];
  std::set<std::string> answered;
  for (const auto& u : *request->users) {
    if (!answered.insert(u.name).second) continue;
    if (named[u.name] > 1) {
      DescribeUserScramCredentialsResponseResult r;
      r.user = u.name;
      r.error_code = Code(ErrorCode::kDuplicateResource);
      r.error_message = fmt::format(
          "Cannot describe SCRAM credentials for the same user twice in a single request: {}",
          u.name);
      response.results.push_back(std::move(r));
      continue;
    }
    describe(u.name);
  }
  answer();
}

void AlterNow(Services& s, RequestContext ctx, Respond done) {
  auto request = DecodeRequest<AlterUserScramCredentialsRequest>(ctx.body, ctx.version());
  if (!request.ok()) return RejectMalformed(ctx, request.status(), done);
  // The users in the order the request first names them, each with its changes and what is
  // wrong with the first that is wrong.
  std::vector<std::string> order;
  std::map<std::string, std::vector<security::UserStore::Change>> changes;
  // What is wrong with a user's changes, ranked: of several, the user is answered the one Kafka
  // checks first (the lowest rank).
  std::map<std::string, std::pair<int, Refusal>> refused;
  std::map<std::pair<std::string, int8_t>, int> named;  // (user, mechanism) -> changes
  auto note = [&](const std::string& user) {
    if (!changes.contains(user)) {
      order.push_back(user);
      changes[user];
    }
  };
  auto refuse = [&](const std::string& user, int rank, ErrorCode code, std::string message) {
    auto [it, added] = refused.try_emplace(user, rank, Refusal{code, message});
    if (!added && rank < it->second.first) it->second = {rank, Refusal{code, std::move(message)}};
  };
  constexpr int kNameRank = 0, kMechanismRank = 1, kCredentialRank = 2, kDuplicateRank = 3;
  for (const auto& d : request->deletions) ++named[{d.name, d.mechanism}];
  for (const auto& u : request->upsertions) ++named[{u.name, u.mechanism}];
  auto check = [&](const std::string& user, int8_t code) -> std::optional<ScramMechanism> {
    note(user);
    if (user.empty()) {
      refuse(user, kNameRank, ErrorCode::kUnacceptableCredential, "Username must not be empty");
    }
    auto mechanism = MechanismOf(code);
    if (!mechanism) {
      refuse(user, kMechanismRank, ErrorCode::kUnsupportedSaslMechanism, "Unknown SCRAM mechanism");
    }
    if (named[{user, code}] > 1) {
      refuse(user, kDuplicateRank, ErrorCode::kDuplicateResource,
             "A user credential cannot be altered twice in the same request");
    }
    return mechanism;
  };
  for (const auto& d : request->deletions) {
    auto mechanism = check(d.name, d.mechanism);
    if (mechanism) changes[d.name].push_back({d.name, *mechanism, std::nullopt});
  }
  for (const auto& u : request->upsertions) {
    auto mechanism = check(u.name, u.mechanism);
    if (!mechanism) continue;
    if (u.iterations < security::kMinIterations) {
      refuse(u.name, kCredentialRank, ErrorCode::kUnacceptableCredential, "Too few iterations");
    } else if (u.iterations > security::kMaxIterations) {
      refuse(u.name, kCredentialRank, ErrorCode::kUnacceptableCredential, "Too many iterations");
    } else if (u.salt.empty()) {
      refuse(u.name, kCredentialRank, ErrorCode::kUnacceptableCredential,
             "Salt must not be empty");
    } else if (u.salted_password.size() != security::DigestSize(*mechanism)) {
      refuse(u.name, kCredentialRank, ErrorCode::kUnacceptableCredential,
             fmt::format("A salted password for {} is {} bytes",
                         security::MechanismName(*mechanism), security::DigestSize(*mechanism)));
    } else {
      changes[u.name].push_back(
          {u.name, *mechanism,
           security::CredentialFromSalted(*mechanism, u.salted_password, u.salt, u.iterations)});
    }
  }

  const bool may = AuthorizedOnCluster(s.broker, ctx, AclOperation::kAlter);
  AlterUserScramCredentialsResponse response;
  for (const std::string& user : order) {
    AlterUserScramCredentialsResponseResult r;
    r.user = user;
    std::optional<Refusal> refusal;
    if (!may) {
      refusal = Refusal{ErrorCode::kClusterAuthorizationFailed,
                        "Cluster authorization failed: ALTER on the cluster is needed"};
    } else if (s.users == nullptr) {
      refusal = Refusal{ErrorCode::kSecurityDisabled, kNoUsers};
    } else if (auto it = refused.find(user); it != refused.end()) {
      refusal = it->second.second;
    } else if (Status applied = s.users->Apply(changes[user]); !applied.ok()) {
      refusal = RefusalFor(applied);
    }
    if (refusal) {
      r.error_code = Code(refusal->code);
      r.error_message = refusal->message;
    }
    response.results.push_back(std::move(r));
  }
  done(EncodeResponse(response, ctx.version()));
}

}  // namespace

// Both read or write the user store, whose writes wait for an fsync: on the admin thread.
void DescribeUserScramCredentials(Services& s, RequestContext ctx, Respond done) {
  OnAdminThread(s, std::move(ctx), std::move(done), DescribeNow);
}

void AlterUserScramCredentials(Services& s, RequestContext ctx, Respond done) {
  OnAdminThread(s, std::move(ctx), std::move(done), AlterNow);
}

}  // namespace herald::kafka::handlers
