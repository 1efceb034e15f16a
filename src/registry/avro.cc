#include "registry/avro.h"

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <system_error>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include <fmt/format.h>

#include "base/json.h"
#include "base/utf8.h"
#include "base/varint.h"

namespace herald::registry::avro {
namespace {

using OrderedJson = nlohmann::ordered_json;
using NameTable = std::unordered_map<std::string, const Node*>;

// Nesting bounds for the recursive walks whose depth the JSON depth alone does not bound: a
// schema's definitions reached through references, the reader/writer pairs of a compatibility
// check, and a datum.
constexpr int kMaxSchemaDepth = 1024;
constexpr int kMaxCompatibilityDepth = 512;
constexpr int kMaxDatumDepth = 128;
// At most this many problems are reported per reader/writer pair (and so in all).
constexpr size_t kMaxFindings = 100;
// A datum decoded to JSON has at most kDecodedValuesBase JSON values plus kDecodedValuesPerByte
// per byte of its binary encoding (values that take no bytes are the main way past that).
constexpr uint64_t kDecodedValuesBase = uint64_t{1} << 16;
constexpr uint64_t kDecodedValuesPerByte = 8;
// A datum encoded from JSON has at most kFilledBase units (values and bytes of strings) filled in
// from defaults, plus kFilledPerInput per unit of the JSON given.
constexpr uint64_t kFilledBase = uint64_t{1} << 20;
constexpr uint64_t kFilledPerInput = 16;

constexpr uint64_t kCrc64AvroEmpty = 0xc15d213aa4d7a795ULL;

bool IsPrimitive(Type type) {
  return type <= Type::kString;
}
bool IsNamed(Type type) {
  return type == Type::kRecord || type == Type::kEnum || type == Type::kFixed;
}

std::optional<Type> PrimitiveNamed(std::string_view name) {
  for (Type type : {Type::kNull, Type::kBoolean, Type::kInt, Type::kLong, Type::kFloat,
                    Type::kDouble, Type::kBytes, Type::kString}) {
    if (TypeName(type) == name) return type;
  }
  return std::nullopt;
}

bool IsNameStart(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}
bool IsNameChar(char c) {
  return IsNameStart(c) || (c >= '0' && c <= '9');
}

// One part of a name: [A-Za-z_][A-Za-z0-9_]*.
bool IsValidName(std::string_view name) {
  if (name.empty() || !IsNameStart(name[0])) return false;
  return std::all_of(name.begin() + 1, name.end(), IsNameChar);
}

// Dot-separated valid names ("a.b.c").
bool IsValidDottedName(std::string_view name) {
  while (true) {
    const size_t dot = name.find('.');
    if (!IsValidName(name.substr(0, dot))) return false;
    if (dot == std::string_view::npos) return true;
    name.remove_prefix(dot + 1);
  }
}

std::string_view UnqualifiedName(std::string_view full_name) {
  const size_t dot = full_name.rfind('.');
  return dot == std::string_view::npos ? full_name : full_name.substr(dot + 1);
}

std::string Where(const std::string& path) {
  return path.empty() ? "/" : path;
}

// Compact JSON that never throws (ill-formed UTF-8 is replaced).
template <typename Json>
std::string Dump(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// "int", "record a.b.R", "array", ... for messages.
std::string Describe(const Node& node) {
  if (IsNamed(node.type)) return fmt::format("{} {}", TypeName(node.type), node.full_name);
  return std::string(TypeName(node.type));
}

std::optional<int32_t> JsonInt32(const OrderedJson& value) {
  return JsonInteger<int32_t>(nlohmann::json(value));
}

// ---- Logical types -------------------------------------------------------------------------

bool IsValidDecimal(const OrderedJson& object, const Node& node) {
  if (node.type != Type::kBytes && node.type != Type::kFixed) return false;
  auto precision_it = object.find("precision");
  if (precision_it == object.end()) return false;
  const std::optional<int32_t> precision = JsonInt32(*precision_it);
  if (!precision || *precision <= 0) return false;
  std::optional<int32_t> scale = 0;
  if (auto scale_it = object.find("scale"); scale_it != object.end()) scale = JsonInt32(*scale_it);
  if (!scale || *scale < 0 || *scale > *precision) return false;
  if (node.type == Type::kFixed) {
    const double max_digits = std::floor(std::log10(2.0) * (8.0 * double(node.size) - 1.0));
    if (double(*precision) > max_digits) return false;
  }
  return true;
}

// The logical type `object` gives `node`, or "" when it names none that is valid there (an
// unknown or ill-formed logical type is ignored, as Java's Avro ignores it).
std::string LogicalTypeOf(const OrderedJson& object, const Node& node) {
  auto it = object.find("logicalType");
  if (it == object.end() || !it->is_string()) return "";
  const std::string& name = it->get_ref<const std::string&>();
  static constexpr std::pair<std::string_view, Type> kOnPrimitives[] = {
      {"date", Type::kInt},
      {"time-millis", Type::kInt},
      {"time-micros", Type::kLong},
      {"timestamp-millis", Type::kLong},
      {"timestamp-micros", Type::kLong},
      {"local-timestamp-millis", Type::kLong},
      {"local-timestamp-micros", Type::kLong},
      {"uuid", Type::kString},
  };
  for (const auto& [logical, type] : kOnPrimitives) {
    if (name == logical) return node.type == type ? name : "";
  }
  if (name == "decimal") return IsValidDecimal(object, node) ? name : "";
  if (name == "duration") return node.type == Type::kFixed && node.size == 12 ? name : "";
  return "";
}

// ---- Defaults ------------------------------------------------------------------------------

bool IsValidDefault(const Node& type, const nlohmann::json& value);

// A field the object leaves out takes the field's own default, which is checked where that
// field is declared (checking it again here would cost exponential time for records of records
// of the same types).
bool IsValidRecordDefault(const Node& record, const nlohmann::json& value) {
  if (!value.is_object()) return false;
  for (const Field& field : record.fields) {
    auto it = value.find(field.name);
    if (it == value.end() ? !field.default_value : !IsValidDefault(*field.type, *it)) {
      return false;
    }
  }
  return true;
}

// Whether `value` is a default for `type` (Java's Schema.isValidDefault, with enum defaults
// required to be symbols): a union's default is one of its first branch.
bool IsValidDefault(const Node& type, const nlohmann::json& value) {
  switch (type.type) {
    case Type::kNull:
      return value.is_null();
    case Type::kBoolean:
      return value.is_boolean();
    case Type::kInt:
      return JsonInteger<int32_t>(value).has_value();
    case Type::kLong:
      return JsonInteger<int64_t>(value).has_value();
    case Type::kFloat:
    case Type::kDouble:
      return value.is_number();
    case Type::kBytes:
    case Type::kString:
    case Type::kFixed:
      return value.is_string();
    case Type::kEnum:
      return value.is_string() &&
             std::find(type.symbols.begin(), type.symbols.end(),
                       value.get_ref<const std::string&>()) != type.symbols.end();
    case Type::kArray:
      return value.is_array() && std::all_of(value.begin(), value.end(), [&](const auto& item) {
               return IsValidDefault(*type.items, item);
             });
    case Type::kMap:
      return value.is_object() && std::all_of(value.begin(), value.end(), [&](const auto& item) {
               return IsValidDefault(*type.values, item);
             });
    case Type::kUnion:
      return !type.branches.empty() && IsValidDefault(*type.branches[0], value);
    case Type::kRecord:
      return IsValidRecordDefault(type, value);
  }
  return false;
}

// ---- Parsing -------------------------------------------------------------------------------

struct NamedAttributes {
  std::string full_name;
  std::string space;  // the namespace nested definitions inherit
  std::vector<std::string> aliases;
};

struct PendingDefault {
  Node* record;
  size_t field;
  std::string path;
};

// Builds the nodes of one schema text into `nodes`, resolving and defining named types in
// `names` (shared with the texts parsed before and after it).
class Parser {
 public:
  Parser(std::vector<std::unique_ptr<Node>>& nodes, NameTable& names)
      : nodes_(nodes), names_(names) {}

  Result<const Node*> ParseSchema(const OrderedJson& json, const std::string& space,
                                  const std::string& path);

  // Checks the defaults of the fields parsed (after parsing: a default may be of a record
  // whose fields were not all parsed when the default was read).
  Status CheckDefaults() const;

 private:
  Node* NewNode(Type type) {
    nodes_.push_back(std::make_unique<Node>());
    nodes_.back()->type = type;
    return nodes_.back().get();
  }

  Result<const Node*> ResolveName(const std::string& name, const std::string& space,
                                  const std::string& path);
  Result<const Node*> ParseObject(const OrderedJson& object, const std::string& space,
                                  const std::string& path);
  Result<const Node*> ParseUnion(const OrderedJson& array, const std::string& space,
                                 const std::string& path);
  Result<const Node*> ParseRecord(const OrderedJson& object, const std::string& space,
                                  const std::string& path);
  Status ParseField(Node* record, const OrderedJson& field, const std::string& space,
                    const std::string& path, std::unordered_set<std::string>& field_names);
  Result<const Node*> ParseEnum(const OrderedJson& object, const std::string& space,
                                const std::string& path);
  Result<const Node*> ParseFixed(const OrderedJson& object, const std::string& space,
                                 const std::string& path);
  Result<const Node*> ParseContainer(const OrderedJson& object, Type type, const std::string& space,
                                     const std::string& path);
  Result<NamedAttributes> ParseNamedAttributes(const OrderedJson& object, std::string_view kind,
                                               const std::string& space,
                                               const std::string& path) const;
  Status Define(Node* node, NamedAttributes attributes, const std::string& path);

  std::vector<std::unique_ptr<Node>>& nodes_;
  NameTable& names_;
  std::vector<PendingDefault> pending_defaults_;
};

Result<const Node*> Parser::ParseSchema(const OrderedJson& json, const std::string& space,
                                        const std::string& path) {
  if (json.is_string()) return ResolveName(json.get_ref<const std::string&>(), space, path);
  if (json.is_array()) return ParseUnion(json, space, path);
  if (json.is_object()) return ParseObject(json, space, path);
  return InvalidArgument(
      "{}: a schema must be a type name, an object or an array (a union), not {}", Where(path),
      Abbreviate(Dump(json)));
}

Result<const Node*> Parser::ResolveName(const std::string& name, const std::string& space,
                                        const std::string& path) {
  if (std::optional<Type> primitive = PrimitiveNamed(name)) return NewNode(*primitive);
  if (name.find('.') == std::string::npos && !space.empty()) {
    if (auto it = names_.find(space + "." + name); it != names_.end()) return it->second;
  }
  if (auto it = names_.find(name); it != names_.end()) return it->second;
  return InvalidArgument("{}: unknown type '{}' (a named type must be defined before it is used)",
                         Where(path), Abbreviate(name));
}

Result<const Node*> Parser::ParseObject(const OrderedJson& object, const std::string& space,
                                        const std::string& path) {
  auto type_it = object.find("type");
  if (type_it == object.end()) {
    return InvalidArgument("{}: the schema object has no 'type'", Where(path));
  }
  if (!type_it->is_string()) {
    return InvalidArgument("{}/type: 'type' must be a type name (a string), not {}", path,
                           Abbreviate(Dump(*type_it)));
  }
  const std::string& type = type_it->get_ref<const std::string&>();
  if (type == "record" || type == "error") return ParseRecord(object, space, path);
  if (type == "enum") return ParseEnum(object, space, path);
  if (type == "fixed") return ParseFixed(object, space, path);
  if (type == "array") return ParseContainer(object, Type::kArray, space, path);
  if (type == "map") return ParseContainer(object, Type::kMap, space, path);
  if (std::optional<Type> primitive = PrimitiveNamed(type)) {
    Node* node = NewNode(*primitive);
    node->logical_type = LogicalTypeOf(object, *node);
    return node;
  }
  // {"type": "a.b.R"} refers to a named type, as Java's parser allows.
  return ResolveName(type, space, path + "/type");
}

Result<const Node*> Parser::ParseUnion(const OrderedJson& array, const std::string& space,
                                       const std::string& path) {
  Node* node = NewNode(Type::kUnion);
  std::set<std::string> kinds;
  for (size_t i = 0; i < array.size(); ++i) {
    const std::string branch_path = fmt::format("{}/{}", path, i);
    if (array[i].is_array()) {
      return InvalidArgument("{}: a union may not directly contain another union", branch_path);
    }
    HERALD_ASSIGN_OR_RETURN(const Node* branch, ParseSchema(array[i], space, branch_path));
    std::string kind =
        IsNamed(branch->type) ? branch->full_name : std::string(TypeName(branch->type));
    if (!kinds.insert(kind).second) {
      return InvalidArgument("{}: the union already has a branch of type '{}'", branch_path, kind);
    }
    node->branches.push_back(branch);
  }
  return node;
}

Result<NamedAttributes> Parser::ParseNamedAttributes(const OrderedJson& object,
                                                     std::string_view kind,
                                                     const std::string& space,
                                                     const std::string& path) const {
  auto name_it = object.find("name");
  if (name_it == object.end() || !name_it->is_string()) {
    return InvalidArgument("{}: a {} needs a 'name' string", Where(path), kind);
  }
  const std::string& name = name_it->get_ref<const std::string&>();
  NamedAttributes attributes;
  if (name.find('.') != std::string::npos) {
    if (!IsValidDottedName(name)) {
      return InvalidArgument("{}/name: '{}' is not a valid name", path, Abbreviate(name));
    }
    attributes.full_name = name;
    attributes.space = name.substr(0, name.rfind('.'));
  } else {
    if (!IsValidName(name)) {
      return InvalidArgument("{}/name: '{}' is not a valid name", path, Abbreviate(name));
    }
    attributes.space = space;
    if (auto ns_it = object.find("namespace"); ns_it != object.end() && !ns_it->is_null()) {
      if (!ns_it->is_string()) {
        return InvalidArgument("{}/namespace: 'namespace' must be a string", path);
      }
      attributes.space = ns_it->get_ref<const std::string&>();
      if (!attributes.space.empty() && !IsValidDottedName(attributes.space)) {
        return InvalidArgument("{}/namespace: '{}' is not a valid namespace", path,
                               Abbreviate(attributes.space));
      }
    }
    attributes.full_name = attributes.space.empty() ? name : attributes.space + "." + name;
  }
  if (PrimitiveNamed(UnqualifiedName(attributes.full_name))) {
    return InvalidArgument("{}/name: '{}' is a primitive type's name", path, name);
  }
  if (auto aliases_it = object.find("aliases"); aliases_it != object.end()) {
    if (!aliases_it->is_array()) {
      return InvalidArgument("{}/aliases: 'aliases' must be an array of names", path);
    }
    for (const auto& alias : *aliases_it) {
      if (!alias.is_string() || !IsValidDottedName(alias.get_ref<const std::string&>())) {
        return InvalidArgument("{}/aliases: {} is not a valid name", path, Abbreviate(Dump(alias)));
      }
      const std::string& text = alias.get_ref<const std::string&>();
      const bool relative = text.find('.') == std::string::npos && !attributes.space.empty();
      attributes.aliases.push_back(relative ? attributes.space + "." + text : text);
    }
  }
  return attributes;
}

Status Parser::Define(Node* node, NamedAttributes attributes, const std::string& path) {
  node->full_name = std::move(attributes.full_name);
  node->aliases = std::move(attributes.aliases);
  if (!names_.emplace(node->full_name, node).second) {
    return InvalidArgument("{}/name: the name '{}' is already defined", path, node->full_name);
  }
  return Status::Ok();
}

Result<const Node*> Parser::ParseRecord(const OrderedJson& object, const std::string& space,
                                        const std::string& path) {
  HERALD_ASSIGN_OR_RETURN(NamedAttributes attributes,
                          ParseNamedAttributes(object, "record", space, path));
  auto fields_it = object.find("fields");
  if (fields_it == object.end() || !fields_it->is_array()) {
    return InvalidArgument("{}: a record needs a 'fields' array", Where(path));
  }
  const std::string inner_space = attributes.space;
  Node* node = NewNode(Type::kRecord);
  // Defined before its fields are parsed, so that they may refer to it (recursive records).
  HERALD_RETURN_IF_ERROR(Define(node, std::move(attributes), path));
  std::unordered_set<std::string> field_names;
  for (size_t i = 0; i < fields_it->size(); ++i) {
    HERALD_RETURN_IF_ERROR(ParseField(node, (*fields_it)[i], inner_space,
                                      fmt::format("{}/fields/{}", path, i), field_names));
  }
  return node;
}

Status Parser::ParseField(Node* record, const OrderedJson& field, const std::string& space,
                          const std::string& path, std::unordered_set<std::string>& field_names) {
  if (!field.is_object()) return InvalidArgument("{}: a field must be an object", path);
  auto name_it = field.find("name");
  if (name_it == field.end() || !name_it->is_string()) {
    return InvalidArgument("{}: a field needs a 'name' string", path);
  }
  const std::string& name = name_it->get_ref<const std::string&>();
  if (!IsValidName(name)) {
    return InvalidArgument("{}/name: '{}' is not a valid field name", path, Abbreviate(name));
  }
  if (!field_names.insert(name).second) {
    return InvalidArgument("{}/name: the record already has a field '{}'", path, name);
  }
  auto type_it = field.find("type");
  if (type_it == field.end()) return InvalidArgument("{}: field '{}' has no 'type'", path, name);
  HERALD_ASSIGN_OR_RETURN(const Node* type, ParseSchema(*type_it, space, path + "/type"));
  if (auto order_it = field.find("order"); order_it != field.end()) {
    if (!order_it->is_string() ||
        (*order_it != "ascending" && *order_it != "descending" && *order_it != "ignore")) {
      return InvalidArgument(
          "{}/order: 'order' must be \"ascending\", \"descending\" or \"ignore\"", path);
    }
  }
  Field parsed{.name = name, .type = type};
  if (auto aliases_it = field.find("aliases"); aliases_it != field.end()) {
    if (!aliases_it->is_array()) {
      return InvalidArgument("{}/aliases: 'aliases' must be an array of names", path);
    }
    for (const auto& alias : *aliases_it) {
      if (!alias.is_string()) {
        return InvalidArgument("{}/aliases: {} is not a string", path, Abbreviate(Dump(alias)));
      }
      parsed.aliases.push_back(alias.get_ref<const std::string&>());
    }
  }
  if (auto default_it = field.find("default"); default_it != field.end()) {
    parsed.default_value = nlohmann::json(*default_it);
    pending_defaults_.push_back({record, record->fields.size(), path + "/default"});
  }
  record->fields.push_back(std::move(parsed));
  return Status::Ok();
}

Status Parser::CheckDefaults() const {
  for (const PendingDefault& pending : pending_defaults_) {
    const Field& field = pending.record->fields[pending.field];
    if (IsValidDefault(*field.type, *field.default_value)) continue;
    std::string hint;
    if (field.type->type == Type::kUnion && !field.type->branches.empty()) {
      hint = fmt::format(" (a union's default is one of its first branch, {})",
                         Describe(*field.type->branches[0]));
    }
    return InvalidArgument("{}: the default {} of field '{}' is not a valid {}{}", pending.path,
                           Abbreviate(Dump(*field.default_value)), field.name,
                           Describe(*field.type), hint);
  }
  return Status::Ok();
}

Result<const Node*> Parser::ParseEnum(const OrderedJson& object, const std::string& space,
                                      const std::string& path) {
  HERALD_ASSIGN_OR_RETURN(NamedAttributes attributes,
                          ParseNamedAttributes(object, "enum", space, path));
  auto symbols_it = object.find("symbols");
  if (symbols_it == object.end() || !symbols_it->is_array()) {
    return InvalidArgument("{}: an enum needs a 'symbols' array", Where(path));
  }
  Node* node = NewNode(Type::kEnum);
  std::unordered_set<std::string> seen;
  for (size_t i = 0; i < symbols_it->size(); ++i) {
    const OrderedJson& symbol = (*symbols_it)[i];
    if (!symbol.is_string() || !IsValidName(symbol.get_ref<const std::string&>())) {
      return InvalidArgument("{}/symbols/{}: {} is not a valid symbol", path, i,
                             Abbreviate(Dump(symbol)));
    }
    if (!seen.insert(symbol.get_ref<const std::string&>()).second) {
      return InvalidArgument("{}/symbols/{}: the symbol '{}' appears twice", path, i,
                             symbol.get_ref<const std::string&>());
    }
    node->symbols.push_back(symbol.get_ref<const std::string&>());
  }
  if (auto default_it = object.find("default");
      default_it != object.end() && !default_it->is_null()) {
    if (!default_it->is_string() || !seen.contains(default_it->get_ref<const std::string&>())) {
      return InvalidArgument("{}/default: the enum's default {} is not one of its symbols", path,
                             Abbreviate(Dump(*default_it)));
    }
    node->enum_default = default_it->get_ref<const std::string&>();
  }
  HERALD_RETURN_IF_ERROR(Define(node, std::move(attributes), path));
  return node;
}

Result<const Node*> Parser::ParseFixed(const OrderedJson& object, const std::string& space,
                                       const std::string& path) {
  HERALD_ASSIGN_OR_RETURN(NamedAttributes attributes,
                          ParseNamedAttributes(object, "fixed", space, path));
  auto size_it = object.find("size");
  if (size_it == object.end()) return InvalidArgument("{}: a fixed needs a 'size'", Where(path));
  const std::optional<int32_t> size = JsonInt32(*size_it);
  if (!size || *size < 0) {
    return InvalidArgument("{}/size: the size of a fixed must be an integer from 0 to {}, not {}",
                           path, std::numeric_limits<int32_t>::max(), Abbreviate(Dump(*size_it)));
  }
  Node* node = NewNode(Type::kFixed);
  node->size = *size;
  node->logical_type = LogicalTypeOf(object, *node);
  HERALD_RETURN_IF_ERROR(Define(node, std::move(attributes), path));
  return node;
}

Result<const Node*> Parser::ParseContainer(const OrderedJson& object, Type type,
                                           const std::string& space, const std::string& path) {
  const char* key = type == Type::kArray ? "items" : "values";
  auto it = object.find(key);
  if (it == object.end()) {
    return InvalidArgument("{}: {} {} needs '{}'", Where(path), type == Type::kArray ? "an" : "a",
                           TypeName(type), key);
  }
  Node* node = NewNode(type);
  HERALD_ASSIGN_OR_RETURN(const Node* element, ParseSchema(*it, space, path + "/" + key));
  (type == Type::kArray ? node->items : node->values) = element;
  return node;
}

Result<OrderedJson> ParseJsonText(std::string_view text) {
  if (JsonDepth(text) > kMaxJsonDepth) {
    return InvalidArgument("the schema nests deeper than {} levels", kMaxJsonDepth);
  }
  OrderedJson json = OrderedJson::parse(text.begin(), text.end(), nullptr, false);
  if (json.is_discarded()) return InvalidArgument("the schema is not valid JSON");
  return json;
}

Result<const Node*> ParseText(std::string_view text, std::vector<std::unique_ptr<Node>>& nodes,
                              NameTable& names, OrderedJson* json_out) {
  HERALD_ASSIGN_OR_RETURN(OrderedJson json, ParseJsonText(text));
  Parser parser(nodes, names);
  HERALD_ASSIGN_OR_RETURN(const Node* root, parser.ParseSchema(json, "", ""));
  HERALD_RETURN_IF_ERROR(parser.CheckDefaults());
  if (json_out != nullptr) *json_out = std::move(json);
  return root;
}

// ---- The stored text -----------------------------------------------------------------------

// The text is what Java's Schema.toString() writes, so that spellings of one schema that differ
// in whitespace, attribute order or how names are qualified give one text (and one id): every
// object's attributes in a fixed order (the structural ones first, then the rest as written),
// {"type": "<primitive>"} alone written as "<primitive>", and names relative to the enclosing
// namespace (a named type's "namespace" only where it differs; references by short name there).
class TextNormalizer {
 public:
  static OrderedJson Schema(const OrderedJson& schema, const std::string& space) {
    if (schema.is_string()) return Reference(schema.get<std::string>(), space);
    if (schema.is_array()) {
      OrderedJson out = OrderedJson::array();
      for (const auto& branch : schema) out.push_back(Schema(branch, space));
      return out;
    }
    if (!schema.is_object()) return schema;
    auto type_it = schema.find("type");
    if (type_it == schema.end()) return schema;
    if (!type_it->is_string()) return Schema(*type_it, space);  // {"type": {...}} or [...]
    const std::string& type = type_it->get_ref<const std::string&>();
    if (schema.size() == 1) return Schema(*type_it, space);
    OrderedJson out = OrderedJson::object();
    if (type == "record" || type == "error" || type == "enum" || type == "fixed") {
      const auto [name, own_space] = NameAndSpace(schema, space);
      out["type"] = type;
      out["name"] = name;
      if (own_space != space) out["namespace"] = own_space;
      Copy(schema, out, {"doc"});
      if (auto fields = schema.find("fields"); fields != schema.end() && fields->is_array()) {
        OrderedJson written = OrderedJson::array();
        for (const auto& field : *fields) written.push_back(Field(field, own_space));
        out["fields"] = std::move(written);
      }
      Copy(schema, out, {"symbols", "default", "size", "aliases"});
      Rest(schema, out, {"type", "name", "namespace"});
      return out;
    }
    out["type"] = type;
    if (type == "array" || type == "map") {
      const char* child = type == "array" ? "items" : "values";
      if (auto it = schema.find(child); it != schema.end()) out[child] = Schema(*it, space);
    }
    Rest(schema, out, {"type"});
    return out;
  }

 private:
  static OrderedJson Field(const OrderedJson& field, const std::string& space) {
    if (!field.is_object()) return field;
    OrderedJson out = OrderedJson::object();
    Copy(field, out, {"name"});
    if (auto it = field.find("type"); it != field.end()) out["type"] = Schema(*it, space);
    Copy(field, out, {"doc", "default", "order", "aliases"});
    Rest(field, out, {"type"});
    return out;
  }

  // A reference to a type by name, as written relative to `space`. A short name stays short:
  // it names space.name when that is defined, and otherwise a type of the null namespace,
  // which Avro (and Java's writer) can only write as the short name too.
  static OrderedJson Reference(const std::string& name, const std::string& space) {
    return name.find('.') == std::string::npos ? OrderedJson(name) : Relative(name, space);
  }

  static OrderedJson Relative(const std::string& full_name, const std::string& space) {
    const size_t dot = full_name.rfind('.');
    if (dot != std::string::npos && full_name.substr(0, dot) == space) {
      return full_name.substr(dot + 1);
    }
    return full_name;
  }

  // A named type's short name and namespace.
  static std::pair<std::string, std::string> NameAndSpace(const OrderedJson& schema,
                                                          const std::string& space) {
    const std::string name = schema.value("name", "");
    if (const size_t dot = name.rfind('.'); dot != std::string::npos) {
      return {name.substr(dot + 1), name.substr(0, dot)};
    }
    auto ns = schema.find("namespace");
    return {name, ns != schema.end() && ns->is_string() ? ns->get<std::string>() : space};
  }

  // Copies `keys` of `from` that it has, in that order.
  static void Copy(const OrderedJson& from, OrderedJson& to,
                   std::initializer_list<const char*> keys) {
    for (const char* key : keys) {
      if (auto it = from.find(key); it != from.end()) to[key] = *it;
    }
  }
  // Copies the attributes of `from` not already in `to` and not in `skip`, as written.
  static void Rest(const OrderedJson& from, OrderedJson& to,
                   std::initializer_list<const char*> skip) {
    for (auto it = from.begin(); it != from.end(); ++it) {
      const std::string& key = it.key();
      if (to.contains(key) ||
          std::any_of(skip.begin(), skip.end(), [&](const char* s) { return key == s; })) {
        continue;
      }
      to[key] = it.value();
    }
  }
};

// ---- Parsing Canonical Form ----------------------------------------------------------------

// Names, field names and symbols are valid Avro names, so they are written without escapes.
class CanonicalWriter {
 public:
  Status Write(const Node& node, int depth) {
    if (depth > kMaxSchemaDepth) {
      return InvalidArgument("the schema nests deeper than {} levels (through its references)",
                             kMaxSchemaDepth);
    }
    if (IsPrimitive(node.type)) {
      Quoted(TypeName(node.type));
      return Status::Ok();
    }
    if (IsNamed(node.type) && !written_.insert(&node).second) {
      Quoted(node.full_name);
      return Status::Ok();
    }
    switch (node.type) {
      case Type::kRecord:
        return WriteRecord(node, depth);
      case Type::kEnum:
        WriteEnum(node);
        return Status::Ok();
      case Type::kFixed:
        out_ +=
            fmt::format(R"({{"name":"{}","type":"fixed","size":{}}})", node.full_name, node.size);
        return Status::Ok();
      case Type::kArray:
        out_ += R"({"type":"array","items":)";
        HERALD_RETURN_IF_ERROR(Write(*node.items, depth + 1));
        out_ += '}';
        return Status::Ok();
      case Type::kMap:
        out_ += R"({"type":"map","values":)";
        HERALD_RETURN_IF_ERROR(Write(*node.values, depth + 1));
        out_ += '}';
        return Status::Ok();
      case Type::kUnion:
        return WriteUnion(node, depth);
      default:
        return Status::Ok();
    }
  }

  std::string Take() { return std::move(out_); }

 private:
  void Quoted(std::string_view text) {
    out_ += '"';
    out_ += text;
    out_ += '"';
  }

  Status WriteRecord(const Node& node, int depth) {
    out_ += fmt::format(R"({{"name":"{}","type":"record","fields":[)", node.full_name);
    for (size_t i = 0; i < node.fields.size(); ++i) {
      if (i > 0) out_ += ',';
      out_ += fmt::format(R"({{"name":"{}","type":)", node.fields[i].name);
      HERALD_RETURN_IF_ERROR(Write(*node.fields[i].type, depth + 1));
      out_ += '}';
    }
    out_ += "]}";
    return Status::Ok();
  }

  void WriteEnum(const Node& node) {
    out_ += fmt::format(R"({{"name":"{}","type":"enum","symbols":[)", node.full_name);
    for (size_t i = 0; i < node.symbols.size(); ++i) {
      if (i > 0) out_ += ',';
      Quoted(node.symbols[i]);
    }
    out_ += "]}";
  }

  Status WriteUnion(const Node& node, int depth) {
    out_ += '[';
    for (size_t i = 0; i < node.branches.size(); ++i) {
      if (i > 0) out_ += ',';
      HERALD_RETURN_IF_ERROR(Write(*node.branches[i], depth + 1));
    }
    out_ += ']';
    return Status::Ok();
  }

  std::string out_;
  std::unordered_set<const Node*> written_;
};

constexpr std::array<uint64_t, 256> MakeCrc64AvroTable() {
  std::array<uint64_t, 256> table{};
  for (uint64_t i = 0; i < 256; ++i) {
    uint64_t fp = i;
    for (int j = 0; j < 8; ++j) fp = (fp >> 1) ^ (kCrc64AvroEmpty & (0 - (fp & 1)));
    table[i] = fp;
  }
  return table;
}

uint64_t Crc64Avro(std::string_view data) {
  static constexpr std::array<uint64_t, 256> kTable = MakeCrc64AvroTable();
  uint64_t fp = kCrc64AvroEmpty;
  for (unsigned char c : data) fp = (fp >> 8) ^ kTable[(fp ^ c) & 0xff];
  return fp;
}

// ---- Datum validation ----------------------------------------------------------------------

// One step of the path from the root to the value being read, kept on the stack and spelled
// out only for a message.
struct PathStep {
  enum class Kind { kField, kItem, kValue };
  const PathStep* parent;
  Kind kind;
  std::string_view name;  // field name or map key
  uint64_t index = 0;     // array item
};

std::string FormatPath(const PathStep* step) {
  std::vector<const PathStep*> steps;
  for (; step != nullptr; step = step->parent) steps.push_back(step);
  if (steps.empty()) return "/";
  std::string out;
  for (auto it = steps.rbegin(); it != steps.rend(); ++it) {
    switch ((*it)->kind) {
      case PathStep::Kind::kField:
        out += fmt::format("/fields/{}", (*it)->name);
        break;
      case PathStep::Kind::kItem:
        out += fmt::format("/items/{}", (*it)->index);
        break;
      case PathStep::Kind::kValue:
        out += fmt::format("/values/{}", Abbreviate(std::string((*it)->name), 40));
        break;
    }
  }
  return out;
}

template <typename... Args>
Status ErrorAt(const PathStep* path, fmt::format_string<Args...> format, Args&&... args) {
  return InvalidArgument("{}: {}", FormatPath(path),
                         fmt::format(format, std::forward<Args>(args)...));
}

// Reads the parts of Avro's binary encoding that every reading of a datum shares, never past the
// end of its input; each failure names the path of the value being read.
class BinaryInput {
 public:
  explicit BinaryInput(ByteView data) : data_(data) {}

  size_t remaining() const { return data_.size() - pos_; }

 protected:
  Status ReadBoolean(const PathStep* path, bool* out);
  Status ReadVarint(int bits, const char* what, const PathStep* path, int64_t* out);
  Status Take(uint64_t count, std::string_view what, const PathStep* path, ByteView* out);
  Status ReadLength(const char* what, const PathStep* path, int64_t* out);
  Status ReadBytes(const PathStep* path, ByteView* out);
  Status ReadString(const PathStep* path, std::string_view* out);
  Status ReadIndex(const char* what, size_t limit, std::string_view of, const PathStep* path,
                   int64_t* out);
  template <typename ReadItems>
  Status ReadBlockSequence(Type type, const PathStep* path, ReadItems&& read_items);

  ByteView data_;
  size_t pos_ = 0;
};

Status BinaryInput::ReadBoolean(const PathStep* path, bool* out) {
  if (remaining() == 0) return ErrorAt(path, "expected a boolean, the input ended");
  if (data_[pos_] > 1) return ErrorAt(path, "a boolean must be 0 or 1, not {}", int{data_[pos_]});
  *out = data_[pos_++] == 1;
  return Status::Ok();
}

// A zig-zag varint of a `bits`-bit integer: at most 5 (int) or 10 (long) bytes, whose last
// byte holds no bits beyond the integer's.
Status BinaryInput::ReadVarint(int bits, const char* what, const PathStep* path, int64_t* out) {
  const int max_bytes = bits == 32 ? 5 : 10;
  uint64_t raw = 0;
  for (int i = 0, shift = 0;; ++i, shift += 7) {
    if (pos_ == data_.size()) return ErrorAt(path, "expected {}, the input ended", what);
    const uint8_t byte = data_[pos_++];
    if (i == max_bytes - 1 && (byte >> (bits - shift)) != 0) {
      return ErrorAt(path, "{} overflows {} bits", what, bits);
    }
    raw |= uint64_t{byte & 0x7fu} << shift;
    if ((byte & 0x80) == 0) break;
  }
  *out = static_cast<int64_t>((raw >> 1) ^ (0 - (raw & 1)));
  return Status::Ok();
}

// The next `count` bytes, which hold `what`.
Status BinaryInput::Take(uint64_t count, std::string_view what, const PathStep* path,
                         ByteView* out) {
  if (count > remaining()) {
    return ErrorAt(path, "expected {} ({} bytes), only {} bytes are left", what, count,
                   remaining());
  }
  *out = data_.subspan(pos_, size_t(count));
  pos_ += size_t(count);
  return Status::Ok();
}

Status BinaryInput::ReadLength(const char* what, const PathStep* path, int64_t* out) {
  HERALD_RETURN_IF_ERROR(ReadVarint(64, what, path, out));
  if (*out < 0) return ErrorAt(path, "{} {} is negative", what, *out);
  if (uint64_t(*out) > remaining()) {
    return ErrorAt(path, "{} {} exceeds the {} bytes left", what, *out, remaining());
  }
  return Status::Ok();
}

Status BinaryInput::ReadBytes(const PathStep* path, ByteView* out) {
  int64_t length = 0;
  HERALD_RETURN_IF_ERROR(ReadLength("a bytes length", path, &length));
  *out = data_.subspan(pos_, size_t(length));
  pos_ += size_t(length);
  return Status::Ok();
}

Status BinaryInput::ReadString(const PathStep* path, std::string_view* out) {
  int64_t length = 0;
  HERALD_RETURN_IF_ERROR(ReadLength("a string's length", path, &length));
  *out = AsString(data_.subspan(pos_, size_t(length)));
  if (!IsValidUtf8(*out)) return ErrorAt(path, "the string is not valid UTF-8");
  pos_ += size_t(length);
  return Status::Ok();
}

// An index below `limit`: `of` names what it counts ("symbols", "branches").
Status BinaryInput::ReadIndex(const char* what, size_t limit, std::string_view of,
                              const PathStep* path, int64_t* out) {
  HERALD_RETURN_IF_ERROR(ReadVarint(32, what, path, out));
  if (*out < 0 || uint64_t(*out) >= limit) {
    return ErrorAt(path, "{} {} is out of range ({} {})", what, *out, limit, of);
  }
  return Status::Ok();
}

// Arrays and maps: blocks of items, each block a count (negative: followed by the block's size
// in bytes) and its items, which `read_items(count)` reads; a count of zero ends them.
template <typename ReadItems>
Status BinaryInput::ReadBlockSequence(Type type, const PathStep* path, ReadItems&& read_items) {
  const char* count_what = type == Type::kArray ? "an array block count" : "a map block count";
  while (true) {
    int64_t count = 0;
    HERALD_RETURN_IF_ERROR(ReadVarint(64, count_what, path, &count));
    if (count == 0) return Status::Ok();
    int64_t byte_size = -1;
    if (count < 0) {
      if (count == std::numeric_limits<int64_t>::min()) {
        return ErrorAt(path, "the block count {} is out of range", count);
      }
      count = -count;
      HERALD_RETURN_IF_ERROR(ReadLength("the block's size in bytes", path, &byte_size));
    }
    const size_t start = pos_;
    HERALD_RETURN_IF_ERROR(read_items(count));
    if (byte_size >= 0 && pos_ - start != uint64_t(byte_size)) {
      return ErrorAt(path, "the block's size says {} bytes, its items take {}", byte_size,
                     pos_ - start);
    }
  }
}

// Checks that the input is a datum of a schema without keeping any of it.
class DatumReader : public BinaryInput {
 public:
  using BinaryInput::BinaryInput;

  Status Read(const Node& node, const PathStep* path, int depth);

 private:
  Status ReadRecord(const Node& node, const PathStep* path, int depth);
  Status ReadBlocks(const Node& node, const PathStep* path, int depth);
  Status ReadBlockItems(const Node& node, int64_t count, const PathStep* path, int depth,
                        uint64_t& index);
  bool TakesNoBytes(const Node& node, int depth = 0);
  const std::vector<const Field*>& FieldsToRead(const Node& record);

  std::unordered_map<const Node*, bool> takes_no_bytes_;  // records seen
  std::unordered_map<const Node*, std::vector<const Field*>> fields_to_read_;
};

// Whether every value of `node` is encoded in zero bytes (null, an empty fixed, a record of
// such fields). Such values need no reading, and skipping them keeps the work of a read in
// proportion to the bytes read (a schema can nest records of nulls exponentially). A record
// that contains itself has no finite value and takes bytes as far as this is concerned.
bool DatumReader::TakesNoBytes(const Node& node, int depth) {
  if (node.type == Type::kNull) return true;
  if (node.type == Type::kFixed) return node.size == 0;
  if (node.type != Type::kRecord || depth > kMaxSchemaDepth) return false;
  if (auto [it, inserted] = takes_no_bytes_.try_emplace(&node, false); !inserted) {
    return it->second;
  }
  const bool result = std::all_of(node.fields.begin(), node.fields.end(),
                                  [&](const Field& f) { return TakesNoBytes(*f.type, depth + 1); });
  takes_no_bytes_[&node] = result;
  return result;
}

// The fields of `record` whose values take bytes.
const std::vector<const Field*>& DatumReader::FieldsToRead(const Node& record) {
  if (auto it = fields_to_read_.find(&record); it != fields_to_read_.end()) return it->second;
  std::vector<const Field*> fields;
  for (const Field& field : record.fields) {
    if (!TakesNoBytes(*field.type)) fields.push_back(&field);
  }
  return fields_to_read_[&record] = std::move(fields);
}

Status DatumReader::Read(const Node& node, const PathStep* path, int depth) {
  int64_t value = 0;
  bool flag = false;
  ByteView bytes;
  if (TakesNoBytes(node)) return Status::Ok();
  switch (node.type) {
    case Type::kNull:
      return Status::Ok();
    case Type::kBoolean:
      return ReadBoolean(path, &flag);
    case Type::kInt:
      return ReadVarint(32, "an int", path, &value);
    case Type::kLong:
      return ReadVarint(64, "a long", path, &value);
    case Type::kFloat:
      return Take(4, "a float", path, &bytes);
    case Type::kDouble:
      return Take(8, "a double", path, &bytes);
    case Type::kBytes:
      return ReadBytes(path, &bytes);
    case Type::kString: {
      std::string_view text;
      return ReadString(path, &text);
    }
    case Type::kFixed:
      return Take(uint64_t(node.size), Describe(node), path, &bytes);
    case Type::kEnum:
      return ReadIndex("the enum index", node.symbols.size(), "symbols", path, &value);
    case Type::kUnion:
      HERALD_RETURN_IF_ERROR(
          ReadIndex("the union index", node.branches.size(), "branches", path, &value));
      return Read(*node.branches[size_t(value)], path, depth);
    case Type::kRecord:
    case Type::kArray:
    case Type::kMap:
      if (depth >= kMaxDatumDepth) {
        return ErrorAt(path, "the datum nests deeper than {} levels", kMaxDatumDepth);
      }
      return node.type == Type::kRecord ? ReadRecord(node, path, depth + 1)
                                        : ReadBlocks(node, path, depth + 1);
  }
  return Status::Ok();
}

Status DatumReader::ReadRecord(const Node& node, const PathStep* path, int depth) {
  for (const Field* field : FieldsToRead(node)) {
    const PathStep step{.parent = path, .kind = PathStep::Kind::kField, .name = field->name};
    HERALD_RETURN_IF_ERROR(Read(*field->type, &step, depth));
  }
  return Status::Ok();
}

Status DatumReader::ReadBlocks(const Node& node, const PathStep* path, int depth) {
  uint64_t index = 0;
  return ReadBlockSequence(node.type, path, [&](int64_t count) {
    return ReadBlockItems(node, count, path, depth, index);
  });
}

// Every item takes at least one byte (a map's key does), so a huge count fails when the input
// ends; array items that take no bytes need no reading.
Status DatumReader::ReadBlockItems(const Node& node, int64_t count, const PathStep* path, int depth,
                                   uint64_t& index) {
  if (node.type == Type::kArray && TakesNoBytes(*node.items)) {
    index += uint64_t(count);
    return Status::Ok();
  }
  for (int64_t i = 0; i < count; ++i, ++index) {
    if (node.type == Type::kArray) {
      const PathStep step{.parent = path, .kind = PathStep::Kind::kItem, .index = index};
      HERALD_RETURN_IF_ERROR(Read(*node.items, &step, depth));
    } else {
      std::string_view key;
      HERALD_RETURN_IF_ERROR(ReadString(path, &key));
      const PathStep step{.parent = path, .kind = PathStep::Kind::kValue, .name = key};
      HERALD_RETURN_IF_ERROR(Read(*node.values, &step, depth));
    }
  }
  return Status::Ok();
}

// ---- The JSON encoding ---------------------------------------------------------------------

// The name by which the JSON encoding tags a union's branch: a named type's full name, any
// other type's name ("string", "array"; a logical type's underlying type).
std::string_view BranchName(const Node& branch) {
  return IsNamed(branch.type) ? std::string_view(branch.full_name) : TypeName(branch.type);
}

// "null, string, a.b.R" for messages.
std::string BranchNames(const Node& node) {
  std::string names;
  for (const Node* branch : node.branches) {
    names += fmt::format("{}{}", names.empty() ? "" : ", ", BranchName(*branch));
  }
  return Abbreviate(std::move(names), 200);
}

// Text from the input, for messages: valid UTF-8, at most 80 bytes.
std::string Quoted(std::string_view text) {
  return Abbreviate(ToValidUtf8(text));
}

// What a JSON value is, for messages ("a string", "an object", "the number 1.5").
std::string JsonKind(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::null:
      return "null";
    case nlohmann::json::value_t::boolean:
      return "a boolean";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
      return "an integer";
    case nlohmann::json::value_t::number_float:
      return fmt::format("the number {}", Dump(value));
    case nlohmann::json::value_t::string:
      return "a string";
    case nlohmann::json::value_t::array:
      return "an array";
    case nlohmann::json::value_t::object:
      return "an object";
    default:
      return std::string(value.type_name());
  }
}

// What the JSON encoding of a `node` value is, for messages.
std::string Expected(const Node& node) {
  switch (node.type) {
    case Type::kNull:
      return "null";
    case Type::kBoolean:
      return "a boolean";
    case Type::kInt:
      return "an int";
    case Type::kLong:
      return "a long";
    case Type::kFloat:
      return "a float";
    case Type::kDouble:
      return "a double";
    case Type::kBytes:
      return "bytes (a string)";
    case Type::kString:
      return "a string";
    case Type::kFixed:
      return fmt::format("fixed {} (a string)", node.full_name);
    case Type::kEnum:
      return fmt::format("enum {} (a symbol)", node.full_name);
    case Type::kArray:
      return "an array";
    case Type::kMap:
      return "a map (an object)";
    case Type::kRecord:
      return fmt::format("record {} (an object)", node.full_name);
    case Type::kUnion:
      return fmt::format("null or an object naming one branch of the union ({})",
                         BranchNames(node));
  }
  return "a value";
}

// Bytes and fixed values as JSON strings: each byte the code point of its value (U+0000 to
// U+00FF), so that the string is valid UTF-8 whatever the bytes.
std::string CodePointString(ByteView bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (const uint8_t byte : bytes) {
    if (byte < 0x80) {
      out += static_cast<char>(byte);
    } else {
      out += static_cast<char>(0xC0 | (byte >> 6));
      out += static_cast<char>(0x80 | (byte & 0x3F));
    }
  }
  return out;
}

// The bytes a string of code points U+0000 to U+00FF stands for; nullopt when it holds any
// other character (or is not valid UTF-8: only the one- and two-byte forms of those code points
// are accepted).
std::optional<Buffer> CodePointBytes(std::string_view text) {
  Buffer out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const auto lead = static_cast<uint8_t>(text[i]);
    if (lead < 0x80) {
      out.push_back(lead);
      continue;
    }
    if ((lead != 0xC2 && lead != 0xC3) || i + 1 == text.size()) return std::nullopt;
    const auto trail = static_cast<uint8_t>(text[++i]);
    if ((trail & 0xC0) != 0x80) return std::nullopt;
    out.push_back(static_cast<uint8_t>(((lead & 0x1F) << 6) | (trail & 0x3F)));
  }
  return out;
}

uint64_t LoadLittleEndian(ByteView bytes) {
  uint64_t value = 0;
  for (size_t i = bytes.size(); i-- > 0;) value = (value << 8) | bytes[i];
  return value;
}

void PutLittleEndian(Buffer& out, uint64_t value, size_t size) {
  for (size_t i = 0; i < size; ++i) out.push_back(static_cast<uint8_t>(value >> (8 * i)));
}

// A double as the JSON encoding writes it: a number, or "NaN", "Infinity", "-Infinity" (which
// JSON has no numbers for).
nlohmann::json DoubleJson(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  return value;
}

// A float as its shortest decimal form ("0.1", not 0.10000000149011612, the double equal to the
// float 0.1f), as Java's Avro writes it; that form reads back as the same float.
nlohmann::json FloatJson(float value) {
  if (!std::isfinite(value)) return DoubleJson(value);
  const std::string text = fmt::format("{}", value);
  double shortest = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), shortest);
  if (error == std::errc() && end == text.data() + text.size() &&
      static_cast<float>(shortest) == value) {
    return shortest;
  }
  return double{value};
}

// The number a float or double is given as: any JSON number, or "NaN", "Infinity",
// "-Infinity".
std::optional<double> JsonFloating(const nlohmann::json& value) {
  if (value.is_number()) return value.get<double>();
  if (!value.is_string()) return std::nullopt;
  const std::string& text = value.get_ref<const std::string&>();
  if (text == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (text == "Infinity") return std::numeric_limits<double>::infinity();
  if (text == "-Infinity") return -std::numeric_limits<double>::infinity();
  return std::nullopt;
}

// `value` rounded to a float as IEEE 754 rounds it: a magnitude from halfway between the largest
// float and 2^128 up becomes an infinity, as Java's (float) cast makes it. The cast alone is
// left to values in float's range.
float ToFloat(double value) {
  constexpr double kMax = std::numeric_limits<float>::max();
  constexpr double kRoundsToInfinity = kMax + 0x1p103;  // kMax plus half its ulp (2^104)
  if (std::isnan(value)) return std::numeric_limits<float>::quiet_NaN();
  constexpr float kInfinity = std::numeric_limits<float>::infinity();
  if (std::fabs(value) >= kRoundsToInfinity) return value > 0 ? kInfinity : -kInfinity;
  if (std::fabs(value) > kMax) {
    return value > 0 ? std::numeric_limits<float>::max() : -std::numeric_limits<float>::max();
  }
  return static_cast<float>(value);
}

// Decodes a datum in the binary encoding to its JSON encoding, checking what ValidateDatum
// checks. Values that take no bytes (nulls, records of nulls) are decoded one by one here, so
// a few bytes could ask for an arbitrarily large document (an array of 2^62 nulls, records of
// nulls nested exponentially): the document is limited to kDecodedValuesBase JSON values plus
// kDecodedValuesPerByte per byte of the input.
class JsonDecoder : public BinaryInput {
 public:
  explicit JsonDecoder(ByteView data)
      : BinaryInput(data), max_values_(kDecodedValuesBase + kDecodedValuesPerByte * data.size()) {}

  Status Decode(const Node& node, const PathStep* path, int depth, nlohmann::json& out);

 private:
  Status DecodeRecord(const Node& node, const PathStep* path, int depth, nlohmann::json& out);
  Status DecodeBlocks(const Node& node, const PathStep* path, int depth, nlohmann::json& out);

  uint64_t values_ = 0;
  const uint64_t max_values_;
};

Status JsonDecoder::Decode(const Node& node, const PathStep* path, int depth, nlohmann::json& out) {
  if (++values_ > max_values_) {
    return ErrorAt(path, "the datum decodes to more than {} JSON values", max_values_);
  }
  int64_t value = 0;
  ByteView bytes;
  switch (node.type) {
    case Type::kNull:
      out = nullptr;
      return Status::Ok();
    case Type::kBoolean: {
      bool flag = false;
      HERALD_RETURN_IF_ERROR(ReadBoolean(path, &flag));
      out = flag;
      return Status::Ok();
    }
    case Type::kInt:
    case Type::kLong:
      HERALD_RETURN_IF_ERROR(ReadVarint(node.type == Type::kInt ? 32 : 64,
                                        node.type == Type::kInt ? "an int" : "a long", path,
                                        &value));
      out = value;
      return Status::Ok();
    case Type::kFloat:
      HERALD_RETURN_IF_ERROR(Take(4, "a float", path, &bytes));
      out = FloatJson(std::bit_cast<float>(static_cast<uint32_t>(LoadLittleEndian(bytes))));
      return Status::Ok();
    case Type::kDouble:
      HERALD_RETURN_IF_ERROR(Take(8, "a double", path, &bytes));
      out = DoubleJson(std::bit_cast<double>(LoadLittleEndian(bytes)));
      return Status::Ok();
    case Type::kBytes:
      HERALD_RETURN_IF_ERROR(ReadBytes(path, &bytes));
      out = CodePointString(bytes);
      return Status::Ok();
    case Type::kString: {
      std::string_view text;
      HERALD_RETURN_IF_ERROR(ReadString(path, &text));
      out = std::string(text);
      return Status::Ok();
    }
    case Type::kFixed:
      HERALD_RETURN_IF_ERROR(Take(uint64_t(node.size), Describe(node), path, &bytes));
      out = CodePointString(bytes);
      return Status::Ok();
    case Type::kEnum:
      HERALD_RETURN_IF_ERROR(
          ReadIndex("the enum index", node.symbols.size(), "symbols", path, &value));
      out = node.symbols[size_t(value)];
      return Status::Ok();
    case Type::kUnion: {
      HERALD_RETURN_IF_ERROR(
          ReadIndex("the union index", node.branches.size(), "branches", path, &value));
      const Node& branch = *node.branches[size_t(value)];
      if (branch.type == Type::kNull) {
        out = nullptr;
        return Status::Ok();
      }
      out = nlohmann::json::object();
      return Decode(branch, path, depth, out[std::string(BranchName(branch))]);
    }
    case Type::kRecord:
    case Type::kArray:
    case Type::kMap:
      if (depth >= kMaxDatumDepth) {
        return ErrorAt(path, "the datum nests deeper than {} levels", kMaxDatumDepth);
      }
      return node.type == Type::kRecord ? DecodeRecord(node, path, depth + 1, out)
                                        : DecodeBlocks(node, path, depth + 1, out);
  }
  return Status::Ok();
}

Status JsonDecoder::DecodeRecord(const Node& node, const PathStep* path, int depth,
                                 nlohmann::json& out) {
  out = nlohmann::json::object();
  for (const Field& field : node.fields) {
    const PathStep step{.parent = path, .kind = PathStep::Kind::kField, .name = field.name};
    HERALD_RETURN_IF_ERROR(Decode(*field.type, &step, depth, out[field.name]));
  }
  return Status::Ok();
}

// Items are added one at a time as they are read (no room is reserved for a block's count,
// which the input may make up), so a huge count ends with the input or the value limit. A map
// key that appears twice keeps its last value.
Status JsonDecoder::DecodeBlocks(const Node& node, const PathStep* path, int depth,
                                 nlohmann::json& out) {
  const bool is_array = node.type == Type::kArray;
  out = is_array ? nlohmann::json::array() : nlohmann::json::object();
  uint64_t index = 0;
  return ReadBlockSequence(node.type, path, [&](int64_t count) -> Status {
    for (int64_t i = 0; i < count; ++i, ++index) {
      if (is_array) {
        const PathStep step{.parent = path, .kind = PathStep::Kind::kItem, .index = index};
        out.push_back(nullptr);
        HERALD_RETURN_IF_ERROR(Decode(*node.items, &step, depth, out.back()));
      } else {
        std::string_view key;
        HERALD_RETURN_IF_ERROR(ReadString(path, &key));
        const PathStep step{.parent = path, .kind = PathStep::Kind::kValue, .name = key};
        HERALD_RETURN_IF_ERROR(Decode(*node.values, &step, depth, out[std::string(key)]));
      }
    }
    return Status::Ok();
  });
}

// Encodes a value given in the JSON encoding, or a field's default (`is_default`: the schema's
// own JSON, in which a union's value is one of its first branch and carries no branch name, and
// a record's object may have keys that are not fields). Defaults can expand without bound (a
// record whose two fields are of a record type that defaults to {}, nested 64 times, fills in
// 2^64 values): what they fill in is limited to kFilledBase units plus kFilledPerInput units per
// unit taken from the input, a unit being a value or a byte of a string.
class JsonEncoder {
 public:
  explicit JsonEncoder(Buffer& out) : out_(out) {}

  Status Encode(const Node& node, const nlohmann::json& value, const PathStep* path, int depth,
                bool is_default);

 private:
  Status Charge(uint64_t units, const PathStep* path, bool is_default);
  Status EncodeBytes(const Node& node, const nlohmann::json& value, const PathStep* path,
                     bool is_default);
  Status EncodeUnion(const Node& node, const nlohmann::json& value, const PathStep* path, int depth,
                     bool is_default);
  Status EncodeRecord(const Node& node, const nlohmann::json& value, const PathStep* path,
                      int depth, bool is_default);
  Status EncodeArray(const Node& node, const nlohmann::json& value, const PathStep* path, int depth,
                     bool is_default);
  Status EncodeMap(const Node& node, const nlohmann::json& value, const PathStep* path, int depth,
                   bool is_default);
  void PutString(std::string_view text) {
    PutVarlong(out_, static_cast<int64_t>(text.size()));
    out_.insert(out_.end(), text.begin(), text.end());
  }

  Buffer& out_;
  uint64_t taken_ = 0;   // units from the input
  uint64_t filled_ = 0;  // units from defaults
};

Status JsonEncoder::Charge(uint64_t units, const PathStep* path, bool is_default) {
  if (!is_default) {
    taken_ += units;
    return Status::Ok();
  }
  filled_ += units;
  const uint64_t limit = kFilledBase + kFilledPerInput * taken_;
  if (filled_ > limit) {
    return ErrorAt(
        path, "the defaults of missing fields fill in more than {} values and string bytes", limit);
  }
  return Status::Ok();
}

Status JsonEncoder::Encode(const Node& node, const nlohmann::json& value, const PathStep* path,
                           int depth, bool is_default) {
  HERALD_RETURN_IF_ERROR(Charge(1, path, is_default));
  const auto mismatch = [&] {
    return ErrorAt(path, "expected {}, got {}", Expected(node), JsonKind(value));
  };
  switch (node.type) {
    case Type::kNull:
      return value.is_null() ? Status::Ok() : mismatch();
    case Type::kBoolean:
      if (!value.is_boolean()) return mismatch();
      out_.push_back(value.get<bool>() ? 1 : 0);
      return Status::Ok();
    case Type::kInt: {
      if (!value.is_number_integer()) return mismatch();
      const std::optional<int32_t> number = JsonInteger<int32_t>(value);
      if (!number) return ErrorAt(path, "{} is out of range for an int", Dump(value));
      PutVarint(out_, *number);
      return Status::Ok();
    }
    case Type::kLong: {
      if (!value.is_number_integer()) return mismatch();
      const std::optional<int64_t> number = JsonInteger<int64_t>(value);
      if (!number) return ErrorAt(path, "{} is out of range for a long", Dump(value));
      PutVarlong(out_, *number);
      return Status::Ok();
    }
    case Type::kFloat:
    case Type::kDouble: {
      const std::optional<double> number = JsonFloating(value);
      if (!number) return mismatch();
      if (node.type == Type::kFloat) {
        PutLittleEndian(out_, std::bit_cast<uint32_t>(ToFloat(*number)), 4);
      } else {
        PutLittleEndian(out_, std::bit_cast<uint64_t>(*number), 8);
      }
      return Status::Ok();
    }
    case Type::kString: {
      if (!value.is_string()) return mismatch();
      const std::string& text = value.get_ref<const std::string&>();
      if (!IsValidUtf8(text)) return ErrorAt(path, "the string is not valid UTF-8");
      HERALD_RETURN_IF_ERROR(Charge(text.size(), path, is_default));
      PutString(text);
      return Status::Ok();
    }
    case Type::kBytes:
    case Type::kFixed:
      if (!value.is_string()) return mismatch();
      return EncodeBytes(node, value, path, is_default);
    case Type::kEnum: {
      if (!value.is_string()) return mismatch();
      const std::string& symbol = value.get_ref<const std::string&>();
      const auto it = std::find(node.symbols.begin(), node.symbols.end(), symbol);
      if (it == node.symbols.end()) {
        return ErrorAt(path, "'{}' is not a symbol of enum {}", Quoted(symbol), node.full_name);
      }
      PutVarint(out_, static_cast<int32_t>(it - node.symbols.begin()));
      return Status::Ok();
    }
    case Type::kUnion:
      return EncodeUnion(node, value, path, depth, is_default);
    case Type::kRecord:
    case Type::kArray:
    case Type::kMap:
      if (!(node.type == Type::kArray ? value.is_array() : value.is_object())) return mismatch();
      if (depth >= kMaxDatumDepth) {
        return ErrorAt(path, "the datum nests deeper than {} levels", kMaxDatumDepth);
      }
      if (node.type == Type::kRecord) return EncodeRecord(node, value, path, depth + 1, is_default);
      if (node.type == Type::kArray) return EncodeArray(node, value, path, depth + 1, is_default);
      return EncodeMap(node, value, path, depth + 1, is_default);
  }
  return Status::Ok();
}

Status JsonEncoder::EncodeBytes(const Node& node, const nlohmann::json& value, const PathStep* path,
                                bool is_default) {
  const std::optional<Buffer> bytes = CodePointBytes(value.get_ref<const std::string&>());
  if (!bytes) {
    return ErrorAt(path,
                   "{} is a string of code points U+0000 to U+00FF (one per byte); this one has "
                   "others",
                   TypeName(node.type));
  }
  if (node.type == Type::kFixed && bytes->size() != uint64_t(node.size)) {
    return ErrorAt(path, "fixed {} takes {} bytes, got {}", node.full_name, node.size,
                   bytes->size());
  }
  HERALD_RETURN_IF_ERROR(Charge(bytes->size(), path, is_default));
  if (node.type == Type::kBytes) PutVarlong(out_, static_cast<int64_t>(bytes->size()));
  out_.insert(out_.end(), bytes->begin(), bytes->end());
  return Status::Ok();
}

Status JsonEncoder::EncodeUnion(const Node& node, const nlohmann::json& value, const PathStep* path,
                                int depth, bool is_default) {
  if (node.branches.empty()) return ErrorAt(path, "an empty union has no values");
  if (is_default) {
    PutVarint(out_, 0);
    return Encode(*node.branches[0], value, path, depth, true);
  }
  if (value.is_null()) {
    for (size_t i = 0; i < node.branches.size(); ++i) {
      if (node.branches[i]->type == Type::kNull) {
        PutVarint(out_, static_cast<int32_t>(i));
        return Status::Ok();
      }
    }
    return ErrorAt(path, "null is not a branch of the union ({})", BranchNames(node));
  }
  if (!value.is_object() || value.size() != 1) {
    const std::string got =
        value.is_object() ? fmt::format("an object with {} keys", value.size()) : JsonKind(value);
    return ErrorAt(path, "expected an object naming one branch of the union ({}), got {}",
                   BranchNames(node), got);
  }
  const auto tagged = value.begin();
  for (size_t i = 0; i < node.branches.size(); ++i) {
    if (BranchName(*node.branches[i]) == tagged.key()) {
      PutVarint(out_, static_cast<int32_t>(i));
      return Encode(*node.branches[i], tagged.value(), path, depth, false);
    }
  }
  return ErrorAt(path, "'{}' is not a branch of the union ({})", Quoted(tagged.key()),
                 BranchNames(node));
}

Status JsonEncoder::EncodeRecord(const Node& node, const nlohmann::json& value,
                                 const PathStep* path, int depth, bool is_default) {
  if (!is_default) {
    size_t known = 0;
    for (const Field& field : node.fields) known += value.contains(field.name) ? 1 : 0;
    for (auto it = value.begin(); known != value.size() && it != value.end(); ++it) {
      if (std::none_of(node.fields.begin(), node.fields.end(),
                       [&](const Field& field) { return field.name == it.key(); })) {
        return ErrorAt(path, "record {} has no field '{}'", node.full_name, Quoted(it.key()));
      }
    }
  }
  for (const Field& field : node.fields) {
    const PathStep step{.parent = path, .kind = PathStep::Kind::kField, .name = field.name};
    if (auto it = value.find(field.name); it != value.end()) {
      HERALD_RETURN_IF_ERROR(Encode(*field.type, *it, &step, depth, is_default));
    } else if (field.default_value) {
      HERALD_RETURN_IF_ERROR(Encode(*field.type, *field.default_value, &step, depth, true));
    } else {
      return ErrorAt(&step, "the field is missing and has no default");
    }
  }
  return Status::Ok();
}

// One block holding every item (none when there are none), then the closing zero count.
Status JsonEncoder::EncodeArray(const Node& node, const nlohmann::json& value, const PathStep* path,
                                int depth, bool is_default) {
  if (!value.empty()) PutVarlong(out_, static_cast<int64_t>(value.size()));
  uint64_t index = 0;
  for (const nlohmann::json& item : value) {
    const PathStep step{.parent = path, .kind = PathStep::Kind::kItem, .index = index++};
    HERALD_RETURN_IF_ERROR(Encode(*node.items, item, &step, depth, is_default));
  }
  PutVarlong(out_, 0);
  return Status::Ok();
}

Status JsonEncoder::EncodeMap(const Node& node, const nlohmann::json& value, const PathStep* path,
                              int depth, bool is_default) {
  if (!value.empty()) PutVarlong(out_, static_cast<int64_t>(value.size()));
  for (auto it = value.begin(); it != value.end(); ++it) {
    const std::string& key = it.key();
    if (!IsValidUtf8(key)) return ErrorAt(path, "a key is not valid UTF-8");
    HERALD_RETURN_IF_ERROR(Charge(key.size(), path, is_default));
    PutString(key);
    const PathStep step{.parent = path, .kind = PathStep::Kind::kValue, .name = key};
    HERALD_RETURN_IF_ERROR(Encode(*node.values, it.value(), &step, depth, is_default));
  }
  PutVarlong(out_, 0);
  return Status::Ok();
}

// ---- Schema resolution ---------------------------------------------------------------------

// A problem found for a reader/writer pair: `path` is relative to the reader node of the pair.
struct Finding {
  std::string path;
  std::string problem;
};
using Findings = std::vector<Finding>;

void Append(Findings& out, const Findings& more, std::string_view prefix) {
  for (const Finding& finding : more) {
    if (out.size() >= kMaxFindings) return;
    out.push_back({std::string(prefix) + finding.path, finding.problem});
  }
}

bool Promotes(Type writer, Type reader) {
  switch (reader) {
    case Type::kLong:
      return writer == Type::kInt;
    case Type::kFloat:
      return writer == Type::kInt || writer == Type::kLong;
    case Type::kDouble:
      return writer == Type::kInt || writer == Type::kLong || writer == Type::kFloat;
    case Type::kBytes:
      return writer == Type::kString;
    case Type::kString:
      return writer == Type::kBytes;
    default:
      return false;
  }
}

bool NamesMatch(const Node& reader, const Node& writer) {
  return UnqualifiedName(reader.full_name) == UnqualifiedName(writer.full_name) ||
         std::find(reader.aliases.begin(), reader.aliases.end(), writer.full_name) !=
             reader.aliases.end();
}

// Java's SchemaCompatibility: each reader/writer pair is checked once; a pair met again while it
// is being checked (a recursive type) counts as compatible.
class CompatibilityChecker {
 public:
  Findings Check(const Node& reader, const Node& writer);

 private:
  struct Memo {
    bool done = false;
    Findings findings;
  };

  Findings Calculate(const Node& reader, const Node& writer);
  Findings SameType(const Node& reader, const Node& writer);
  Findings ReaderUnion(const Node& reader, const Node& writer);
  Findings Records(const Node& reader, const Node& writer);
  static Findings Enums(const Node& reader, const Node& writer);

  std::map<std::pair<const Node*, const Node*>, Memo> memo_;
  int depth_ = 0;
};

Findings CompatibilityChecker::Check(const Node& reader, const Node& writer) {
  auto [it, inserted] = memo_.try_emplace({&reader, &writer});
  if (!inserted) return it->second.done ? it->second.findings : Findings{};
  Findings findings;
  if (depth_ >= kMaxCompatibilityDepth) {
    findings.push_back({"", fmt::format("the schemas nest deeper than {} levels; not compared "
                                        "further",
                                        kMaxCompatibilityDepth)});
  } else {
    ++depth_;
    findings = Calculate(reader, writer);
    --depth_;
  }
  it->second = {.done = true, .findings = findings};
  return findings;
}

Findings CompatibilityChecker::Calculate(const Node& reader, const Node& writer) {
  if (reader.type == writer.type) return SameType(reader, writer);
  if (writer.type == Type::kUnion) {
    // Every branch the writer may write must be readable.
    Findings out;
    for (const Node* branch : writer.branches) Append(out, Check(reader, *branch), "");
    return out;
  }
  if (reader.type == Type::kUnion) return ReaderUnion(reader, writer);
  if (Promotes(writer.type, reader.type)) return {};
  return {{"", fmt::format("reader type {} is not compatible with writer type {}",
                           TypeName(reader.type), TypeName(writer.type))}};
}

Findings CompatibilityChecker::SameType(const Node& reader, const Node& writer) {
  Findings out;
  if (IsNamed(reader.type) && !NamesMatch(reader, writer)) {
    out.push_back({"/name", fmt::format("reader name '{}' does not match writer name '{}'",
                                        reader.full_name, writer.full_name)});
  }
  switch (reader.type) {
    case Type::kArray:
      Append(out, Check(*reader.items, *writer.items), "/items");
      break;
    case Type::kMap:
      Append(out, Check(*reader.values, *writer.values), "/values");
      break;
    case Type::kFixed:
      if (reader.size != writer.size) {
        out.push_back({"/size", fmt::format("reader size {} does not match writer size {}",
                                            reader.size, writer.size)});
      }
      break;
    case Type::kEnum:
      Append(out, Enums(reader, writer), "");
      break;
    case Type::kRecord:
      Append(out, Records(reader, writer), "");
      break;
    case Type::kUnion:
      for (const Node* branch : writer.branches) Append(out, Check(reader, *branch), "");
      break;
    default:
      break;
  }
  return out;
}

Findings CompatibilityChecker::ReaderUnion(const Node& reader, const Node& writer) {
  for (const Node* branch : reader.branches) {
    if (Check(*branch, writer).empty()) return {};
  }
  return {{"", fmt::format("the reader's union has no branch that can read the writer's {}",
                           Describe(writer))}};
}

Findings CompatibilityChecker::Enums(const Node& reader, const Node& writer) {
  if (reader.enum_default) return {};
  const std::set<std::string_view> reader_symbols(reader.symbols.begin(), reader.symbols.end());
  std::set<std::string_view> missing;
  for (const std::string& symbol : writer.symbols) {
    if (!reader_symbols.contains(symbol)) missing.insert(symbol);
  }
  if (missing.empty()) return {};
  constexpr size_t kShown = 10;
  std::string list;
  size_t shown = 0;
  for (std::string_view symbol : missing) {
    if (shown == kShown) break;
    list += fmt::format("{}'{}'", shown++ == 0 ? "" : ", ", symbol);
  }
  if (missing.size() > kShown) list += fmt::format(" and {} more", missing.size() - kShown);
  return {{"/symbols", fmt::format("the reader's enum lacks the writer's symbol{} {}",
                                   missing.size() == 1 ? "" : "s", list)}};
}

// The writer's fields a reader field reads: the one of its name and those of its aliases.
std::vector<const Field*> WriterFieldsFor(const Node& writer, const Field& reader_field) {
  std::vector<const Field*> found;
  for (const Field& field : writer.fields) {
    if (field.name == reader_field.name ||
        std::find(reader_field.aliases.begin(), reader_field.aliases.end(), field.name) !=
            reader_field.aliases.end()) {
      found.push_back(&field);
    }
  }
  return found;
}

Findings CompatibilityChecker::Records(const Node& reader, const Node& writer) {
  Findings out;
  for (size_t i = 0; i < reader.fields.size(); ++i) {
    const Field& field = reader.fields[i];
    const std::string prefix = fmt::format("/fields/{}", i);
    const std::vector<const Field*> sources = WriterFieldsFor(writer, field);
    if (sources.size() > 1) {
      out.push_back({prefix, fmt::format("reader field '{}' matches more than one writer field",
                                         field.name)});
    } else if (sources.empty()) {
      if (!field.default_value) {
        out.push_back({prefix, fmt::format("reader field '{}' has no default and the writer has "
                                           "no such field",
                                           field.name)});
      }
    } else {
      Append(out, Check(*field.type, *sources[0]->type), prefix + "/type");
    }
  }
  return out;
}

}  // namespace

std::string_view TypeName(Type type) {
  switch (type) {
    case Type::kNull:
      return "null";
    case Type::kBoolean:
      return "boolean";
    case Type::kInt:
      return "int";
    case Type::kLong:
      return "long";
    case Type::kFloat:
      return "float";
    case Type::kDouble:
      return "double";
    case Type::kBytes:
      return "bytes";
    case Type::kString:
      return "string";
    case Type::kRecord:
      return "record";
    case Type::kEnum:
      return "enum";
    case Type::kArray:
      return "array";
    case Type::kMap:
      return "map";
    case Type::kUnion:
      return "union";
    case Type::kFixed:
      return "fixed";
  }
  return "unknown";
}

Result<Schema> Schema::Parse(std::string_view text, const std::vector<std::string>& references) {
  Schema schema;
  NameTable names;
  for (size_t i = 0; i < references.size(); ++i) {
    Result<const Node*> parsed = ParseText(references[i], schema.nodes_, names, nullptr);
    if (!parsed.ok()) return parsed.status().WithContext(fmt::format("reference {}", i));
  }
  OrderedJson json;
  HERALD_ASSIGN_OR_RETURN(schema.root_, ParseText(text, schema.nodes_, names, &json));
  schema.text_ = Dump(TextNormalizer::Schema(json, ""));
  CanonicalWriter canonical;
  HERALD_RETURN_IF_ERROR(canonical.Write(*schema.root_, 0));
  schema.canonical_ = canonical.Take();
  return schema;
}

std::string Schema::CanonicalForm() const {
  return canonical_;
}

uint64_t Schema::Fingerprint() const {
  return Crc64Avro(canonical_);
}

Status Schema::ValidateDatum(ByteView datum) const {
  DatumReader reader(datum);
  HERALD_RETURN_IF_ERROR(reader.Read(*root_, nullptr, 0));
  if (reader.remaining() != 0) {
    return InvalidArgument("/: the input goes on for {} more bytes after the datum",
                           reader.remaining());
  }
  return Status::Ok();
}

Result<nlohmann::json> Schema::DecodeToJson(ByteView bytes) const {
  JsonDecoder decoder(bytes);
  nlohmann::json out;
  HERALD_RETURN_IF_ERROR(decoder.Decode(*root_, nullptr, 0, out));
  if (decoder.remaining() != 0) {
    return InvalidArgument("/: the input goes on for {} more bytes after the datum",
                           decoder.remaining());
  }
  return out;
}

Result<Buffer> Schema::EncodeJson(const nlohmann::json& value) const {
  Buffer out;
  JsonEncoder encoder(out);
  HERALD_RETURN_IF_ERROR(encoder.Encode(*root_, value, nullptr, 0, false));
  return out;
}

std::vector<std::string> ReadIncompatibilities(const Schema& reader, const Schema& writer) {
  CompatibilityChecker checker;
  const Findings findings = checker.Check(reader.root(), writer.root());
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const Finding& finding : findings) {
    std::string message =
        fmt::format("{}: {}", finding.path.empty() ? "/" : finding.path, finding.problem);
    if (seen.insert(message).second) out.push_back(std::move(message));
  }
  return out;
}

}  // namespace herald::registry::avro
