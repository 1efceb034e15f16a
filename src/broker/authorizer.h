// Authorizer: Kafka's access control lists and the decision Kafka's ACL authorizer makes from
// them. A binding names a resource (a topic, group, transactional id or the cluster, by literal
// name, the "*" wildcard, or a name prefix), a principal ("User:alice", or "User:*" for anyone),
// a host ("*" for any), an operation, and ALLOW or DENY. Bindings are kept in the compacted
// private topic __herald_acls (key: the binding as JSON; a tombstone removes it), replayed at
// open; a change is durable before it applies.
//
// The decision, for a principal from a host doing an operation on a resource:
//   - a super user may do anything;
//   - the bindings that apply are those of the resource's type whose pattern covers its name
//     (literal equal, literal "*", or a prefix of it), whose principal is the principal or
//     "User:*", and whose host is the host or "*";
//   - a DENY binding for the operation (or ALL) refuses;
//   - else an ALLOW binding for the operation (or ALL) permits; READ, WRITE, DELETE and ALTER
//     imply DESCRIBE, and ALTER_CONFIGS implies DESCRIBE_CONFIGS;
//   - else, with no binding that permits, it is refused.
//
// Thread-safety: every method may be called from any thread. Create and Delete wait for an
// fsync: call them off the network threads.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/mutex.h"
#include "base/status.h"
#include "storage/engine.h"
#include "storage/log.h"

namespace herald::broker {

inline constexpr char kAclsTopic[] = "__herald_acls";
// The name of the one cluster resource, as Kafka's.
inline constexpr char kClusterResourceName[] = "kafka-cluster";
inline constexpr char kAclWildcard[] = "*";

// Kafka's codes for each enum, as the ACL APIs carry them.
enum class ResourceType : int8_t {
  kUnknown = 0,
  kAny = 1,
  kTopic = 2,
  kGroup = 3,
  kCluster = 4,
  kTransactionalId = 5,
  kDelegationToken = 6,  // a filter may name these two; no binding is of them
  kUser = 7,
};
enum class PatternType : int8_t { kUnknown = 0, kAny = 1, kMatch = 2, kLiteral = 3, kPrefixed = 4 };
enum class AclOperation : int8_t {
  kUnknown = 0,
  kAny = 1,
  kAll = 2,
  kRead = 3,
  kWrite = 4,
  kCreate = 5,
  kDelete = 6,
  kAlter = 7,
  kDescribe = 8,
  kClusterAction = 9,
  kDescribeConfigs = 10,
  kAlterConfigs = 11,
  kIdempotentWrite = 12,
};
enum class AclPermission : int8_t { kUnknown = 0, kAny = 1, kDeny = 2, kAllow = 3 };

struct AclBinding {
  ResourceType resource_type = ResourceType::kTopic;
  std::string resource_name;
  PatternType pattern_type = PatternType::kLiteral;
  std::string principal;  // "User:alice", "User:*"
  std::string host = kAclWildcard;
  AclOperation operation = AclOperation::kAll;
  AclPermission permission = AclPermission::kAllow;

  auto operator<=>(const AclBinding&) const = default;
};

// What DescribeAcls and DeleteAcls select with: an unset string or an ANY enum matches anything.
// Pattern MATCH selects the bindings that apply to `resource_name` (literal, wildcard and
// prefixes of it); ANY with a name selects bindings of exactly that name, whatever the pattern.
struct AclFilter {
  ResourceType resource_type = ResourceType::kAny;
  std::optional<std::string> resource_name;
  PatternType pattern_type = PatternType::kAny;
  std::optional<std::string> principal;
  std::optional<std::string> host;
  AclOperation operation = AclOperation::kAny;
  AclPermission permission = AclPermission::kAny;
};

// Kafka's lower-case names ("read", "describe-configs"; "topic", "transactional-id"), for
// messages; "unknown" for a value with none.
std::string_view OperationName(AclOperation operation);
std::string_view ResourceTypeName(ResourceType type);

// kInvalidArgument saying what makes `binding` one that cannot be stored: an ANY, MATCH or
// unknown enum, an empty resource name, a principal that is not "Type:name", an empty host.
Status ValidateBinding(const AclBinding& binding);
// kInvalidArgument for a filter with an unknown enum.
Status ValidateFilter(const AclFilter& filter);
bool Matches(const AclFilter& filter, const AclBinding& binding);

class Authorizer {
 public:
  // Opens __herald_acls (creating it) and replays it. A record that does not decode (written by
  // a later version) might have been a DENY: it is logged, and every principal but the super
  // users is refused everything. `super_users`: principals that may do anything ("User:admin").
  static Result<std::unique_ptr<Authorizer>> Open(storage::Engine& engine,
                                                  const std::set<std::string>& super_users);

  // Whether `principal` is one of the super users.
  bool IsSuperUser(std::string_view principal) const { return super_users_.contains(principal); }
  // Whether `principal`, connected from `host`, may do `operation` on the resource.
  bool Authorize(std::string_view principal, std::string_view host, AclOperation operation,
                 ResourceType type, std::string_view name) const;
  // Whether the principal holds any binding that would let it do `operation` on some resource of
  // `type` (Kafka's check for an idempotent producer's WRITE on any topic).
  bool AuthorizeAny(std::string_view principal, std::string_view host, AclOperation operation,
                    ResourceType type) const;

  // The bindings `filter` selects.
  std::vector<AclBinding> Describe(const AclFilter& filter) const;
  // Stores the bindings that validate; one status per binding (a binding already stored is OK).
  // A change is written in batches within the topic's max.message.bytes (one, unless it is
  // large), each applied once durable. An I/O error fails every binding, though those of the
  // batches already written stay stored: a retry finds them so.
  std::vector<Status> Create(const std::vector<AclBinding>& bindings);
  // Removes, for each filter, the bindings it selects (written as Create writes); what each
  // removed.
  Result<std::vector<std::vector<AclBinding>>> Delete(const std::vector<AclFilter>& filters);

 private:
  Authorizer(std::shared_ptr<storage::Log> log, Clock& clock,
             const std::set<std::string>& super_users)
      : log_(std::move(log)), clock_(clock), super_users_(super_users.begin(), super_users.end()) {}
  // Writes `added` and tombstones for `removed`, in as few batches as the topic's
  // max.message.bytes allows, applying each batch once it is durable.
  Status Write(const std::vector<AclBinding>& added, const std::vector<AclBinding>& removed)
      REQUIRES(write_mu_);

  const std::shared_ptr<storage::Log> log_;
  Clock& clock_;
  const std::set<std::string, std::less<>> super_users_;  // looked up by string_view
  bool refuse_all_ = false;  // set at open only
  Mutex write_mu_;  // one change at a time, so the log's order is the set's
  mutable Mutex mu_;
  std::set<AclBinding> bindings_ GUARDED_BY(mu_);
  // At least the length of the longest name a binding has had: no longer prefix can match.
  size_t longest_name_ GUARDED_BY(mu_) = 0;
};

// Who asks, for the audit log: the principal, its host, and the request (a Kafka API's name, or
// an HTTP method and path).
struct Requester {
  std::string_view principal;
  std::string_view host;
  std::string_view request;
  bool unrestricted = false;  // the ACLs do not bind it (Permits lets it do anything)
};

// What a refusal is: an audit event (logged and counted), or, for a check that only chooses what
// an answer lists or which of two answers to give (Metadata's topics, the cluster-wide permission
// tried before a topic's), nothing: Kafka's logIfDenied.
enum class OnDenial { kAudit, kQuiet };

// The decision where authorization may be off: with no authorizer, anything is permitted; else
// what `authorizer` decides, a refusal audited as `on_denial` says (AuditDenial). Every door asks
// through this.
bool Permits(const Authorizer* authorizer, const Requester& who, AclOperation operation,
             ResourceType type, std::string_view name, OnDenial on_denial);

// The audit event of a refusal (audit.h): counted in acl_denials_total and logged at info as
// "acl_denied" (principal, host, operation, resource type and name, request).
void AuditDenial(const Requester& who, AclOperation operation, ResourceType type,
                 std::string_view name);

}  // namespace herald::broker
