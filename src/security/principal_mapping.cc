#include "security/principal_mapping.h"

#include <cctype>

namespace herald::security {
namespace {

// The text from `pos` up to the next unescaped '/', with "\/" unescaped; `pos` then follows the
// '/', or is npos when there is none.
std::string UntilSlash(std::string_view s, size_t& pos) {
  std::string out;
  while (pos < s.size()) {
    if (s[pos] == '\\' && pos + 1 < s.size() && s[pos + 1] == '/') {
      out += '/';
      pos += 2;
    } else if (s[pos] == '/') {
      ++pos;
      return out;
    } else {
      out += s[pos++];
    }
  }
  pos = std::string_view::npos;
  return out;
}

}  // namespace

Result<PrincipalMapper> PrincipalMapper::Parse(std::string_view rules) {
  constexpr std::string_view kSetting = "ssl.principal.mapping.rules";
  PrincipalMapper mapper;
  size_t pos = 0;
  for (;;) {
    while (pos < rules.size() &&
           (rules[pos] == ',' || std::isspace(static_cast<unsigned char>(rules[pos])))) {
      ++pos;
    }
    if (pos == rules.size()) break;
    const std::string_view rest = rules.substr(pos);
    if (rest.starts_with("DEFAULT")) {
      mapper.rules_.push_back(Rule{.is_default = true});
      pos += 7;
    } else if (rest.starts_with("RULE:")) {
      pos += 5;
      const size_t start = pos;
      std::string pattern = UntilSlash(rules, pos);
      if (pos == std::string_view::npos) {
        return InvalidArgument("{}: '{}' has no '/' after its pattern", kSetting,
                               rules.substr(start - 5));
      }
      std::string replacement = UntilSlash(rules, pos);
      if (pos == std::string_view::npos) {
        return InvalidArgument("{}: '{}' has no '/' after its replacement", kSetting,
                               rules.substr(start - 5));
      }
      Rule rule;
      if (pos < rules.size() && (rules[pos] == 'L' || rules[pos] == 'U')) {
        rule.letter_case = rules[pos++];
      }
      try {
        rule.pattern = std::make_shared<const std::regex>(pattern);
      } catch (const std::regex_error& e) {
        return InvalidArgument("{}: pattern '{}' is not a regular expression: {}", kSetting,
                               pattern, e.what());
      }
      rule.replacement = std::move(replacement);
      mapper.rules_.push_back(std::move(rule));
    } else {
      return InvalidArgument("{}: '{}' is neither RULE:PATTERN/REPLACEMENT/[LU] nor DEFAULT",
                             kSetting, rest);
    }
    while (pos < rules.size() && std::isspace(static_cast<unsigned char>(rules[pos]))) ++pos;
    if (pos < rules.size() && rules[pos] != ',') {
      return InvalidArgument("{}: unexpected '{}' after a rule", kSetting, rules.substr(pos));
    }
  }
  return mapper;
}

std::optional<std::string> PrincipalMapper::Map(const std::string& subject) const {
  if (rules_.empty()) return subject;
  for (const Rule& rule : rules_) {
    if (rule.is_default) return subject;
    std::smatch match;
    if (!std::regex_match(subject, match, *rule.pattern)) continue;
    std::string name = match.format(rule.replacement);
    for (char& c : name) {
      if (rule.letter_case == 'L')
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (rule.letter_case == 'U')
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    if (!name.empty()) return name;
  }
  return std::nullopt;
}

}  // namespace herald::security
