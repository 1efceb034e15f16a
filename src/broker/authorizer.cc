#include "broker/authorizer.h"

#include <algorithm>
#include <utility>

#include <nlohmann/json.hpp>

#include "base/log.h"
#include "base/mutex.h"
#include "broker/audit.h"
#include "broker/broker_metrics.h"
#include "storage/record_batch.h"
#include "storage/record_scan.h"

namespace herald::broker {
namespace {

using nlohmann::json;

bool Concrete(ResourceType t) {
  return t == ResourceType::kTopic || t == ResourceType::kGroup || t == ResourceType::kCluster ||
         t == ResourceType::kTransactionalId;
}
bool Concrete(PatternType p) { return p == PatternType::kLiteral || p == PatternType::kPrefixed; }
bool Concrete(AclOperation o) {
  return o >= AclOperation::kAll && o <= AclOperation::kIdempotentWrite;
}
bool Concrete(AclPermission p) { return p == AclPermission::kDeny || p == AclPermission::kAllow; }

// Kafka's principal form: a type, a colon, a name ("User:alice"), both not empty.
bool ValidPrincipal(std::string_view principal) {
  const size_t colon = principal.find(':');
  return colon != std::string_view::npos && colon > 0 && colon + 1 < principal.size();
}

// Upper bounds on what a batch and each record of it add to the records' keys, so that a
// change's batches stay within the topic's max.message.bytes: a batch header is 61 bytes; a
// record's lengths, deltas and attributes at most 32, and its value ("{}") 2.
constexpr size_t kBatchOverheadBytes = 1024;
constexpr size_t kRecordOverheadBytes = 40;

std::string KeyOf(const AclBinding& b) {
  return json{{"resource_type", static_cast<int>(b.resource_type)},
              {"resource_name", b.resource_name},
              {"pattern_type", static_cast<int>(b.pattern_type)},
              {"principal", b.principal},
              {"host", b.host},
              {"operation", static_cast<int>(b.operation)},
              {"permission", static_cast<int>(b.permission)}}
      .dump();
}

// A record of __herald_acls: its binding, and whether it is stored (false: a tombstone).
Result<std::pair<AclBinding, bool>> Decode(const storage::RecordView& r) {
  if (!r.key) return Status(StatusCode::kCorruption, "a record without a key");
  const json key =
      json::parse(std::string_view(reinterpret_cast<const char*>(r.key->data()), r.key->size()),
                  nullptr, false);
  auto text = [&](const char* name) -> const std::string* {
    if (!key.is_object() || !key.contains(name) || !key[name].is_string()) return nullptr;
    return key[name].get_ptr<const std::string*>();
  };
  auto code = [&](const char* name) -> std::optional<int8_t> {
    if (!key.is_object() || !key.contains(name) || !key[name].is_number_integer()) {
      return std::nullopt;
    }
    const int64_t v = key[name].get<int64_t>();
    if (v < 0 || v > 127) return std::nullopt;
    return static_cast<int8_t>(v);
  };
  const auto type = code("resource_type"), pattern = code("pattern_type"),
             operation = code("operation"), permission = code("permission");
  const std::string *name = text("resource_name"), *principal = text("principal"),
                    *host = text("host");
  if (!type || !pattern || !operation || !permission || !name || !principal || !host) {
    return Status(StatusCode::kCorruption, "a key that is not an ACL binding");
  }
  AclBinding b{static_cast<ResourceType>(*type),     *name,  static_cast<PatternType>(*pattern),
               *principal,                           *host,  static_cast<AclOperation>(*operation),
               static_cast<AclPermission>(*permission)};
  HERALD_RETURN_IF_ERROR(ValidateBinding(b).WithContext("a stored binding"));
  return std::pair{std::move(b), r.value.has_value()};
}

// Whether `b`'s pattern covers the resource named `name` (of b's type).
bool Covers(const AclBinding& b, std::string_view name) {
  if (b.pattern_type == PatternType::kPrefixed) return name.starts_with(b.resource_name);
  return b.resource_name == name || b.resource_name == kAclWildcard;
}

// Whether a binding for `granted` permits `wanted`, as Kafka's implications.
bool Implies(AclOperation granted, AclOperation wanted) {
  if (granted == AclOperation::kAll || granted == wanted) return true;
  if (wanted == AclOperation::kDescribe) {
    return granted == AclOperation::kRead || granted == AclOperation::kWrite ||
           granted == AclOperation::kDelete || granted == AclOperation::kAlter;
  }
  return wanted == AclOperation::kDescribeConfigs && granted == AclOperation::kAlterConfigs;
}

}  // namespace

std::string_view OperationName(AclOperation operation) {
  switch (operation) {
    case AclOperation::kAll:
      return "all";
    case AclOperation::kRead:
      return "read";
    case AclOperation::kWrite:
      return "write";
    case AclOperation::kCreate:
      return "create";
    case AclOperation::kDelete:
      return "delete";
    case AclOperation::kAlter:
      return "alter";
    case AclOperation::kDescribe:
      return "describe";
    case AclOperation::kClusterAction:
      return "cluster-action";
    case AclOperation::kDescribeConfigs:
      return "describe-configs";
    case AclOperation::kAlterConfigs:
      return "alter-configs";
    case AclOperation::kIdempotentWrite:
      return "idempotent-write";
    case AclOperation::kUnknown:
    case AclOperation::kAny:
      break;
  }
  return "unknown";
}

std::string_view ResourceTypeName(ResourceType type) {
  switch (type) {
    case ResourceType::kTopic:
      return "topic";
    case ResourceType::kGroup:
      return "group";
    case ResourceType::kCluster:
      return "cluster";
    case ResourceType::kTransactionalId:
      return "transactional-id";
    case ResourceType::kDelegationToken:
      return "delegation-token";
    case ResourceType::kUser:
      return "user";
    case ResourceType::kUnknown:
    case ResourceType::kAny:
      break;
  }
  return "unknown";
}

Status ValidateBinding(const AclBinding& b) {
  if (!Concrete(b.resource_type)) return InvalidArgument("the resource type must be concrete");
  if (!Concrete(b.pattern_type)) {
    return InvalidArgument("the pattern type must be LITERAL or PREFIXED");
  }
  if (!Concrete(b.operation)) return InvalidArgument("the operation must be concrete");
  if (!Concrete(b.permission)) return InvalidArgument("the permission must be ALLOW or DENY");
  if (b.resource_name.empty()) return InvalidArgument("the resource name must not be empty");
  if (b.resource_type == ResourceType::kCluster && b.resource_name != kClusterResourceName) {
    return InvalidArgument("the only valid name for the CLUSTER resource is {}",
                           kClusterResourceName);
  }
  if (!ValidPrincipal(b.principal)) {
    return InvalidArgument("the principal '{}' is not of the form Type:name", b.principal);
  }
  if (b.host.empty()) return InvalidArgument("the host must not be empty ('*' for any)");
  return Status::Ok();
}

Status ValidateFilter(const AclFilter& f) {
  if (f.resource_type == ResourceType::kUnknown || f.pattern_type == PatternType::kUnknown ||
      f.operation == AclOperation::kUnknown || f.permission == AclPermission::kUnknown) {
    return InvalidArgument("a filter may not name an UNKNOWN value");
  }
  if (static_cast<int8_t>(f.resource_type) > static_cast<int8_t>(ResourceType::kUser) ||
      static_cast<int8_t>(f.pattern_type) > static_cast<int8_t>(PatternType::kPrefixed) ||
      static_cast<int8_t>(f.operation) > static_cast<int8_t>(AclOperation::kIdempotentWrite) ||
      static_cast<int8_t>(f.permission) > static_cast<int8_t>(AclPermission::kAllow) ||
      static_cast<int8_t>(f.resource_type) < 0 || static_cast<int8_t>(f.pattern_type) < 0 ||
      static_cast<int8_t>(f.operation) < 0 || static_cast<int8_t>(f.permission) < 0) {
    return InvalidArgument("a filter names a value Kafka does not define");
  }
  return Status::Ok();
}

bool Matches(const AclFilter& f, const AclBinding& b) {
  if (f.resource_type != ResourceType::kAny && f.resource_type != b.resource_type) return false;
  switch (f.pattern_type) {
    case PatternType::kMatch:
      if (f.resource_name && !Covers(b, *f.resource_name)) return false;
      break;
    case PatternType::kLiteral:
    case PatternType::kPrefixed:
      if (f.pattern_type != b.pattern_type) return false;
      [[fallthrough]];
    default:
      if (f.resource_name && *f.resource_name != b.resource_name) return false;
  }
  if (f.principal && *f.principal != b.principal) return false;
  if (f.host && *f.host != b.host) return false;
  if (f.operation != AclOperation::kAny && f.operation != b.operation) return false;
  return f.permission == AclPermission::kAny || f.permission == b.permission;
}

Result<std::unique_ptr<Authorizer>> Authorizer::Open(storage::Engine& engine,
                                                     const std::set<std::string>& super_users) {
  if (!engine.HasTopic(kAclsTopic)) {
    HERALD_RETURN_IF_ERROR(engine.CreateTopic(kAclsTopic, 1, {{"cleanup.policy", "compact"}}));
  }
  HERALD_ASSIGN_OR_RETURN(auto log, engine.GetLog(kAclsTopic, 0));
  metrics::AclDenials();  // listed in /metrics from the start, at 0
  std::unique_ptr<Authorizer> authorizer(new Authorizer(log, engine.clock(), super_users));
  std::set<AclBinding> replayed;
  HERALD_RETURN_IF_ERROR(storage::ScanRecords(
      *log, log->log_start_offset(), log->end_offset(), [&](const storage::RecordView& r) {
        auto entry = Decode(r);
        if (!entry.ok()) {
          // It may have been a DENY: failing open would grant what it refused.
          LogError("acl_record_unreadable", {{"topic", kAclsTopic}, {"offset", r.offset}},
                   fmt::format("{}; every request but the super users' is refused",
                               entry.status().message()));
          authorizer->refuse_all_ = true;
        } else if (entry->second) {
          replayed.insert(std::move(entry->first));
        } else {
          replayed.erase(entry->first);
        }
        return true;
      }));
  MutexLock lock(authorizer->mu_);
  for (const AclBinding& b : replayed) {
    authorizer->longest_name_ = std::max(authorizer->longest_name_, b.resource_name.size());
  }
  authorizer->bindings_ = std::move(replayed);
  return authorizer;
}

bool Authorizer::Authorize(std::string_view principal, std::string_view host,
                           AclOperation operation, ResourceType type,
                           std::string_view name) const {
  if (IsSuperUser(principal)) return true;
  if (refuse_all_) return false;
  // Only bindings of `type` named "*" or by a prefix of `name` (the whole name included) can
  // cover it. The set is ordered by type and then name, so each such name is one range, which
  // begins at `probe` (its pattern, principal, host and enums order before any binding's).
  AclBinding probe;
  probe.resource_type = type;
  probe.pattern_type = PatternType::kUnknown;
  probe.host.clear();
  probe.operation = AclOperation::kUnknown;
  probe.permission = AclPermission::kUnknown;
  bool allowed = false;
  MutexLock lock(mu_);
  const size_t longest = std::min(name.size(), longest_name_);
  for (size_t n = 0; n <= longest; ++n) {
    // n == 0 stands for "*", else the first n characters of `name`.
    const std::string_view candidate = n == 0 ? std::string_view(kAclWildcard) : name.substr(0, n);
    if (n > 0 && candidate == kAclWildcard) continue;  // already seen as n == 0
    probe.resource_name.assign(candidate);
    for (auto it = bindings_.lower_bound(probe);
         it != bindings_.end() && it->resource_type == type && it->resource_name == candidate;
         ++it) {
      const AclBinding& b = *it;
      if (!Covers(b, name)) continue;
      if (b.principal != principal && b.principal != "User:*") continue;
      if (b.host != host && b.host != kAclWildcard) continue;
      if (b.permission == AclPermission::kDeny) {
        if (b.operation == AclOperation::kAll || b.operation == operation) return false;
      } else if (Implies(b.operation, operation)) {
        allowed = true;
      }
    }
  }
  return allowed;
}

bool Authorizer::AuthorizeAny(std::string_view principal, std::string_view host,
                              AclOperation operation, ResourceType type) const {
  if (IsSuperUser(principal)) return true;
  if (refuse_all_) return false;
  auto applies = [&](const AclBinding& b) {
    return b.resource_type == type && (b.principal == principal || b.principal == "User:*") &&
           (b.host == host || b.host == kAclWildcard);
  };
  // The DENY bindings for the operation, and the ALLOW ones that would permit it.
  std::vector<const AclBinding*> denies, allows;
  MutexLock lock(mu_);
  for (const AclBinding& b : bindings_) {
    if (!applies(b)) continue;
    if (b.permission == AclPermission::kDeny) {
      if (b.operation == AclOperation::kAll || b.operation == operation) denies.push_back(&b);
    } else if (Implies(b.operation, operation)) {
      allows.push_back(&b);
    }
  }
  // Whether DENY bindings refuse everything `allow` names: a wildcard, the same literal name, or
  // a prefix of its name (literal or prefix), as Kafka's authorizer decides by resource type.
  auto denied = [&](const AclBinding& allow) {
    for (const AclBinding* d : denies) {
      if (d->pattern_type == PatternType::kLiteral) {
        if (d->resource_name == kAclWildcard) return true;
        if (allow.pattern_type == PatternType::kLiteral &&
            d->resource_name == allow.resource_name) {
          return true;
        }
      } else if (allow.resource_name != kAclWildcard &&
                 allow.resource_name.starts_with(d->resource_name)) {
        return true;
      }
    }
    return false;
  };
  for (const AclBinding* b : allows) {
    if (!denied(*b)) return true;
  }
  return false;
}

std::vector<AclBinding> Authorizer::Describe(const AclFilter& filter) const {
  std::vector<AclBinding> out;
  MutexLock lock(mu_);
  for (const AclBinding& b : bindings_) {
    if (Matches(filter, b)) out.push_back(b);
  }
  return out;
}

std::vector<Status> Authorizer::Create(const std::vector<AclBinding>& bindings) {
  std::vector<Status> results;
  std::vector<AclBinding> valid;
  for (const AclBinding& b : bindings) {
    results.push_back(ValidateBinding(b));
    if (results.back().ok()) valid.push_back(b);
  }
  if (valid.empty()) return results;
  MutexLock write(write_mu_);
  if (Status s = Write(valid, {}); !s.ok()) {
    for (Status& r : results) {
      if (r.ok()) r = s;
    }
  }
  return results;
}

Result<std::vector<std::vector<AclBinding>>> Authorizer::Delete(
    const std::vector<AclFilter>& filters) {
  for (const AclFilter& f : filters) HERALD_RETURN_IF_ERROR(ValidateFilter(f));
  MutexLock write(write_mu_);
  // Chosen under write_mu_, so no change comes between the choice and the write.
  // A binding several filters select is answered under the first, as Kafka does.
  std::vector<std::vector<AclBinding>> removed_by(filters.size());
  std::set<AclBinding> removed;
  for (size_t i = 0; i < filters.size(); ++i) {
    for (AclBinding& b : Describe(filters[i])) {
      if (removed.insert(b).second) removed_by[i].push_back(std::move(b));
    }
  }
  if (!removed.empty()) {
    HERALD_RETURN_IF_ERROR(Write({}, std::vector<AclBinding>(removed.begin(), removed.end())));
  }
  return removed_by;
}

Status Authorizer::Write(const std::vector<AclBinding>& added,
                         const std::vector<AclBinding>& removed) {
  // Batches no larger than the topic takes. The change applies once every batch is durable, all
  // at once (no decision sees half of it); after a failed write, what was written applies.
  const size_t budget = static_cast<size_t>(
      std::max<int64_t>(log_->max_message_bytes() - int64_t{kBatchOverheadBytes}, 1));
  const int64_t now = clock_.NowMs();
  std::vector<std::pair<const AclBinding*, bool>> changes;  // the binding, and whether added
  for (const AclBinding& b : added) changes.emplace_back(&b, true);
  for (const AclBinding& b : removed) changes.emplace_back(&b, false);
  size_t written = 0;  // changes durable so far
  Status status;
  std::vector<storage::RecordSpec> records;
  size_t bytes = 0;
  auto append = [&] {
    Buffer batch = storage::BuildBatch(records);
    auto appended = log_->AppendAndWait(batch, storage::AckLevel::kDurable);
    if (!appended.ok()) {
      status = appended.status().WithContext("writing " + std::string(kAclsTopic));
      return;
    }
    written += records.size();
    records.clear();
    bytes = 0;
  };
  for (const auto& [b, is_added] : changes) {
    storage::RecordSpec r;
    r.timestamp = now;
    r.key = KeyOf(*b);
    if (is_added) r.value = "{}";
    const size_t size = r.key->size() + kRecordOverheadBytes;
    if (!records.empty() && bytes + size > budget) {
      append();
      if (!status.ok()) break;
    }
    bytes += size;
    records.push_back(std::move(r));
  }
  if (status.ok() && !records.empty()) append();
  MutexLock lock(mu_);
  for (size_t i = 0; i < written; ++i) {
    const auto& [b, is_added] = changes[i];
    if (is_added) {
      bindings_.insert(*b);
      longest_name_ = std::max(longest_name_, b->resource_name.size());
    } else {
      bindings_.erase(*b);
    }
  }
  return status;
}

bool Permits(const Authorizer* authorizer, const Requester& who, AclOperation operation,
             ResourceType type, std::string_view name, OnDenial on_denial) {
  if (authorizer == nullptr || who.unrestricted ||
      authorizer->Authorize(who.principal, who.host, operation, type, name)) {
    return true;
  }
  if (on_denial == OnDenial::kAudit) AuditDenial(who, operation, type, name);
  return false;
}

void AuditDenial(const Requester& who, AclOperation operation, ResourceType type,
                 std::string_view name) {
  metrics::AclDenials().Inc();
  Audit(LogLevel::kInfo, "acl_denied",
        {{"principal", who.principal},
         {"host", who.host},
         {"operation", OperationName(operation)},
         {"resource_type", ResourceTypeName(type)},
         {"resource", name},
         {"request", who.request}});
}

}  // namespace herald::broker
