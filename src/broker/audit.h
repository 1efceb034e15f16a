// The audit log: the events a security review reads, on every door.
//   auth_failed   an authentication that failed (warn): the listener, the peer, what the client
//                 tried, and why; counted in auth_failures_total{listener}.
//   acl_denied    an operation the ACLs refused (info, as Kafka's authorizer logger): see
//                 broker::AuditDenial (authorizer.h); counted in acl_denials_total.
// Both share one budget of kMaxAuditLinesPerSecond lines a second, so that a flood of refusals
// cannot flood the log: past it an event is counted but not logged, and the next line logged says
// how many were left out before it (left_out_before).
//
// Thread-safety: every function may be called from any thread.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "base/log.h"

namespace herald::broker {

inline constexpr int kMaxAuditLinesPerSecond = 100;

// Logs `event` with `context` unless this second's budget is spent.
void Audit(LogLevel level, std::string_view event, nlohmann::json context,
           std::string_view message = {});

// An authentication that failed on `listener` ("kafka" or "http") from `peer`: `tried` names what
// the client tried (a SASL mechanism, an HTTP scheme, ...), `why` says what was wrong.
void AuditAuthFailure(std::string_view listener, std::string_view peer, nlohmann::json tried,
                      std::string_view why);

}  // namespace herald::broker
