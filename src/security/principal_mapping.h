// Kafka's ssl.principal.mapping.rules: how the subject of a client's certificate becomes the
// name in its principal (User:NAME). A list of rules, tried in order, the first that matches
// wins:
//
//   RULE:PATTERN/REPLACEMENT/[L|U]   the whole subject matches PATTERN (a regular expression);
//                                    the name is REPLACEMENT with $1, $2... the groups, in lower
//                                    (L) or upper (U) case when asked
//   DEFAULT                          the subject as it is
//
// e.g. "RULE:^CN=([^,]+),OU=ops(,.*)?$/$1/L,DEFAULT". The subject is written as RFC 2253 writes
// distinguished names ("CN=alice,OU=ops,O=Example"). A '/' inside PATTERN or REPLACEMENT is
// written "\/". With no rule at all the subject is the name; when no rule matches (or one gives
// an empty name), there is none, and as with Kafka the client is not served.
//
// Thread-safety: const methods may be called from any thread.
#pragma once

#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace herald::security {

class PrincipalMapper {
 public:
  // The rules; kInvalidArgument naming the rule that does not parse.
  static Result<PrincipalMapper> Parse(std::string_view rules);

  // The principal's name for certificate subject `subject`; nullopt when no rule gives one.
  std::optional<std::string> Map(const std::string& subject) const;

 private:
  struct Rule {
    bool is_default = false;
    std::shared_ptr<const std::regex> pattern;  // shared: std::regex copies are not cheap
    std::string replacement;
    char letter_case = 0;  // 'L', 'U' or 0
  };
  std::vector<Rule> rules_;
};

}  // namespace herald::security
