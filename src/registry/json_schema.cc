// JSON Schema parsing and validation (json_schema.h). ReadIncompatibilities lives in
// json_schema_compat.cc.
//
// Parse compiles every schema object of the documents (the root and its references) into a Node,
// once: keyword values are checked, patterns compiled and every `$ref` resolved to the index of
// the Node it names, so Validate walks Nodes and never looks at keyword names. Compilation runs
// over work lists (no recursion), in two passes: the first visits the subschemas of every
// document and records the base URI of each, the `$id`s and the anchors; the second compiles
// each subschema, resolving references against what the first recorded (a reference may name a
// `$id` that appears later in the text). A JSON pointer may reach a schema in a place no keyword
// makes one (under an unknown keyword); it is compiled when a reference first reaches it.
//
// Validate evaluates depth-first, stopping at the first failure. Annotations (which properties
// and items a schema evaluated) are only collected below a schema that has `unevaluated*`, and
// the instance's JSON pointer is only built for a failure that is reported.
#include "registry/json_schema.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "base/json.h"
#include "base/utf8.h"
#include "registry/pattern.h"

namespace herald::registry::json_schema {
namespace {

using Json = nlohmann::json;

// At most this many schema objects (and booleans) are compiled, all documents together.
constexpr size_t kMaxNodes = 100000;
// Validation nests at most this many schemas deep (a `$ref` that recurses without consuming the
// instance stops here), and evaluates at most this many schemas and item comparisons in all.
constexpr int kMaxEvaluationDepth = 512;
constexpr uint64_t kMaxEvaluationSteps = uint64_t{1} << 24;
// A `$id`, `$ref` or base URI is at most this long, and the distinct base URIs at most
// kMaxBaseBytes in all (every subschema shares its base's text).
constexpr size_t kMaxUriLength = 4096;
constexpr size_t kMaxBaseBytes = size_t{16} << 20;
// The size of all compiled patterns together.
constexpr size_t kMaxPatternBytes = size_t{64} << 20;
// Equality of two JSON values stops comparing below this depth (instances are bounded by their
// parser; this only keeps a hand-built deep value from overflowing the stack).
constexpr int kMaxEqualityDepth = 256;

// ---- Helpers ---------------------------------------------------------------------------------

// Compact JSON that never throws (ill-formed UTF-8 is replaced).
std::string Dump(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// A JSON value as a message shows it.
std::string Show(const Json& value) {
  return Abbreviate(Dump(value));
}
std::string Quote(std::string_view text) {
  return Abbreviate(Dump(Json(std::string(text))));
}

std::optional<std::string> UnescapePointer(std::string_view token) {
  std::string out;
  out.reserve(token.size());
  for (size_t i = 0; i < token.size(); ++i) {
    if (token[i] != '~') {
      out += token[i];
      continue;
    }
    if (i + 1 == token.size()) return std::nullopt;
    const char next = token[++i];
    if (next == '0') {
      out += '~';
    } else if (next == '1') {
      out += '/';
    } else {
      return std::nullopt;
    }
  }
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> PercentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    const int high = HexValue(text[i + 1]), low = HexValue(text[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

// The number of Unicode code points in UTF-8 `text` (bytes that do not continue a sequence).
uint64_t CodePoints(std::string_view text) {
  uint64_t count = 0;
  for (char c : text) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return count;
}

// ---- URIs (RFC 3986) -------------------------------------------------------------------------

struct UriParts {
  std::optional<std::string_view> scheme;
  std::optional<std::string_view> authority;
  std::string_view path;
  std::optional<std::string_view> query;
  std::optional<std::string_view> fragment;
};

bool IsSchemeChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '-' || c == '.';
}

UriParts SplitUri(std::string_view uri) {
  UriParts parts;
  if (const size_t hash = uri.find('#'); hash != std::string_view::npos) {
    parts.fragment = uri.substr(hash + 1);
    uri = uri.substr(0, hash);
  }
  if (const size_t question = uri.find('?'); question != std::string_view::npos) {
    parts.query = uri.substr(question + 1);
    uri = uri.substr(0, question);
  }
  const size_t colon = uri.find(':');
  if (colon != std::string_view::npos && colon > 0 &&
      ((uri[0] >= 'a' && uri[0] <= 'z') || (uri[0] >= 'A' && uri[0] <= 'Z')) &&
      std::all_of(uri.begin(), uri.begin() + colon, IsSchemeChar)) {
    parts.scheme = uri.substr(0, colon);
    uri.remove_prefix(colon + 1);
  }
  if (uri.starts_with("//")) {
    uri.remove_prefix(2);
    const size_t slash = uri.find('/');
    parts.authority = uri.substr(0, slash);
    uri = slash == std::string_view::npos ? std::string_view() : uri.substr(slash);
  }
  parts.path = uri;
  return parts;
}

// RFC 3986 section 5.2.4.
std::string RemoveDotSegments(std::string_view in) {
  std::string out;
  auto pop_segment = [&out] {
    const size_t slash = out.rfind('/');
    out.erase(slash == std::string::npos ? 0 : slash);
  };
  while (!in.empty()) {
    if (in.starts_with("../")) {
      in.remove_prefix(3);
    } else if (in.starts_with("./")) {
      in.remove_prefix(2);
    } else if (in.starts_with("/./")) {
      in.remove_prefix(2);
    } else if (in == "/.") {
      in = "/";
    } else if (in.starts_with("/../")) {
      in.remove_prefix(3);
      pop_segment();
    } else if (in == "/..") {
      in = "/";
      pop_segment();
    } else if (in == "." || in == "..") {
      in = {};
    } else {
      const size_t end = in.find('/', in[0] == '/' ? 1 : 0);
      const std::string_view segment = in.substr(0, end);
      out += segment;
      in.remove_prefix(segment.size());
    }
  }
  return out;
}

// `reference` resolved against `base` (RFC 3986 section 5.2.2). A relative base (a reference's
// name such as "schemas/customer.json") resolves relative references as a path would.
std::string ResolveUri(std::string_view base, std::string_view reference) {
  const UriParts r = SplitUri(reference);
  std::optional<std::string_view> scheme, authority, query;
  std::string path;
  if (r.scheme) {
    scheme = r.scheme;
    authority = r.authority;
    path = RemoveDotSegments(r.path);
    query = r.query;
  } else {
    const UriParts b = SplitUri(base);
    scheme = b.scheme;
    if (r.authority) {
      authority = r.authority;
      path = RemoveDotSegments(r.path);
      query = r.query;
    } else {
      authority = b.authority;
      if (r.path.empty()) {
        path = std::string(b.path);
        query = r.query ? r.query : b.query;
      } else {
        if (r.path.starts_with('/')) {
          path = RemoveDotSegments(r.path);
        } else {
          std::string merged;
          if (b.authority && b.path.empty()) {
            merged = "/";
          } else if (const size_t slash = b.path.rfind('/'); slash != std::string_view::npos) {
            merged = std::string(b.path.substr(0, slash + 1));
          }
          merged += r.path;
          path = RemoveDotSegments(merged);
          if (!merged.starts_with('/') && path.starts_with('/')) path.erase(0, 1);
        }
        query = r.query;
      }
    }
  }
  std::string out;
  if (scheme) {
    out += *scheme;
    out += ':';
  }
  if (authority) {
    out += "//";
    out += *authority;
  }
  out += path;
  if (query) {
    out += '?';
    out += *query;
  }
  if (r.fragment) {
    out += '#';
    out += *r.fragment;
  }
  return out;
}

// A URI split at its '#': the document part and the fragment ("" when there is none).
std::pair<std::string, std::string> SplitFragment(std::string_view uri) {
  const size_t hash = uri.find('#');
  if (hash == std::string_view::npos) return {std::string(uri), std::string()};
  return {std::string(uri.substr(0, hash)), std::string(uri.substr(hash + 1))};
}

// ---- Numbers and equality --------------------------------------------------------------------

// The sign of `i` - `d`, exactly.
int CompareSignedWithDouble(int64_t i, double d) {
  if (d >= 9223372036854775808.0) return -1;
  if (d < -9223372036854775808.0) return 1;
  const double t = std::trunc(d);
  const auto ti = static_cast<int64_t>(t);
  if (i != ti) return i < ti ? -1 : 1;
  return d > t ? -1 : (d < t ? 1 : 0);
}
int CompareUnsignedWithDouble(uint64_t u, double d) {
  if (d >= 18446744073709551616.0) return -1;
  if (d < 0) return 1;
  const double t = std::trunc(d);
  const auto tu = static_cast<uint64_t>(t);
  if (u != tu) return u < tu ? -1 : 1;
  return d > t ? -1 : 0;
}

// The sign of `a` - `b` for two JSON numbers, exact for every pair of representations.
int CompareNumbers(const Json& a, const Json& b) {
  if (a.is_number_float()) {
    const double x = a.get<double>();
    if (b.is_number_float()) {
      const double y = b.get<double>();
      return x < y ? -1 : (x > y ? 1 : 0);
    }
    return -CompareNumbers(b, a);
  }
  if (b.is_number_float()) {
    const double y = b.get<double>();
    return a.is_number_unsigned() ? CompareUnsignedWithDouble(a.get<uint64_t>(), y)
                                  : CompareSignedWithDouble(a.get<int64_t>(), y);
  }
  if (a.is_number_unsigned() && b.is_number_unsigned()) {
    const uint64_t x = a.get<uint64_t>(), y = b.get<uint64_t>();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (a.is_number_unsigned()) return -CompareNumbers(b, a);
  const int64_t x = a.get<int64_t>();
  if (b.is_number_unsigned()) {
    return x < 0 ? -1
                 : (static_cast<uint64_t>(x) < b.get<uint64_t>()
                        ? -1
                        : (static_cast<uint64_t>(x) == b.get<uint64_t>() ? 0 : 1));
  }
  const int64_t y = b.get<int64_t>();
  return x < y ? -1 : (x > y ? 1 : 0);
}

bool IsInteger(const Json& value) {
  if (value.is_number_integer()) return true;  // integer or unsigned
  if (!value.is_number_float()) return false;
  const double d = value.get<double>();
  return std::isfinite(d) && std::trunc(d) == d;
}

// |value| of an integer JSON number.
uint64_t Magnitude(const Json& value) {
  if (value.is_number_unsigned()) return value.get<uint64_t>();
  const int64_t i = value.get<int64_t>();
  return i < 0 ? uint64_t{0} - static_cast<uint64_t>(i) : static_cast<uint64_t>(i);
}

// Whether `value` is an integer multiple of `divisor` (> 0): exactly for integers, within a
// relative tolerance of the quotient for other numbers (0.3 is a multiple of 0.1).
bool IsMultipleOf(const Json& value, const Json& divisor) {
  if (value.is_number_integer() && divisor.is_number_integer()) {
    return Magnitude(value) % Magnitude(divisor) == 0;
  }
  const double quotient = value.get<double>() / divisor.get<double>();
  if (!std::isfinite(quotient)) return false;
  return std::fabs(quotient - std::round(quotient)) < 1e-9;
}

// JSON equality where numbers compare by value (1 == 1.0), as JSON Schema defines it.
bool Equal(const Json& a, const Json& b, int depth = 0) {
  if (a.is_number() && b.is_number()) return CompareNumbers(a, b) == 0;
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case Json::value_t::null:
      return true;
    case Json::value_t::boolean:
      return a.get<bool>() == b.get<bool>();
    case Json::value_t::string:
      return a.get_ref<const std::string&>() == b.get_ref<const std::string&>();
    case Json::value_t::array: {
      if (a.size() != b.size() || depth >= kMaxEqualityDepth) return false;
      for (size_t i = 0; i < a.size(); ++i) {
        if (!Equal(a[i], b[i], depth + 1)) return false;
      }
      return true;
    }
    case Json::value_t::object: {
      if (a.size() != b.size() || depth >= kMaxEqualityDepth) return false;
      for (auto i = a.begin(), j = b.begin(); i != a.end(); ++i, ++j) {
        if (i.key() != j.key() || !Equal(*i, *j, depth + 1)) return false;
      }
      return true;
    }
    default:
      return a == b;
  }
}

size_t Combine(size_t seed, size_t value) {
  return seed ^ (value + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2));
}

// A hash consistent with Equal (numbers equal by value hash alike).
size_t Hash(const Json& value, int depth = 0) {
  switch (value.type()) {
    case Json::value_t::number_integer:
      return std::hash<uint64_t>{}(static_cast<uint64_t>(value.get<int64_t>()));
    case Json::value_t::number_unsigned:
      return std::hash<uint64_t>{}(value.get<uint64_t>());
    case Json::value_t::number_float: {
      const double d = value.get<double>();
      if (std::trunc(d) == d && d >= -9223372036854775808.0 && d < 9223372036854775808.0) {
        return std::hash<uint64_t>{}(static_cast<uint64_t>(static_cast<int64_t>(d)));
      }
      if (std::trunc(d) == d && d >= 0 && d < 18446744073709551616.0) {
        return std::hash<uint64_t>{}(static_cast<uint64_t>(d));
      }
      return std::hash<double>{}(d);
    }
    case Json::value_t::string:
      return std::hash<std::string>{}(value.get_ref<const std::string&>());
    case Json::value_t::boolean:
      return value.get<bool>() ? 0x51 : 0x50;
    case Json::value_t::array: {
      size_t seed = Combine(0xa7, value.size());
      if (depth >= kMaxEqualityDepth) return seed;
      for (const Json& item : value) seed = Combine(seed, Hash(item, depth + 1));
      return seed;
    }
    case Json::value_t::object: {
      size_t seed = Combine(0x0b, value.size());
      if (depth >= kMaxEqualityDepth) return seed;
      for (auto it = value.begin(); it != value.end(); ++it) {
        seed = Combine(Combine(seed, std::hash<std::string>{}(it.key())), Hash(*it, depth + 1));
      }
      return seed;
    }
    default:
      return 0x4e;
  }
}

// A non-negative integer keyword value (2.0 counts; a value past uint64_t is its maximum).
std::optional<uint64_t> NonNegativeInteger(const Json& value) {
  if (value.is_number_unsigned()) return value.get<uint64_t>();
  if (value.is_number_integer()) {
    const int64_t i = value.get<int64_t>();
    if (i < 0) return std::nullopt;
    return static_cast<uint64_t>(i);
  }
  if (value.is_number_float()) {
    const double d = value.get<double>();
    if (!(d >= 0) || !std::isfinite(d) || std::trunc(d) != d) return std::nullopt;
    if (d >= 18446744073709551616.0) return std::numeric_limits<uint64_t>::max();
    return static_cast<uint64_t>(d);
  }
  return std::nullopt;
}

// ---- Compiled schemas ------------------------------------------------------------------------

enum class NodeKind : uint8_t { kTrue, kFalse, kObject };

// Bits of Node::types.
enum TypeBit : uint8_t {
  kNullBit = 1,
  kBooleanBit = 2,
  kObjectBit = 4,
  kArrayBit = 8,
  kNumberBit = 16,
  kStringBit = 32,
  kIntegerBit = 64,
};

std::optional<uint8_t> TypeBitNamed(std::string_view name) {
  static constexpr std::pair<std::string_view, uint8_t> kTypes[] = {
      {"null", kNullBit},       {"boolean", kBooleanBit}, {"object", kObjectBit},
      {"array", kArrayBit},     {"number", kNumberBit},   {"string", kStringBit},
      {"integer", kIntegerBit},
  };
  for (const auto& [type_name, bit] : kTypes) {
    if (type_name == name) return bit;
  }
  return std::nullopt;
}

bool HasType(uint8_t types, const Json& value) {
  switch (value.type()) {
    case Json::value_t::null:
      return types & kNullBit;
    case Json::value_t::boolean:
      return types & kBooleanBit;
    case Json::value_t::object:
      return types & kObjectBit;
    case Json::value_t::array:
      return types & kArrayBit;
    case Json::value_t::string:
      return types & kStringBit;
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float:
      return (types & kNumberBit) || ((types & kIntegerBit) && IsInteger(value));
    default:
      return false;
  }
}

// Number bounds point at the keyword values in the document (compared exactly).
struct NumberKeywords {
  const Json* minimum = nullptr;
  const Json* maximum = nullptr;
  const Json* exclusive_minimum = nullptr;
  const Json* exclusive_maximum = nullptr;
  const Json* multiple_of = nullptr;
};

struct StringKeywords {
  std::optional<uint64_t> min_length, max_length;
  const Pattern* pattern = nullptr;
};

struct ArrayKeywords {
  std::optional<uint64_t> min_items, max_items;
  bool unique = false;
  // The schemas of the first items (`items` as an array before 2020-12, `prefixItems`), and of
  // the items after them (`items`, `additionalItems`), -1 for none.
  std::vector<int> prefix;
  const char* prefix_keyword = "items";
  int rest = -1;
  const char* rest_keyword = "items";
  int contains = -1;
  bool has_min_contains = false;
  uint64_t min_contains = 1;
  std::optional<uint64_t> max_contains;
  bool contains_evaluates = false;  // 2020-12: items that match `contains` count as evaluated
};

struct RequiredDependency {
  std::string property;
  std::vector<std::string> required;
  const char* keyword;
};

struct ObjectKeywords {
  std::optional<uint64_t> min_properties, max_properties;
  std::vector<std::string> required;
  std::vector<std::pair<std::string, int>> properties;  // sorted by name
  std::vector<std::pair<const Pattern*, int>> pattern_properties;
  int additional = -1;
  int property_names = -1;
  std::vector<RequiredDependency> dependent_required;
  std::vector<std::pair<std::string, int>> dependent_schemas;

  int Property(const std::string& name) const {
    auto it = std::lower_bound(
        properties.begin(), properties.end(), name,
        [](const auto& entry, const std::string& key) { return entry.first < key; });
    return it != properties.end() && it->first == name ? it->second : -1;
  }
};

struct Applicators {
  std::vector<int> all_of, any_of, one_of;
  int not_schema = -1;
  int if_schema = -1, then_schema = -1, else_schema = -1;
};

struct Node {
  NodeKind kind = NodeKind::kTrue;
  bool has_types = false;
  uint8_t types = 0;
  const Json* type_value = nullptr;
  const Json* enum_values = nullptr;
  const Json* const_value = nullptr;
  int ref = -1;          // `$ref`
  int dynamic_ref = -1;  // `$dynamicRef` or `$recursiveRef`, resolved statically
  const char* dynamic_ref_keyword = "$dynamicRef";
  std::unique_ptr<NumberKeywords> number;
  std::unique_ptr<StringKeywords> string;
  std::unique_ptr<ArrayKeywords> array;
  std::unique_ptr<ObjectKeywords> object;
  std::unique_ptr<Applicators> applicators;
  int unevaluated_items = -1;
  int unevaluated_properties = -1;
};

}  // namespace

struct Schema::Impl {
  Draft draft = Draft::kDraft7;
  std::string text;
  // The documents: [0] is the root schema, then the references. Their nodes do not move.
  std::vector<std::unique_ptr<const Json>> documents;
  // The compiled schemas; [0] is the root document's.
  std::vector<Node> nodes;
  std::vector<std::unique_ptr<const Pattern>> patterns;
  // The target of every `$ref` (or `$dynamicRef`, `$recursiveRef`) compiled, by its object.
  std::unordered_map<const Json*, const Json*> targets;
};

namespace {

// ---- Parse -----------------------------------------------------------------------------------

bool IsSchemaValue(const Json& value) {
  return value.is_object() || value.is_boolean();
}

std::optional<Draft> DraftNamed(std::string_view uri) {
  if (uri.ends_with('#')) uri.remove_suffix(1);
  if (uri.starts_with("https://")) {
    uri.remove_prefix(8);
  } else if (uri.starts_with("http://")) {
    uri.remove_prefix(7);
  } else {
    return std::nullopt;
  }
  if (uri == "json-schema.org/draft-04/schema") return Draft::kDraft4;
  if (uri == "json-schema.org/draft-06/schema") return Draft::kDraft6;
  if (uri == "json-schema.org/draft-07/schema") return Draft::kDraft7;
  if (uri == "json-schema.org/draft/2019-09/schema") return Draft::kDraft2019_09;
  if (uri == "json-schema.org/draft/2020-12/schema") return Draft::kDraft2020_12;
  return std::nullopt;
}

struct ParsedDocument {
  Json json;
  Draft draft = Draft::kDraft7;
};

Result<ParsedDocument> ParseDocument(std::string_view text) {
  if (JsonDepth(text) > kMaxJsonDepth) {
    return InvalidArgument("the schema nests deeper than {}", kMaxJsonDepth);
  }
  std::optional<Json> json = ParseBoundedJson(text);
  if (!json) return InvalidArgument("the schema is not valid JSON");
  ParsedDocument out{std::move(*json), Draft::kDraft7};
  if (!IsSchemaValue(out.json))
    return InvalidArgument("/: a schema must be an object or a boolean");
  if (out.json.is_object()) {
    auto it = out.json.find("$schema");
    if (it != out.json.end()) {
      if (!it->is_string()) return InvalidArgument("/$schema: must be a string");
      std::optional<Draft> draft = DraftNamed(it->get_ref<const std::string&>());
      if (!draft) {
        return InvalidArgument(
            "/$schema: {} is not a supported draft (draft-04, draft-06, draft-07, 2019-09, "
            "2020-12)",
            Show(*it));
      }
      out.draft = *draft;
    }
  }
  return out;
}

// Where a keyword holds subschemas, and in which drafts.
enum class Shape : uint8_t { kSchema, kSchemaArray, kSchemaMap, kItems, kDependencies };
struct Position {
  std::string_view keyword;
  Shape shape;
  Draft since;
  Draft until;
};
constexpr Position kPositions[] = {
    {"properties", Shape::kSchemaMap, Draft::kDraft4, Draft::kDraft2020_12},
    {"patternProperties", Shape::kSchemaMap, Draft::kDraft4, Draft::kDraft2020_12},
    {"additionalProperties", Shape::kSchema, Draft::kDraft4, Draft::kDraft2020_12},
    {"items", Shape::kItems, Draft::kDraft4, Draft::kDraft2019_09},
    {"items", Shape::kSchema, Draft::kDraft2020_12, Draft::kDraft2020_12},
    {"additionalItems", Shape::kSchema, Draft::kDraft4, Draft::kDraft2019_09},
    {"prefixItems", Shape::kSchemaArray, Draft::kDraft2020_12, Draft::kDraft2020_12},
    {"contains", Shape::kSchema, Draft::kDraft6, Draft::kDraft2020_12},
    {"propertyNames", Shape::kSchema, Draft::kDraft6, Draft::kDraft2020_12},
    {"allOf", Shape::kSchemaArray, Draft::kDraft4, Draft::kDraft2020_12},
    {"anyOf", Shape::kSchemaArray, Draft::kDraft4, Draft::kDraft2020_12},
    {"oneOf", Shape::kSchemaArray, Draft::kDraft4, Draft::kDraft2020_12},
    {"not", Shape::kSchema, Draft::kDraft4, Draft::kDraft2020_12},
    {"if", Shape::kSchema, Draft::kDraft7, Draft::kDraft2020_12},
    {"then", Shape::kSchema, Draft::kDraft7, Draft::kDraft2020_12},
    {"else", Shape::kSchema, Draft::kDraft7, Draft::kDraft2020_12},
    {"dependencies", Shape::kDependencies, Draft::kDraft4, Draft::kDraft2020_12},
    {"dependentSchemas", Shape::kSchemaMap, Draft::kDraft2019_09, Draft::kDraft2020_12},
    {"unevaluatedItems", Shape::kSchema, Draft::kDraft2019_09, Draft::kDraft2020_12},
    {"unevaluatedProperties", Shape::kSchema, Draft::kDraft2019_09, Draft::kDraft2020_12},
    // Both names of the definitions, in every draft: schemas commonly keep their definitions
    // under the other draft's name, and `$ref`s point there.
    {"definitions", Shape::kSchemaMap, Draft::kDraft4, Draft::kDraft2020_12},
    {"$defs", Shape::kSchemaMap, Draft::kDraft4, Draft::kDraft2020_12},
};

bool IsValidAnchor(std::string_view name) {
  auto letter = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); };
  if (name.empty() || !(letter(name[0]) || name[0] == '_')) return false;
  return std::all_of(name.begin() + 1, name.end(), [&](char c) {
    return letter(c) || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
  });
}

// Compiles the documents into Impl::nodes (see the comment at the top of the file).
class Compiler {
 public:
  struct Document {
    const Json* root;
    Draft draft;
    std::string name;  // "" for the root schema
  };

  Compiler(Schema::Impl& impl, std::vector<Document> documents)
      : impl_(impl), documents_(std::move(documents)) {}

  Status Run();

 private:
  // A schema value found in a document: its place (the parent entry and the JSON pointer suffix
  // from it) and its base URI (an index into bases_, after the entry's own `$id`).
  struct Entry {
    const Json* node;
    int document;
    int parent;
    std::string suffix;
    int base;
  };
  // A schema resource: a document's root or a subschema with a `$id`.
  struct Resource {
    int entry;
    int base;
  };

  Draft DraftOf(int entry) const { return documents_[entries_[entry].document].draft; }
  std::string Where(int entry, std::string_view suffix = {}) const;
  Status Error(int entry, std::string_view suffix, std::string_view why) const {
    return InvalidArgument("{}: {}", Where(entry, suffix), why);
  }

  Result<int> Intern(std::string_view uri);
  Result<int> Ensure(const Json* node, int document, int parent, std::string suffix, int base);
  Status Expand(int entry);
  Result<Node> Compile(int entry);
  Result<int> Subschema(int entry, std::string suffix, const Json& value);
  Result<int> ResolveReference(int entry, std::string_view suffix, const std::string& reference);
  const Resource* FindResource(std::string_view uri) const;
  Result<const Pattern*> CompilePattern(int entry, std::string_view suffix,
                                        const std::string& source);

  Status CompileNumber(int entry, const Json& schema, Node& node);
  Status CompileString(int entry, const Json& schema, Node& node);
  Status CompileArray(int entry, const Json& schema, Node& node);
  Status CompileObject(int entry, const Json& schema, Node& node);
  Status CompileApplicators(int entry, const Json& schema, Node& node);

  Schema::Impl& impl_;
  std::vector<Document> documents_;
  std::vector<Entry> entries_;
  std::unordered_map<const Json*, int> index_;
  std::vector<std::string> bases_;
  std::unordered_map<std::string, int> base_ids_;
  size_t base_bytes_ = 0;
  std::unordered_map<int, Resource> resources_;         // by base URI
  std::map<std::pair<int, std::string>, int> anchors_;  // (base URI, name) -> entry
  std::unordered_map<std::string, const Pattern*> patterns_;
  size_t pattern_bytes_ = 0;
};

std::string Compiler::Where(int entry, std::string_view suffix) const {
  std::vector<int> chain;
  for (int i = entry; i >= 0; i = entries_[i].parent) chain.push_back(i);
  std::string path;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) path += entries_[*it].suffix;
  path += suffix;
  const Document& document = documents_[entries_[entry].document];
  if (&document == &documents_[0]) return path.empty() ? "/" : path;
  return fmt::format("{}#{}", document.name, path);
}

Result<int> Compiler::Intern(std::string_view uri) {
  std::string key(uri);
  if (auto it = base_ids_.find(key); it != base_ids_.end()) return it->second;
  base_bytes_ += key.size();
  if (base_bytes_ > kMaxBaseBytes) {
    return InvalidArgument("the schema's base URIs are longer than {} bytes in all", kMaxBaseBytes);
  }
  const int id = static_cast<int>(bases_.size());
  bases_.push_back(key);
  base_ids_.emplace(std::move(key), id);
  return id;
}

// The entry of `node` (found at `suffix` below `parent`, with the base URI `base` in effect),
// added when it is new, with the resource and anchors it defines.
Result<int> Compiler::Ensure(const Json* node, int document, int parent, std::string suffix,
                             int base) {
  if (auto it = index_.find(node); it != index_.end()) return it->second;
  if (entries_.size() >= kMaxNodes) {
    return InvalidArgument("the schema has more than {} subschemas", kMaxNodes);
  }
  const int id = static_cast<int>(entries_.size());
  entries_.push_back(Entry{node, document, parent, std::move(suffix), base});
  index_.emplace(node, id);
  if (!node->is_object()) return id;

  const Draft draft = documents_[document].draft;
  const char* id_keyword = draft == Draft::kDraft4 ? "id" : "$id";
  auto id_value = node->find(id_keyword);
  // Before 2019-09, `$ref` makes its siblings ignored, `$id` included.
  const bool ref_only = draft <= Draft::kDraft7 && node->contains("$ref");
  if (id_value != node->end() && id_value->is_string() && !ref_only) {
    const std::string& text = id_value->get_ref<const std::string&>();
    if (text.size() > kMaxUriLength) {
      return Error(id, fmt::format("/{}", id_keyword),
                   fmt::format("is longer than {} characters", kMaxUriLength));
    }
    const std::string resolved = ResolveUri(bases_[base], text);
    if (resolved.size() > kMaxUriLength) {
      return Error(id, fmt::format("/{}", id_keyword),
                   fmt::format("resolves to a URI longer than {} characters", kMaxUriLength));
    }
    auto [document_part, fragment] = SplitFragment(resolved);
    if (!text.starts_with('#')) {
      HERALD_ASSIGN_OR_RETURN(base, Intern(document_part));
      entries_[id].base = base;
      resources_.try_emplace(base, Resource{id, base});
    }
    // Drafts 6 and 7 name a plain-name fragment with `$id` ("#foo"), draft 4 with `id`.
    if (!fragment.empty() && fragment[0] != '/') anchors_.try_emplace({base, fragment}, id);
  }
  if (draft >= Draft::kDraft2019_09) {
    for (const char* keyword : {"$anchor", "$dynamicAnchor"}) {
      auto anchor = node->find(keyword);
      if (anchor != node->end() && anchor->is_string()) {
        anchors_.try_emplace({base, anchor->get<std::string>()}, id);
      }
    }
  }
  return id;
}

// Adds the entries of the subschemas of `entry`.
Status Compiler::Expand(int entry) {
  const Json& schema = *entries_[entry].node;
  if (!schema.is_object()) return Status::Ok();
  const int document = entries_[entry].document;
  const int base = entries_[entry].base;
  const Draft draft = DraftOf(entry);
  const bool ref_only = draft <= Draft::kDraft7 && schema.contains("$ref");
  for (const Position& position : kPositions) {
    if (draft < position.since || draft > position.until) continue;
    if (ref_only && position.keyword != "definitions" && position.keyword != "$defs") continue;
    auto it = schema.find(position.keyword);
    if (it == schema.end()) continue;
    const std::string prefix = fmt::format("/{}", position.keyword);
    auto add = [&](const Json& child, std::string suffix) -> Status {
      if (!IsSchemaValue(child)) return Status::Ok();  // Compile reports it
      return Ensure(&child, document, entry, std::move(suffix), base).status();
    };
    const bool as_array = position.shape == Shape::kSchemaArray ||
                          (position.shape == Shape::kItems && it->is_array());
    const bool as_map =
        position.shape == Shape::kSchemaMap || position.shape == Shape::kDependencies;
    if (as_array) {
      if (!it->is_array()) continue;
      for (size_t i = 0; i < it->size(); ++i) {
        HERALD_RETURN_IF_ERROR(add((*it)[i], fmt::format("{}/{}", prefix, i)));
      }
    } else if (as_map) {
      if (!it->is_object()) continue;
      for (auto child = it->begin(); child != it->end(); ++child) {
        HERALD_RETURN_IF_ERROR(add(*child, prefix + "/" + JsonPointerToken(child.key())));
      }
    } else {
      HERALD_RETURN_IF_ERROR(add(*it, prefix));
    }
  }
  return Status::Ok();
}

const Compiler::Resource* Compiler::FindResource(std::string_view uri) const {
  auto base = base_ids_.find(std::string(uri));
  if (base == base_ids_.end()) return nullptr;
  auto it = resources_.find(base->second);
  return it == resources_.end() ? nullptr : &it->second;
}

// The entry that `reference` (the value of the keyword at `suffix` of `entry`) names.
Result<int> Compiler::ResolveReference(int entry, std::string_view suffix,
                                       const std::string& reference) {
  auto nothing = [&] {
    return Error(entry, suffix, fmt::format("{} resolves to no schema", Quote(reference)));
  };
  if (reference.size() > kMaxUriLength) {
    return Error(entry, suffix, fmt::format("is longer than {} characters", kMaxUriLength));
  }
  const std::string resolved = ResolveUri(bases_[entries_[entry].base], reference);
  auto [document_part, fragment] = SplitFragment(resolved);
  const Resource* resource = FindResource(document_part);
  if (resource == nullptr) {
    // A reference's name as written ("customer.json"), whatever the base.
    resource = FindResource(std::string_view(reference).substr(0, reference.find('#')));
  }
  if (resource == nullptr) return nothing();
  if (fragment.empty()) return resource->entry;
  if (fragment[0] != '/') {
    auto anchor = anchors_.find({resource->base, fragment});
    if (anchor == anchors_.end()) return nothing();
    return anchor->second;
  }
  std::optional<std::string> pointer = PercentDecode(fragment);
  if (!pointer) return nothing();
  // Walk the JSON pointer from the resource; a schema in a place no keyword makes one gets its
  // entry below the last entry the walk passed.
  const int document = entries_[resource->entry].document;
  const Json* at = entries_[resource->entry].node;
  int last = resource->entry;
  std::string tail;
  std::string_view rest(*pointer);
  while (!rest.empty()) {
    rest.remove_prefix(1);  // '/'
    const size_t slash = rest.find('/');
    std::optional<std::string> token = UnescapePointer(rest.substr(0, slash));
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
    if (!token) return nothing();
    if (at->is_object()) {
      auto it = at->find(*token);
      if (it == at->end()) return nothing();
      at = &*it;
    } else if (at->is_array()) {
      const std::string& t = *token;
      if (t.empty() || t.size() > 9 ||
          !std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
          (t.size() > 1 && t[0] == '0')) {
        return nothing();
      }
      const size_t index = std::stoul(t);
      if (index >= at->size()) return nothing();
      at = &(*at)[index];
    } else {
      return nothing();
    }
    tail += "/" + JsonPointerToken(*token);
    if (auto known = index_.find(at); known != index_.end()) {
      last = known->second;
      tail.clear();
    }
  }
  if (auto known = index_.find(at); known != index_.end()) return known->second;
  if (!IsSchemaValue(*at)) {
    return Error(entry, suffix,
                 fmt::format("{} names a value that is not a schema", Quote(reference)));
  }
  return Ensure(at, document, last, std::move(tail), entries_[last].base);
}

Result<const Pattern*> Compiler::CompilePattern(int entry, std::string_view suffix,
                                                const std::string& source) {
  if (auto it = patterns_.find(source); it != patterns_.end()) return it->second;
  auto pattern = Pattern::Compile(source);
  if (!pattern.ok()) {
    return Error(entry, suffix,
                 fmt::format("{} is not a valid regular expression: {}", Quote(source),
                             pattern.status().message()));
  }
  pattern_bytes_ += pattern->compiled_bytes();
  if (pattern_bytes_ > kMaxPatternBytes) {
    return Error(entry, suffix,
                 fmt::format("the schema's patterns compile to more than {} bytes in all",
                             kMaxPatternBytes));
  }
  impl_.patterns.push_back(std::make_unique<const Pattern>(std::move(pattern).value()));
  const Pattern* out = impl_.patterns.back().get();
  patterns_.emplace(source, out);
  return out;
}

Result<int> Compiler::Subschema(int entry, std::string suffix, const Json& value) {
  if (!IsSchemaValue(value))
    return Error(entry, suffix, "must be a schema (an object or a boolean)");
  return Ensure(&value, entries_[entry].document, entry, std::move(suffix), entries_[entry].base);
}

Status Compiler::CompileNumber(int entry, const Json& schema, Node& node) {
  const Draft draft = DraftOf(entry);
  NumberKeywords number;
  auto read = [&](const char* keyword, const Json*& slot) -> Status {
    auto it = schema.find(keyword);
    if (it == schema.end()) return Status::Ok();
    if (!it->is_number()) return Error(entry, fmt::format("/{}", keyword), "must be a number");
    slot = &*it;
    return Status::Ok();
  };
  HERALD_RETURN_IF_ERROR(read("minimum", number.minimum));
  HERALD_RETURN_IF_ERROR(read("maximum", number.maximum));
  if (draft == Draft::kDraft4) {
    // Draft 4: booleans that make `minimum` and `maximum` exclusive.
    for (auto [keyword, bound, exclusive] :
         {std::tuple{"exclusiveMinimum", &number.minimum, &number.exclusive_minimum},
          std::tuple{"exclusiveMaximum", &number.maximum, &number.exclusive_maximum}}) {
      auto it = schema.find(keyword);
      if (it == schema.end()) continue;
      if (!it->is_boolean()) return Error(entry, fmt::format("/{}", keyword), "must be a boolean");
      if (it->get<bool>() && *bound != nullptr) {
        *exclusive = *bound;
        *bound = nullptr;
      }
    }
  } else {
    HERALD_RETURN_IF_ERROR(read("exclusiveMinimum", number.exclusive_minimum));
    HERALD_RETURN_IF_ERROR(read("exclusiveMaximum", number.exclusive_maximum));
  }
  HERALD_RETURN_IF_ERROR(read("multipleOf", number.multiple_of));
  if (number.multiple_of != nullptr && !(number.multiple_of->get<double>() > 0)) {
    return Error(entry, "/multipleOf", "must be a number greater than 0");
  }
  if (number.minimum || number.maximum || number.exclusive_minimum || number.exclusive_maximum ||
      number.multiple_of) {
    node.number = std::make_unique<NumberKeywords>(number);
  }
  return Status::Ok();
}

// Reads the non-negative integer `keyword` of `schema` into `slot`.
Status ReadCount(const Json& schema, const char* keyword, std::optional<uint64_t>& slot,
                 const std::function<Status(std::string_view, std::string_view)>& error) {
  auto it = schema.find(keyword);
  if (it == schema.end()) return Status::Ok();
  slot = NonNegativeInteger(*it);
  if (!slot) return error(fmt::format("/{}", keyword), "must be a non-negative integer");
  return Status::Ok();
}

Status Compiler::CompileString(int entry, const Json& schema, Node& node) {
  auto error = [&](std::string_view suffix, std::string_view why) {
    return Error(entry, suffix, why);
  };
  StringKeywords string;
  HERALD_RETURN_IF_ERROR(ReadCount(schema, "minLength", string.min_length, error));
  HERALD_RETURN_IF_ERROR(ReadCount(schema, "maxLength", string.max_length, error));
  if (auto it = schema.find("pattern"); it != schema.end()) {
    if (!it->is_string()) return Error(entry, "/pattern", "must be a string");
    HERALD_ASSIGN_OR_RETURN(string.pattern,
                            CompilePattern(entry, "/pattern", it->get_ref<const std::string&>()));
  }
  if (string.min_length || string.max_length || string.pattern) {
    node.string = std::make_unique<StringKeywords>(std::move(string));
  }
  return Status::Ok();
}

Status Compiler::CompileArray(int entry, const Json& schema, Node& node) {
  const Draft draft = DraftOf(entry);
  auto error = [&](std::string_view suffix, std::string_view why) {
    return Error(entry, suffix, why);
  };
  auto array = std::make_unique<ArrayKeywords>();
  bool any = false;
  HERALD_RETURN_IF_ERROR(ReadCount(schema, "minItems", array->min_items, error));
  HERALD_RETURN_IF_ERROR(ReadCount(schema, "maxItems", array->max_items, error));
  any = array->min_items || array->max_items;
  if (auto it = schema.find("uniqueItems"); it != schema.end()) {
    if (!it->is_boolean()) return Error(entry, "/uniqueItems", "must be a boolean");
    array->unique = it->get<bool>();
    any = any || array->unique;
  }
  auto schema_array = [&](const Json& value, const char* keyword) -> Status {
    if (!value.is_array()) {
      return Error(entry, fmt::format("/{}", keyword), "must be an array of schemas");
    }
    for (size_t i = 0; i < value.size(); ++i) {
      HERALD_ASSIGN_OR_RETURN(int child,
                              Subschema(entry, fmt::format("/{}/{}", keyword, i), value[i]));
      array->prefix.push_back(child);
    }
    array->prefix_keyword = keyword;
    any = true;
    return Status::Ok();
  };
  auto items = schema.find("items");
  if (draft == Draft::kDraft2020_12) {
    if (auto prefix = schema.find("prefixItems"); prefix != schema.end()) {
      HERALD_RETURN_IF_ERROR(schema_array(*prefix, "prefixItems"));
    }
    if (items != schema.end()) {
      if (!IsSchemaValue(*items)) {
        return Error(entry, "/items",
                     "must be a schema (an object or a boolean; 2020-12 gives tuples as "
                     "prefixItems)");
      }
      HERALD_ASSIGN_OR_RETURN(array->rest, Subschema(entry, "/items", *items));
      any = true;
    }
  } else {
    int additional = -1;
    if (auto it = schema.find("additionalItems"); it != schema.end()) {
      HERALD_ASSIGN_OR_RETURN(additional, Subschema(entry, "/additionalItems", *it));
    }
    if (items != schema.end()) {
      if (items->is_array()) {
        HERALD_RETURN_IF_ERROR(schema_array(*items, "items"));
        array->rest = additional;  // additionalItems applies after a tuple only
        array->rest_keyword = "additionalItems";
      } else if (IsSchemaValue(*items)) {
        HERALD_ASSIGN_OR_RETURN(array->rest, Subschema(entry, "/items", *items));
        any = true;
      } else {
        return Error(entry, "/items", "must be a schema or an array of schemas");
      }
    }
  }
  if (draft >= Draft::kDraft6) {
    if (auto it = schema.find("contains"); it != schema.end()) {
      HERALD_ASSIGN_OR_RETURN(array->contains, Subschema(entry, "/contains", *it));
    }
  }
  if (draft >= Draft::kDraft2019_09) {
    std::optional<uint64_t> min_contains;
    HERALD_RETURN_IF_ERROR(ReadCount(schema, "minContains", min_contains, error));
    HERALD_RETURN_IF_ERROR(ReadCount(schema, "maxContains", array->max_contains, error));
    if (min_contains) {
      array->has_min_contains = true;
      array->min_contains = *min_contains;
    }
  }
  if (array->contains >= 0) {
    any = true;
  } else {
    array->max_contains.reset();
  }
  array->contains_evaluates = draft == Draft::kDraft2020_12;
  if (any) node.array = std::move(array);
  return Status::Ok();
}

Status Compiler::CompileObject(int entry, const Json& schema, Node& node) {
  const Draft draft = DraftOf(entry);
  auto error = [&](std::string_view suffix, std::string_view why) {
    return Error(entry, suffix, why);
  };
  auto object = std::make_unique<ObjectKeywords>();
  HERALD_RETURN_IF_ERROR(ReadCount(schema, "minProperties", object->min_properties, error));
  HERALD_RETURN_IF_ERROR(ReadCount(schema, "maxProperties", object->max_properties, error));
  bool any = object->min_properties || object->max_properties;

  // An array of distinct strings (`required`, a property's dependencies).
  auto names = [&](const Json& value,
                   const std::string& suffix) -> Result<std::vector<std::string>> {
    if (!value.is_array()) return Error(entry, suffix, "must be an array of distinct strings");
    std::vector<std::string> out;
    std::set<std::string_view> seen;
    for (const Json& name : value) {
      if (!name.is_string() || !seen.insert(name.get_ref<const std::string&>()).second) {
        return Error(entry, suffix, "must be an array of distinct strings");
      }
      out.push_back(name.get<std::string>());
    }
    return out;
  };
  auto object_of = [&](const char* keyword) -> Result<const Json*> {
    auto it = schema.find(keyword);
    if (it == schema.end()) return static_cast<const Json*>(nullptr);
    if (!it->is_object()) return Error(entry, fmt::format("/{}", keyword), "must be an object");
    any = true;
    return &*it;
  };

  if (auto it = schema.find("required"); it != schema.end()) {
    HERALD_ASSIGN_OR_RETURN(object->required, names(*it, "/required"));
    any = true;
  }
  HERALD_ASSIGN_OR_RETURN(const Json* properties, object_of("properties"));
  if (properties != nullptr) {
    for (auto it = properties->begin(); it != properties->end(); ++it) {
      HERALD_ASSIGN_OR_RETURN(int child,
                              Subschema(entry, "/properties/" + JsonPointerToken(it.key()), *it));
      object->properties.emplace_back(it.key(), child);
    }
    // The document's object is a sorted map; sort anyway rather than depend on it.
    std::sort(object->properties.begin(), object->properties.end());
  }
  HERALD_ASSIGN_OR_RETURN(const Json* pattern_properties, object_of("patternProperties"));
  if (pattern_properties != nullptr) {
    for (auto it = pattern_properties->begin(); it != pattern_properties->end(); ++it) {
      const std::string suffix = "/patternProperties/" + JsonPointerToken(it.key());
      HERALD_ASSIGN_OR_RETURN(const Pattern* regex, CompilePattern(entry, suffix, it.key()));
      HERALD_ASSIGN_OR_RETURN(int child, Subschema(entry, suffix, *it));
      object->pattern_properties.emplace_back(regex, child);
    }
  }
  if (auto it = schema.find("additionalProperties"); it != schema.end()) {
    HERALD_ASSIGN_OR_RETURN(object->additional, Subschema(entry, "/additionalProperties", *it));
    any = true;
  }
  if (draft >= Draft::kDraft6) {
    if (auto it = schema.find("propertyNames"); it != schema.end()) {
      HERALD_ASSIGN_OR_RETURN(object->property_names, Subschema(entry, "/propertyNames", *it));
      any = true;
    }
  }
  // `dependencies` (up to draft 7, and still read later): names or a schema per property.
  HERALD_ASSIGN_OR_RETURN(const Json* dependencies, object_of("dependencies"));
  if (dependencies != nullptr) {
    for (auto it = dependencies->begin(); it != dependencies->end(); ++it) {
      const std::string suffix = "/dependencies/" + JsonPointerToken(it.key());
      if (it->is_array()) {
        HERALD_ASSIGN_OR_RETURN(auto required, names(*it, suffix));
        object->dependent_required.push_back({it.key(), std::move(required), "dependencies"});
      } else if (IsSchemaValue(*it)) {
        HERALD_ASSIGN_OR_RETURN(int child, Subschema(entry, suffix, *it));
        object->dependent_schemas.emplace_back(it.key(), child);
      } else {
        return Error(entry, suffix, "must be an array of strings or a schema");
      }
    }
  }
  if (draft >= Draft::kDraft2019_09) {
    HERALD_ASSIGN_OR_RETURN(const Json* dependent_required, object_of("dependentRequired"));
    if (dependent_required != nullptr) {
      for (auto it = dependent_required->begin(); it != dependent_required->end(); ++it) {
        HERALD_ASSIGN_OR_RETURN(auto required,
                                names(*it, "/dependentRequired/" + JsonPointerToken(it.key())));
        object->dependent_required.push_back({it.key(), std::move(required), "dependentRequired"});
      }
    }
    HERALD_ASSIGN_OR_RETURN(const Json* dependent_schemas, object_of("dependentSchemas"));
    if (dependent_schemas != nullptr) {
      for (auto it = dependent_schemas->begin(); it != dependent_schemas->end(); ++it) {
        HERALD_ASSIGN_OR_RETURN(
            int child, Subschema(entry, "/dependentSchemas/" + JsonPointerToken(it.key()), *it));
        object->dependent_schemas.emplace_back(it.key(), child);
      }
    }
  }
  if (any) node.object = std::move(object);
  return Status::Ok();
}

Status Compiler::CompileApplicators(int entry, const Json& schema, Node& node) {
  const Draft draft = DraftOf(entry);
  auto applicators = std::make_unique<Applicators>();
  bool any = false;
  for (auto [keyword, list] :
       {std::pair{"allOf", &applicators->all_of}, std::pair{"anyOf", &applicators->any_of},
        std::pair{"oneOf", &applicators->one_of}}) {
    auto it = schema.find(keyword);
    if (it == schema.end()) continue;
    if (!it->is_array() || it->empty()) {
      return Error(entry, fmt::format("/{}", keyword), "must be a non-empty array of schemas");
    }
    for (size_t i = 0; i < it->size(); ++i) {
      HERALD_ASSIGN_OR_RETURN(int child,
                              Subschema(entry, fmt::format("/{}/{}", keyword, i), (*it)[i]));
      list->push_back(child);
    }
    any = true;
  }
  if (auto it = schema.find("not"); it != schema.end()) {
    HERALD_ASSIGN_OR_RETURN(applicators->not_schema, Subschema(entry, "/not", *it));
    any = true;
  }
  if (draft >= Draft::kDraft7) {
    int then_schema = -1, else_schema = -1;
    if (auto it = schema.find("then"); it != schema.end()) {
      HERALD_ASSIGN_OR_RETURN(then_schema, Subschema(entry, "/then", *it));
    }
    if (auto it = schema.find("else"); it != schema.end()) {
      HERALD_ASSIGN_OR_RETURN(else_schema, Subschema(entry, "/else", *it));
    }
    if (auto it = schema.find("if"); it != schema.end()) {
      HERALD_ASSIGN_OR_RETURN(applicators->if_schema, Subschema(entry, "/if", *it));
      applicators->then_schema = then_schema;
      applicators->else_schema = else_schema;
      any = true;
    }
  }
  if (any) node.applicators = std::move(applicators);
  return Status::Ok();
}

Result<Node> Compiler::Compile(int entry) {
  const Json& schema = *entries_[entry].node;
  Node node;
  if (schema.is_boolean()) {
    node.kind = schema.get<bool>() ? NodeKind::kTrue : NodeKind::kFalse;
    return node;
  }
  node.kind = NodeKind::kObject;
  const Draft draft = DraftOf(entry);

  const char* id_keyword = draft == Draft::kDraft4 ? "id" : "$id";
  if (auto it = schema.find(id_keyword); it != schema.end() && !it->is_string()) {
    return Error(entry, fmt::format("/{}", id_keyword), "must be a string");
  }
  if (auto it = schema.find("$ref"); it != schema.end()) {
    if (!it->is_string()) return Error(entry, "/$ref", "must be a string");
    HERALD_ASSIGN_OR_RETURN(node.ref,
                            ResolveReference(entry, "/$ref", it->get_ref<const std::string&>()));
    impl_.targets.emplace(&schema, entries_[node.ref].node);
    if (draft <= Draft::kDraft7) return node;  // the siblings of `$ref` are ignored
  }
  if (draft >= Draft::kDraft2019_09) {
    for (const char* keyword : {"$anchor", "$dynamicAnchor"}) {
      auto it = schema.find(keyword);
      if (it != schema.end() &&
          (!it->is_string() || !IsValidAnchor(it->get_ref<const std::string&>()))) {
        return Error(entry, fmt::format("/{}", keyword),
                     "must be a plain name ([A-Za-z_][-A-Za-z0-9._]*)");
      }
    }
    for (const char* keyword : {"$dynamicRef", "$recursiveRef"}) {
      auto it = schema.find(keyword);
      if (it == schema.end()) continue;
      if (!it->is_string()) return Error(entry, fmt::format("/{}", keyword), "must be a string");
      HERALD_ASSIGN_OR_RETURN(
          node.dynamic_ref,
          ResolveReference(entry, fmt::format("/{}", keyword), it->get_ref<const std::string&>()));
      node.dynamic_ref_keyword = keyword;
      impl_.targets.emplace(&schema, entries_[node.dynamic_ref].node);
      break;
    }
  }

  if (auto it = schema.find("type"); it != schema.end()) {
    node.has_types = true;
    node.type_value = &*it;
    if (it->is_string()) {
      std::optional<uint8_t> bit = TypeBitNamed(it->get_ref<const std::string&>());
      if (!bit) return Error(entry, "/type", fmt::format("{} names no JSON type", Show(*it)));
      node.types = *bit;
    } else if (it->is_array()) {
      for (size_t i = 0; i < it->size(); ++i) {
        const Json& name = (*it)[i];
        std::optional<uint8_t> bit;
        if (name.is_string()) bit = TypeBitNamed(name.get_ref<const std::string&>());
        if (!bit) {
          return Error(entry, fmt::format("/type/{}", i),
                       fmt::format("{} names no JSON type", Show(name)));
        }
        node.types |= *bit;
      }
    } else {
      return Error(entry, "/type", "must be a string or an array of strings");
    }
  }
  if (auto it = schema.find("enum"); it != schema.end()) {
    if (!it->is_array()) return Error(entry, "/enum", "must be an array");
    node.enum_values = &*it;
  }
  if (draft >= Draft::kDraft6) {
    if (auto it = schema.find("const"); it != schema.end()) node.const_value = &*it;
  }
  for (const char* keyword : {"definitions", "$defs"}) {
    // Only the draft's own name is a keyword whose value is checked.
    const bool own = (draft <= Draft::kDraft7) == (std::string_view(keyword) == "definitions");
    auto it = schema.find(keyword);
    if (!own || it == schema.end()) continue;
    if (!it->is_object()) return Error(entry, fmt::format("/{}", keyword), "must be an object");
    for (auto child = it->begin(); child != it->end(); ++child) {
      Result<int> definition =
          Subschema(entry, fmt::format("/{}/{}", keyword, JsonPointerToken(child.key())), *child);
      if (!definition.ok()) return definition.status();
    }
  }
  HERALD_RETURN_IF_ERROR(CompileNumber(entry, schema, node));
  HERALD_RETURN_IF_ERROR(CompileString(entry, schema, node));
  HERALD_RETURN_IF_ERROR(CompileArray(entry, schema, node));
  HERALD_RETURN_IF_ERROR(CompileObject(entry, schema, node));
  HERALD_RETURN_IF_ERROR(CompileApplicators(entry, schema, node));
  if (draft >= Draft::kDraft2019_09) {
    if (auto it = schema.find("unevaluatedItems"); it != schema.end()) {
      HERALD_ASSIGN_OR_RETURN(node.unevaluated_items, Subschema(entry, "/unevaluatedItems", *it));
    }
    if (auto it = schema.find("unevaluatedProperties"); it != schema.end()) {
      HERALD_ASSIGN_OR_RETURN(node.unevaluated_properties,
                              Subschema(entry, "/unevaluatedProperties", *it));
    }
  }
  return node;
}

Status Compiler::Run() {
  // The documents' roots, each a resource under its name ("" for the root schema) and its `$id`.
  for (size_t document = 0; document < documents_.size(); ++document) {
    const Document& d = documents_[document];
    HERALD_ASSIGN_OR_RETURN(int name, Intern(d.name));
    HERALD_ASSIGN_OR_RETURN(int root, Ensure(d.root, static_cast<int>(document), -1, "", name));
    resources_.try_emplace(name, Resource{root, entries_[root].base});
  }
  for (size_t entry = 0; entry < entries_.size(); ++entry) {
    HERALD_RETURN_IF_ERROR(Expand(static_cast<int>(entry)));
  }
  // Compile may add entries (schemas that only a JSON pointer reaches); they compile in turn.
  for (size_t entry = 0; entry < entries_.size(); ++entry) {
    HERALD_ASSIGN_OR_RETURN(Node node, Compile(static_cast<int>(entry)));
    impl_.nodes.push_back(std::move(node));
  }
  return Status::Ok();
}

// ---- Validate --------------------------------------------------------------------------------

// Where a value is in the instance: a linked list on the evaluation's stack, turned into a JSON
// pointer only for a failure that is reported.
struct InstancePath {
  const InstancePath* parent;
  const std::string* key;  // nullptr for an array item
  size_t index;
};

std::string PointerOf(const InstancePath* path) {
  std::vector<const InstancePath*> segments;
  for (; path != nullptr; path = path->parent) segments.push_back(path);
  if (segments.empty()) return "/";
  std::string out;
  for (auto it = segments.rbegin(); it != segments.rend(); ++it) {
    out += '/';
    out += (*it)->key != nullptr ? JsonPointerToken(*(*it)->key) : std::to_string((*it)->index);
  }
  return out;
}

// The properties (by position in the instance object) and items a schema has evaluated, for
// `unevaluatedProperties` and `unevaluatedItems`.
struct Evaluated {
  std::vector<bool> properties;
  std::vector<bool> items;

  void Reset(const Json& instance) {
    properties.assign(instance.is_object() ? instance.size() : 0, false);
    items.assign(instance.is_array() ? instance.size() : 0, false);
  }
  void Merge(const Evaluated& other) {
    for (size_t i = 0; i < properties.size(); ++i) {
      if (other.properties[i]) properties[i] = true;
    }
    for (size_t i = 0; i < items.size(); ++i) {
      if (other.items[i]) items[i] = true;
    }
  }
};

class Evaluator {
 public:
  explicit Evaluator(const Schema::Impl& impl) : impl_(impl) {}

  // Whether `instance` (at `path`) is valid against node `id`. `evaluated`, when given, collects
  // what the node evaluated (for the unevaluated* keywords of a schema that applies it in place).
  bool Eval(int id, const Json& instance, const InstancePath* path, Evaluated* evaluated);

  const std::string& error() const { return error_; }

 private:
  bool EvalSchema(const Node& node, const Json& instance, const InstancePath* path,
                  Evaluated* evaluated);
  bool EvalNumber(const NumberKeywords& number, const Json& instance, const InstancePath* path);
  bool EvalString(const StringKeywords& string, const Json& instance, const InstancePath* path);
  bool EvalArray(const ArrayKeywords& array, const Json& instance, const InstancePath* path,
                 Evaluated* evaluated);
  bool EvalObject(const ObjectKeywords& object, const Json& instance, const InstancePath* path,
                  Evaluated* evaluated);
  bool EvalApplicators(const Applicators& applicators, const Json& instance,
                       const InstancePath* path, Evaluated* evaluated);
  bool EvalItem(int id, const Json& array, size_t index, const InstancePath* path,
                const char* keyword);
  bool EvalProperty(int id, const Json& value, const std::string& key, const InstancePath* path,
                    const char* keyword);
  bool Unique(const Json& array, const InstancePath* path);
  // A pattern search; a search that cannot finish aborts the validation.
  std::optional<bool> Matches(const Pattern& pattern, std::string_view subject,
                              const InstancePath* path, const char* keyword);

  // Eval where a failure is an expected outcome (anyOf, not, ...): no message is made.
  bool Quiet(int id, const Json& instance, const InstancePath* path, Evaluated* evaluated) {
    ++quiet_;
    const bool ok = Eval(id, instance, path, evaluated);
    --quiet_;
    return ok;
  }

  template <typename Why>
  bool Fail(const InstancePath* path, std::string_view keyword, Why&& why) {
    if (quiet_ == 0 && error_.empty()) {
      error_ = fmt::format("{}: {} ({})", PointerOf(path), why(), keyword);
    }
    return false;
  }
  // A failure no keyword can turn into a success (`not`, `anyOf`): the whole validation fails.
  bool Abort(const InstancePath* path, std::string why) {
    if (!aborted_) {
      aborted_ = true;
      error_ = fmt::format("{}: {}", PointerOf(path), why);
    }
    return false;
  }

  const Schema::Impl& impl_;
  int depth_ = 0;
  uint64_t steps_ = 0;
  int quiet_ = 0;
  bool aborted_ = false;
  std::string error_;
};

bool Evaluator::Eval(int id, const Json& instance, const InstancePath* path, Evaluated* evaluated) {
  const Node& node = impl_.nodes[id];
  if (node.kind == NodeKind::kTrue) return true;
  if (node.kind == NodeKind::kFalse) {
    return Fail(path, "false", [] { return std::string("no value is valid against false"); });
  }
  if (depth_ >= kMaxEvaluationDepth) {
    return Abort(
        path, fmt::format("the schema nests deeper than {} while validating", kMaxEvaluationDepth));
  }
  if (++steps_ > kMaxEvaluationSteps) {
    return Abort(path, fmt::format("validating takes more than {} steps", kMaxEvaluationSteps));
  }
  ++depth_;
  const bool ok = EvalSchema(node, instance, path, evaluated);
  --depth_;
  return ok;
}

bool Evaluator::EvalSchema(const Node& node, const Json& instance, const InstancePath* path,
                           Evaluated* evaluated) {
  // A schema with unevaluated* collects its own annotations, and passes them up when it passes.
  Evaluated local;
  Evaluated* track = evaluated;
  if (node.unevaluated_items >= 0 || node.unevaluated_properties >= 0) {
    local.Reset(instance);
    track = &local;
  }
  if (node.ref >= 0 && !Eval(node.ref, instance, path, track)) return false;
  if (node.dynamic_ref >= 0 && !Eval(node.dynamic_ref, instance, path, track)) return false;
  if (node.has_types && !HasType(node.types, instance)) {
    return Fail(path, "type", [&] {
      return fmt::format("{} is not of type {}", Show(instance), Show(*node.type_value));
    });
  }
  if (node.enum_values != nullptr &&
      std::none_of(node.enum_values->begin(), node.enum_values->end(),
                   [&](const Json& value) { return Equal(instance, value); })) {
    return Fail(path, "enum", [&] {
      return fmt::format("{} is not one of {}", Show(instance), Show(*node.enum_values));
    });
  }
  if (node.const_value != nullptr && !Equal(instance, *node.const_value)) {
    return Fail(path, "const", [&] {
      return fmt::format("{} is not {}", Show(instance), Show(*node.const_value));
    });
  }
  if (node.number && instance.is_number() && !EvalNumber(*node.number, instance, path)) {
    return false;
  }
  if (node.string && instance.is_string() && !EvalString(*node.string, instance, path)) {
    return false;
  }
  if (node.array && instance.is_array() && !EvalArray(*node.array, instance, path, track)) {
    return false;
  }
  if (node.object && instance.is_object() && !EvalObject(*node.object, instance, path, track)) {
    return false;
  }
  if (node.applicators && !EvalApplicators(*node.applicators, instance, path, track)) {
    return false;
  }
  if (node.unevaluated_items >= 0 && instance.is_array()) {
    for (size_t i = 0; i < instance.size(); ++i) {
      if (local.items[i]) continue;
      if (!EvalItem(node.unevaluated_items, instance, i, path, "unevaluatedItems")) return false;
      local.items[i] = true;
    }
  }
  if (node.unevaluated_properties >= 0 && instance.is_object()) {
    size_t i = 0;
    for (auto it = instance.begin(); it != instance.end(); ++it, ++i) {
      if (local.properties[i]) continue;
      if (!EvalProperty(node.unevaluated_properties, *it, it.key(), path,
                        "unevaluatedProperties")) {
        return false;
      }
      local.properties[i] = true;
    }
  }
  if (evaluated != nullptr && track == &local) evaluated->Merge(local);
  return true;
}

bool Evaluator::EvalNumber(const NumberKeywords& number, const Json& instance,
                           const InstancePath* path) {
  if (number.minimum && CompareNumbers(instance, *number.minimum) < 0) {
    return Fail(path, "minimum", [&] {
      return fmt::format("{} is less than {}", Show(instance), Show(*number.minimum));
    });
  }
  if (number.exclusive_minimum && CompareNumbers(instance, *number.exclusive_minimum) <= 0) {
    return Fail(path, "exclusiveMinimum", [&] {
      return fmt::format("{} is not greater than {}", Show(instance),
                         Show(*number.exclusive_minimum));
    });
  }
  if (number.maximum && CompareNumbers(instance, *number.maximum) > 0) {
    return Fail(path, "maximum", [&] {
      return fmt::format("{} is greater than {}", Show(instance), Show(*number.maximum));
    });
  }
  if (number.exclusive_maximum && CompareNumbers(instance, *number.exclusive_maximum) >= 0) {
    return Fail(path, "exclusiveMaximum", [&] {
      return fmt::format("{} is not less than {}", Show(instance), Show(*number.exclusive_maximum));
    });
  }
  if (number.multiple_of && !IsMultipleOf(instance, *number.multiple_of)) {
    return Fail(path, "multipleOf", [&] {
      return fmt::format("{} is not a multiple of {}", Show(instance), Show(*number.multiple_of));
    });
  }
  return true;
}

std::optional<bool> Evaluator::Matches(const Pattern& pattern, std::string_view subject,
                                       const InstancePath* path, const char* keyword) {
  switch (pattern.Search(subject)) {
    case Pattern::Outcome::kMatch:
      return true;
    case Pattern::Outcome::kNoMatch:
      return false;
    case Pattern::Outcome::kLimit:
      Abort(path, fmt::format("matching the pattern {} against {} exceeds the match limit ({})",
                              Quote(pattern.source()), Quote(subject), keyword));
      return std::nullopt;
    case Pattern::Outcome::kError:
      break;
  }
  Abort(path, fmt::format("the pattern {} cannot be matched against {} ({})",
                          Quote(pattern.source()), Quote(subject), keyword));
  return std::nullopt;
}

bool Evaluator::EvalString(const StringKeywords& string, const Json& instance,
                           const InstancePath* path) {
  const std::string& text = instance.get_ref<const std::string&>();
  if (string.min_length || string.max_length) {
    const uint64_t length = CodePoints(text);
    if (string.min_length && length < *string.min_length) {
      return Fail(path, "minLength", [&] {
        return fmt::format("{} is shorter than {} characters", Show(instance), *string.min_length);
      });
    }
    if (string.max_length && length > *string.max_length) {
      return Fail(path, "maxLength", [&] {
        return fmt::format("{} is longer than {} characters", Show(instance), *string.max_length);
      });
    }
  }
  if (string.pattern != nullptr) {
    std::optional<bool> matches = Matches(*string.pattern, text, path, "pattern");
    if (!matches) return false;
    if (!*matches) {
      return Fail(path, "pattern", [&] {
        return fmt::format("{} does not match {}", Show(instance), Quote(string.pattern->source()));
      });
    }
  }
  return true;
}

bool Evaluator::EvalItem(int id, const Json& array, size_t index, const InstancePath* path,
                         const char* keyword) {
  if (impl_.nodes[id].kind == NodeKind::kFalse) {
    return Fail(path, keyword, [&] { return fmt::format("item {} is not allowed", index); });
  }
  const InstancePath item{path, nullptr, index};
  return Eval(id, array[index], &item, nullptr);
}

bool Evaluator::EvalProperty(int id, const Json& value, const std::string& key,
                             const InstancePath* path, const char* keyword) {
  if (impl_.nodes[id].kind == NodeKind::kFalse) {
    return Fail(path, keyword,
                [&] { return fmt::format("property {} is not allowed", Quote(key)); });
  }
  const InstancePath property{path, &key, 0};
  return Eval(id, value, &property, nullptr);
}

bool Evaluator::Unique(const Json& array, const InstancePath* path) {
  const size_t size = array.size();
  auto duplicate = [&](size_t i, size_t j) {
    return Fail(path, "uniqueItems",
                [&] { return fmt::format("items {} and {} are equal", i, j); });
  };
  auto compare = [&](size_t i, size_t j) -> std::optional<bool> {
    if (++steps_ > kMaxEvaluationSteps) {
      Abort(path, fmt::format("validating takes more than {} steps", kMaxEvaluationSteps));
      return std::nullopt;
    }
    return Equal(array[i], array[j]);
  };
  if (size <= 16) {
    for (size_t i = 0; i < size; ++i) {
      for (size_t j = i + 1; j < size; ++j) {
        std::optional<bool> equal = compare(i, j);
        if (!equal) return false;
        if (*equal) return duplicate(i, j);
      }
    }
    return true;
  }
  std::vector<std::pair<size_t, size_t>> hashes;  // (hash, index)
  hashes.reserve(size);
  for (size_t i = 0; i < size; ++i) hashes.emplace_back(Hash(array[i]), i);
  std::sort(hashes.begin(), hashes.end());
  for (size_t start = 0; start < size;) {
    size_t end = start + 1;
    while (end < size && hashes[end].first == hashes[start].first) ++end;
    for (size_t i = start; i < end; ++i) {
      for (size_t j = i + 1; j < end; ++j) {
        std::optional<bool> equal = compare(hashes[i].second, hashes[j].second);
        if (!equal) return false;
        if (*equal) return duplicate(hashes[i].second, hashes[j].second);
      }
    }
    start = end;
  }
  return true;
}

bool Evaluator::EvalArray(const ArrayKeywords& array, const Json& instance,
                          const InstancePath* path, Evaluated* evaluated) {
  const size_t size = instance.size();
  if (array.min_items && size < *array.min_items) {
    return Fail(path, "minItems", [&] {
      return fmt::format("the array has {} items, fewer than {}", size, *array.min_items);
    });
  }
  if (array.max_items && size > *array.max_items) {
    return Fail(path, "maxItems", [&] {
      return fmt::format("the array has {} items, more than {}", size, *array.max_items);
    });
  }
  if (array.unique && !Unique(instance, path)) return false;
  size_t i = 0;
  for (; i < size && i < array.prefix.size(); ++i) {
    if (!EvalItem(array.prefix[i], instance, i, path, array.prefix_keyword)) return false;
    if (evaluated != nullptr) evaluated->items[i] = true;
  }
  if (array.rest >= 0) {
    for (; i < size; ++i) {
      if (!EvalItem(array.rest, instance, i, path, array.rest_keyword)) return false;
      if (evaluated != nullptr) evaluated->items[i] = true;
    }
  }
  if (array.contains >= 0) {
    const bool mark = evaluated != nullptr && array.contains_evaluates;
    uint64_t matches = 0;
    if (array.min_contains > 0 || array.max_contains || mark) {
      for (size_t j = 0; j < size; ++j) {
        const InstancePath item{path, nullptr, j};
        if (!Quiet(array.contains, instance[j], &item, nullptr)) {
          if (aborted_) return false;
          continue;
        }
        ++matches;
        if (mark) evaluated->items[j] = true;
        if (!mark && !array.max_contains && matches >= array.min_contains) break;
      }
    }
    if (matches < array.min_contains) {
      if (!array.has_min_contains) {
        return Fail(path, "contains", [] { return std::string("no item matches the schema"); });
      }
      return Fail(path, "minContains", [&] {
        return fmt::format("{} items match the schema of contains, fewer than {}", matches,
                           array.min_contains);
      });
    }
    if (array.max_contains && matches > *array.max_contains) {
      return Fail(path, "maxContains", [&] {
        return fmt::format("{} items match the schema of contains, more than {}", matches,
                           *array.max_contains);
      });
    }
  }
  return true;
}

bool Evaluator::EvalObject(const ObjectKeywords& object, const Json& instance,
                           const InstancePath* path, Evaluated* evaluated) {
  const size_t size = instance.size();
  if (object.min_properties && size < *object.min_properties) {
    return Fail(path, "minProperties", [&] {
      return fmt::format("the object has {} properties, fewer than {}", size,
                         *object.min_properties);
    });
  }
  if (object.max_properties && size > *object.max_properties) {
    return Fail(path, "maxProperties", [&] {
      return fmt::format("the object has {} properties, more than {}", size,
                         *object.max_properties);
    });
  }
  for (const std::string& name : object.required) {
    if (!instance.contains(name)) {
      return Fail(path, "required",
                  [&] { return fmt::format("the required property {} is missing", Quote(name)); });
    }
  }
  for (const RequiredDependency& dependency : object.dependent_required) {
    if (!instance.contains(dependency.property)) continue;
    for (const std::string& name : dependency.required) {
      if (!instance.contains(name)) {
        return Fail(path, dependency.keyword, [&] {
          return fmt::format("property {} requires property {}", Quote(dependency.property),
                             Quote(name));
        });
      }
    }
  }
  if (!object.properties.empty() || !object.pattern_properties.empty() || object.additional >= 0) {
    size_t i = 0;
    for (auto it = instance.begin(); it != instance.end(); ++it, ++i) {
      const std::string& key = it.key();
      bool applied = false;
      if (!object.properties.empty()) {
        const int property = object.Property(key);
        if (property >= 0) {
          applied = true;
          if (!EvalProperty(property, *it, key, path, "properties")) return false;
        }
      }
      for (const auto& [regex, child] : object.pattern_properties) {
        std::optional<bool> matches = Matches(*regex, key, path, "patternProperties");
        if (!matches) return false;
        if (!*matches) continue;
        applied = true;
        if (!EvalProperty(child, *it, key, path, "patternProperties")) return false;
      }
      if (!applied && object.additional >= 0) {
        applied = true;
        if (!EvalProperty(object.additional, *it, key, path, "additionalProperties")) return false;
      }
      if (applied && evaluated != nullptr) evaluated->properties[i] = true;
    }
  }
  if (object.property_names >= 0) {
    for (auto it = instance.begin(); it != instance.end(); ++it) {
      const Json name(it.key());
      if (!Quiet(object.property_names, name, path, nullptr)) {
        if (aborted_) return false;
        return Fail(path, "propertyNames",
                    [&] { return fmt::format("the property name {} is not valid", Show(name)); });
      }
    }
  }
  for (const auto& [property, child] : object.dependent_schemas) {
    if (instance.contains(property) && !Eval(child, instance, path, evaluated)) return false;
  }
  return true;
}

bool Evaluator::EvalApplicators(const Applicators& applicators, const Json& instance,
                                const InstancePath* path, Evaluated* evaluated) {
  for (int child : applicators.all_of) {
    if (!Eval(child, instance, path, evaluated)) return false;
  }
  if (!applicators.any_of.empty()) {
    // Every branch that passes contributes its annotations, so all are tried when they count.
    bool any = false;
    Evaluated branch;
    for (int child : applicators.any_of) {
      if (evaluated != nullptr) branch.Reset(instance);
      if (Quiet(child, instance, path, evaluated != nullptr ? &branch : nullptr)) {
        any = true;
        if (evaluated == nullptr) break;
        evaluated->Merge(branch);
      } else if (aborted_) {
        return false;
      }
    }
    if (!any) {
      return Fail(path, "anyOf", [&] {
        return fmt::format("{} matches none of the {} schemas", Show(instance),
                           applicators.any_of.size());
      });
    }
  }
  if (!applicators.one_of.empty()) {
    Evaluated branch, chosen;
    std::optional<size_t> first;
    for (size_t i = 0; i < applicators.one_of.size(); ++i) {
      if (evaluated != nullptr) branch.Reset(instance);
      if (!Quiet(applicators.one_of[i], instance, path, evaluated != nullptr ? &branch : nullptr)) {
        if (aborted_) return false;
        continue;
      }
      if (first) {
        return Fail(path, "oneOf", [&] {
          return fmt::format("{} matches both schema {} and schema {}, not exactly one",
                             Show(instance), *first, i);
        });
      }
      first = i;
      if (evaluated != nullptr) std::swap(chosen, branch);
    }
    if (!first) {
      return Fail(path, "oneOf", [&] {
        return fmt::format("{} matches none of the {} schemas", Show(instance),
                           applicators.one_of.size());
      });
    }
    if (evaluated != nullptr) evaluated->Merge(chosen);
  }
  if (applicators.not_schema >= 0) {
    if (Quiet(applicators.not_schema, instance, path, nullptr)) {
      return Fail(path, "not", [&] {
        return fmt::format("{} matches the schema it must not match", Show(instance));
      });
    }
    if (aborted_) return false;
  }
  if (applicators.if_schema >= 0) {
    Evaluated branch;
    if (evaluated != nullptr) branch.Reset(instance);
    const bool condition =
        Quiet(applicators.if_schema, instance, path, evaluated != nullptr ? &branch : nullptr);
    if (aborted_) return false;
    if (condition) {
      if (evaluated != nullptr) evaluated->Merge(branch);
      if (applicators.then_schema >= 0 &&
          !Eval(applicators.then_schema, instance, path, evaluated)) {
        return false;
      }
    } else if (applicators.else_schema >= 0 &&
               !Eval(applicators.else_schema, instance, path, evaluated)) {
      return false;
    }
  }
  return true;
}

}  // namespace

// ---- Schema ----------------------------------------------------------------------------------

Result<Schema> Schema::Parse(std::string_view text, const std::vector<Reference>& references) {
  auto impl = std::make_shared<Impl>();
  HERALD_ASSIGN_OR_RETURN(ParsedDocument root, ParseDocument(text));
  impl->draft = root.draft;
  // The stored text: the same JSON with its keys in the order written (ParseDocument has
  // bounded its depth, and the UTF-8 is valid).
  const auto ordered = nlohmann::ordered_json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (ordered.is_discarded()) return InvalidArgument("the schema is not valid JSON");
  impl->text = ordered.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);

  std::vector<Compiler::Document> documents;
  impl->documents.push_back(std::make_unique<const Json>(std::move(root.json)));
  documents.push_back({impl->documents.back().get(), root.draft, ""});
  for (const Reference& reference : references) {
    Result<ParsedDocument> parsed = ParseDocument(reference.text);
    if (!parsed.ok()) {
      return parsed.status().WithContext(fmt::format("reference {}", Quote(reference.name)));
    }
    impl->documents.push_back(std::make_unique<const Json>(std::move(parsed->json)));
    documents.push_back({impl->documents.back().get(), parsed->draft, reference.name});
  }

  Compiler compiler(*impl, std::move(documents));
  HERALD_RETURN_IF_ERROR(compiler.Run());
  return Schema(std::move(impl));
}

const std::string& Schema::text() const {
  return impl_->text;
}

Draft Schema::draft() const {
  return impl_->draft;
}

const nlohmann::json& Schema::document() const {
  return *impl_->documents[0];
}

Status Schema::Validate(const nlohmann::json& instance) const {
  Evaluator evaluator(*impl_);
  if (evaluator.Eval(0, instance, nullptr, nullptr)) return Status::Ok();
  return InvalidArgument("{}", evaluator.error());
}

const nlohmann::json* Schema::Target(const nlohmann::json& node) const {
  auto it = impl_->targets.find(&node);
  return it == impl_->targets.end() ? nullptr : it->second;
}

}  // namespace herald::registry::json_schema
