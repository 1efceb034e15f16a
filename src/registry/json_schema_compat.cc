// Confluent Schema Registry's JSON Schema compatibility rules
// (io.confluent.kafka.schemaregistry.json.diff), reimplemented over the parsed documents.
//
// Confluent loads both schemas with the everit library into typed schema objects and diffs them
// with the writer's schema as the original and the reader's as the update; each difference has a
// type, and the types outside its COMPATIBLE_CHANGES set make the change incompatible. This file
// builds the same typed view of a schema object on demand (a "view": the everit class a schema
// object loads as, with the object's keywords), diffs two views by Confluent's rules and keeps
// only the incompatible differences, since a compatible difference never changes a verdict.
//
// Where everit loads one object as several schemas (`{"type": "string", "enum": [...]}` is an
// enum schema and a string schema), the view is a synthetic allOf of those "facets", as in
// everit. `format` is an annotation here and makes no facet (everit makes it a string schema,
// so that adding a format to an integer would change its type). A `$ref` is followed (drafts up
// to 7 ignore its siblings; from 2019-09 on, siblings that assert something make an allOf with
// the target). 2020-12's `prefixItems` and `items` are draft-07's tuple `items` and
// `additionalItems`; 2019-09's `dependentRequired` and `dependentSchemas` are draft-07's
// `dependencies`; `unevaluatedProperties` and `unevaluatedItems` (false or a schema) close or
// partially open the content model where additionalProperties/additionalItems leave it open,
// as Confluent's ArraySchemaDiff has it for arrays.
//
// Deviations from Confluent's code, where it is wrong: exclusiveMaximum narrowing compares the
// two exclusive maxima; multipleOf compares the values (not their truncations to int, and not
// their decimal scales); an unevaluated* of true is as absent. Beyond Confluent's messages, when
// the subschemas of two combined schemas do not pair up (COMBINED_TYPE_SUBSCHEMAS_CHANGED), the
// differences between a writer's subschema left over and the reader's of the same kind are
// reported too (the ENUM_ARRAY_NARROWED under the enum+string of `{"type": "string", "enum": ..}`).
// Not compared, as in Confluent: if/then/else, contains, propertyNames, draft 4's boolean
// exclusiveMaximum/exclusiveMinimum.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "base/json.h"
#include "registry/json_schema.h"
#include "registry/pattern.h"

namespace herald::registry::json_schema {
namespace {

using Json = nlohmann::json;

// Bounds of the walk: the pairs of schemas compared nest at most kMaxDepth deep (references can
// make a walk deeper than the documents), and at most kMaxSteps pairs are compared in all (a
// oneOf of oneOfs is compared pairwise); past either, a pair is reported as not compared, which
// makes the change incompatible.
constexpr int kMaxDepth = 128;
constexpr uint64_t kMaxSteps = uint64_t{1} << 17;
// A chain of references (a `$ref` to a `$ref` ...) is followed at most this far.
constexpr int kMaxReferenceHops = 64;
// At most this many differences are kept per pair of schemas (and so in all).
constexpr size_t kMaxFindings = 100;

// ---- Differences -----------------------------------------------------------------------------

// The incompatible types of Confluent's Difference.Type (those outside COMPATIBLE_CHANGES), and
// kNotCompared for a pair past the bounds above.
enum class Change {
  kSchemaAdded,
  kTypeNarrowed,
  kTypeChanged,
  kMaxLengthAdded,
  kMaxLengthDecreased,
  kMinLengthAdded,
  kMinLengthIncreased,
  kPatternAdded,
  kPatternChanged,
  kMaximumAdded,
  kMaximumDecreased,
  kMinimumAdded,
  kMinimumIncreased,
  kExclusiveMaximumAdded,
  kExclusiveMaximumDecreased,
  kExclusiveMinimumAdded,
  kExclusiveMinimumIncreased,
  kMultipleOfAdded,
  kMultipleOfExpanded,
  kMultipleOfChanged,
  kRequiredAttributeAdded,
  kMaxPropertiesAdded,
  kMaxPropertiesDecreased,
  kMinPropertiesAdded,
  kMinPropertiesIncreased,
  kAdditionalPropertiesRemoved,
  kAdditionalPropertiesNarrowed,
  kUnevaluatedPropertiesRemoved,
  kUnevaluatedPropertiesNarrowed,
  kDependencyArrayAdded,
  kDependencyArrayExtended,
  kDependencyArrayChanged,
  kDependencySchemaAdded,
  kPropertyAddedToOpenContentModel,
  kRequiredPropertyAddedToUnopenContentModel,
  kPropertyRemovedFromClosedContentModel,
  kPropertyRemovedNotCoveredByPartiallyOpenContentModel,
  kPropertyAddedNotCoveredByPartiallyOpenContentModel,
  kMaxItemsAdded,
  kMaxItemsDecreased,
  kMinItemsAdded,
  kMinItemsIncreased,
  kMaxContainsAdded,
  kMaxContainsDecreased,
  kMinContainsAdded,
  kMinContainsIncreased,
  kUniqueItemsAdded,
  kAdditionalItemsRemoved,
  kAdditionalItemsNarrowed,
  kUnevaluatedItemsRemoved,
  kUnevaluatedItemsNarrowed,
  kItemAddedToOpenContentModel,
  kItemRemovedFromClosedContentModel,
  kItemRemovedNotCoveredByPartiallyOpenContentModel,
  kItemAddedNotCoveredByPartiallyOpenContentModel,
  kEnumArrayNarrowed,
  kEnumArrayChanged,
  kCombinedTypeChanged,
  kProductTypeExtended,
  kSumTypeNarrowed,
  kCombinedTypeSubschemasChanged,
  kNotTypeExtended,
  kNotCompared,
};

struct ChangeInfo {
  std::string_view name;
  // Said when the finding has no more specific detail.
  std::string_view why;
};

ChangeInfo Info(Change change) {
  switch (change) {
    case Change::kSchemaAdded:
      return {"SCHEMA_ADDED", "the reader adds a schema where the writer has none"};
    case Change::kTypeNarrowed:
      return {"TYPE_NARROWED", "the writer allows any number, the reader only integers"};
    case Change::kTypeChanged:
      return {"TYPE_CHANGED", "the reader's type differs from the writer's"};
    case Change::kMaxLengthAdded:
      return {"MAX_LENGTH_ADDED", "the reader adds maxLength"};
    case Change::kMaxLengthDecreased:
      return {"MAX_LENGTH_DECREASED", "the reader's maxLength is lower"};
    case Change::kMinLengthAdded:
      return {"MIN_LENGTH_ADDED", "the reader adds minLength"};
    case Change::kMinLengthIncreased:
      return {"MIN_LENGTH_INCREASED", "the reader's minLength is higher"};
    case Change::kPatternAdded:
      return {"PATTERN_ADDED", "the reader adds a pattern"};
    case Change::kPatternChanged:
      return {"PATTERN_CHANGED", "the reader's pattern differs from the writer's"};
    case Change::kMaximumAdded:
      return {"MAXIMUM_ADDED", "the reader adds maximum"};
    case Change::kMaximumDecreased:
      return {"MAXIMUM_DECREASED", "the reader's maximum is lower"};
    case Change::kMinimumAdded:
      return {"MINIMUM_ADDED", "the reader adds minimum"};
    case Change::kMinimumIncreased:
      return {"MINIMUM_INCREASED", "the reader's minimum is higher"};
    case Change::kExclusiveMaximumAdded:
      return {"EXCLUSIVE_MAXIMUM_ADDED", "the reader adds exclusiveMaximum"};
    case Change::kExclusiveMaximumDecreased:
      return {"EXCLUSIVE_MAXIMUM_DECREASED", "the reader's exclusiveMaximum is lower"};
    case Change::kExclusiveMinimumAdded:
      return {"EXCLUSIVE_MINIMUM_ADDED", "the reader adds exclusiveMinimum"};
    case Change::kExclusiveMinimumIncreased:
      return {"EXCLUSIVE_MINIMUM_INCREASED", "the reader's exclusiveMinimum is higher"};
    case Change::kMultipleOfAdded:
      return {"MULTIPLE_OF_ADDED", "the reader adds multipleOf"};
    case Change::kMultipleOfExpanded:
      return {"MULTIPLE_OF_EXPANDED", "the reader's multipleOf is a multiple of the writer's"};
    case Change::kMultipleOfChanged:
      return {"MULTIPLE_OF_CHANGED", "the reader's multipleOf does not divide the writer's"};
    case Change::kRequiredAttributeAdded:
      return {"REQUIRED_ATTRIBUTE_ADDED", "the reader requires a property the writer does not"};
    case Change::kMaxPropertiesAdded:
      return {"MAX_PROPERTIES_ADDED", "the reader adds maxProperties"};
    case Change::kMaxPropertiesDecreased:
      return {"MAX_PROPERTIES_DECREASED", "the reader's maxProperties is lower"};
    case Change::kMinPropertiesAdded:
      return {"MIN_PROPERTIES_ADDED", "the reader adds minProperties"};
    case Change::kMinPropertiesIncreased:
      return {"MIN_PROPERTIES_INCREASED", "the reader's minProperties is higher"};
    case Change::kAdditionalPropertiesRemoved:
      return {"ADDITIONAL_PROPERTIES_REMOVED",
              "the reader forbids additional properties, the writer allows them"};
    case Change::kAdditionalPropertiesNarrowed:
      return {"ADDITIONAL_PROPERTIES_NARROWED",
              "the reader constrains additional properties the writer allows freely"};
    case Change::kUnevaluatedPropertiesRemoved:
      return {"UNEVALUATED_PROPERTIES_REMOVED",
              "the reader forbids unevaluated properties, the writer allows them"};
    case Change::kUnevaluatedPropertiesNarrowed:
      return {"UNEVALUATED_PROPERTIES_NARROWED",
              "the reader constrains unevaluated properties the writer allows freely"};
    case Change::kDependencyArrayAdded:
      return {"DEPENDENCY_ARRAY_ADDED", "the reader adds a property dependency"};
    case Change::kDependencyArrayExtended:
      return {"DEPENDENCY_ARRAY_EXTENDED", "the reader's property dependency names more"};
    case Change::kDependencyArrayChanged:
      return {"DEPENDENCY_ARRAY_CHANGED", "the reader's property dependency differs"};
    case Change::kDependencySchemaAdded:
      return {"DEPENDENCY_SCHEMA_ADDED", "the reader adds a schema dependency"};
    case Change::kPropertyAddedToOpenContentModel:
      return {"PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL",
              "the writer's open content model allows any value for the property, the reader "
              "constrains it"};
    case Change::kRequiredPropertyAddedToUnopenContentModel:
      return {"REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL",
              "the reader requires a property (without a default) that the writer's content "
              "model does not have"};
    case Change::kPropertyRemovedFromClosedContentModel:
      return {"PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL",
              "the reader's closed content model rejects a property the writer allows"};
    case Change::kPropertyRemovedNotCoveredByPartiallyOpenContentModel:
      return {"PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
              "the reader's additionalProperties/patternProperties reject values the writer "
              "allows for the property"};
    case Change::kPropertyAddedNotCoveredByPartiallyOpenContentModel:
      return {"PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
              "the writer's additionalProperties/patternProperties allow values the reader "
              "rejects for the property"};
    case Change::kMaxItemsAdded:
      return {"MAX_ITEMS_ADDED", "the reader adds maxItems"};
    case Change::kMaxItemsDecreased:
      return {"MAX_ITEMS_DECREASED", "the reader's maxItems is lower"};
    case Change::kMinItemsAdded:
      return {"MIN_ITEMS_ADDED", "the reader adds minItems"};
    case Change::kMinItemsIncreased:
      return {"MIN_ITEMS_INCREASED", "the reader's minItems is higher"};
    case Change::kMaxContainsAdded:
      return {"MAX_CONTAINS_ADDED", "the reader adds maxContains"};
    case Change::kMaxContainsDecreased:
      return {"MAX_CONTAINS_DECREASED", "the reader's maxContains is lower"};
    case Change::kMinContainsAdded:
      return {"MIN_CONTAINS_ADDED", "the reader adds minContains"};
    case Change::kMinContainsIncreased:
      return {"MIN_CONTAINS_INCREASED", "the reader's minContains is higher"};
    case Change::kUniqueItemsAdded:
      return {"UNIQUE_ITEMS_ADDED", "the reader requires unique items, the writer does not"};
    case Change::kAdditionalItemsRemoved:
      return {"ADDITIONAL_ITEMS_REMOVED",
              "the reader forbids items past its tuple, the writer allows them"};
    case Change::kAdditionalItemsNarrowed:
      return {"ADDITIONAL_ITEMS_NARROWED",
              "the reader constrains items past its tuple, the writer allows them freely"};
    case Change::kUnevaluatedItemsRemoved:
      return {"UNEVALUATED_ITEMS_REMOVED",
              "the reader forbids unevaluated items, the writer allows them"};
    case Change::kUnevaluatedItemsNarrowed:
      return {"UNEVALUATED_ITEMS_NARROWED",
              "the reader constrains unevaluated items the writer allows freely"};
    case Change::kItemAddedToOpenContentModel:
      return {"ITEM_ADDED_TO_OPEN_CONTENT_MODEL",
              "the writer's open content model allows any value at the tuple position, the "
              "reader constrains it"};
    case Change::kItemRemovedFromClosedContentModel:
      return {"ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL",
              "the reader's closed content model rejects a tuple position the writer allows"};
    case Change::kItemRemovedNotCoveredByPartiallyOpenContentModel:
      return {"ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
              "the reader's schema for further items rejects values the writer allows at the "
              "tuple position"};
    case Change::kItemAddedNotCoveredByPartiallyOpenContentModel:
      return {"ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
              "the writer's schema for further items allows values the reader rejects at the "
              "tuple position"};
    case Change::kEnumArrayNarrowed:
      return {"ENUM_ARRAY_NARROWED", "the reader's enum lacks some of the writer's values"};
    case Change::kEnumArrayChanged:
      return {"ENUM_ARRAY_CHANGED", "the reader's values differ from the writer's"};
    case Change::kCombinedTypeChanged:
      return {"COMBINED_TYPE_CHANGED", "the reader combines its subschemas differently"};
    case Change::kProductTypeExtended:
      return {"PRODUCT_TYPE_EXTENDED", "the reader's allOf has more subschemas"};
    case Change::kSumTypeNarrowed:
      return {"SUM_TYPE_NARROWED", "the reader's anyOf/oneOf has fewer subschemas"};
    case Change::kCombinedTypeSubschemasChanged:
      return {"COMBINED_TYPE_SUBSCHEMAS_CHANGED",
              "the subschemas of the writer and the reader do not pair up compatibly"};
    case Change::kNotTypeExtended:
      return {"NOT_TYPE_EXTENDED", "the reader's not excludes values the writer's allows"};
    case Change::kNotCompared:
      return {"NOT_COMPARED", "the schemas are too deep or too large to compare"};
  }
  return {"UNKNOWN", ""};
}

// One incompatible difference; `path` is relative to the pair of schemas compared, in the
// reader's schema ("/properties/age"), "" for the pair itself.
struct Finding {
  std::string path;
  Change change;
  std::string detail;
};
using Findings = std::vector<Finding>;

void Add(Findings& out, std::string path, Change change, std::string detail = {}) {
  if (out.size() < kMaxFindings) out.push_back({std::move(path), change, std::move(detail)});
}

// Adds the findings of a subschema at `prefix` from this one.
void Append(Findings& out, const Findings& found, std::string_view prefix) {
  for (const Finding& finding : found) {
    if (out.size() >= kMaxFindings) return;
    out.push_back({std::string(prefix) + finding.path, finding.change, finding.detail});
  }
}

// A JSON value for a message: ASCII, at most about 40 characters.
std::string Shown(const Json& value) {
  constexpr size_t kLimit = 40;
  std::string text = value.dump(-1, ' ', /*ensure_ascii=*/true, Json::error_handler_t::replace);
  if (text.size() > kLimit) text = text.substr(0, kLimit - 3) + "...";
  return text;
}

std::string ShownList(const std::vector<const Json*>& values) {
  constexpr size_t kShown = 5;
  std::string list;
  for (size_t i = 0; i < values.size() && i < kShown; ++i) {
    if (i > 0) list += ", ";
    list += Shown(*values[i]);
  }
  if (values.size() > kShown) list += fmt::format(" and {} more", values.size() - kShown);
  return list;
}

// ---- Keywords --------------------------------------------------------------------------------

const Json* Member(const Json& object, std::string_view key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

const Json* NumberMember(const Json& object, std::string_view key) {
  const Json* value = Member(object, key);
  return value != nullptr && value->is_number() ? value : nullptr;
}

const Json* ObjectMember(const Json& object, std::string_view key) {
  const Json* value = Member(object, key);
  return value != nullptr && value->is_object() ? value : nullptr;
}

const Json* ArrayMember(const Json& object, std::string_view key) {
  const Json* value = Member(object, key);
  return value != nullptr && value->is_array() ? value : nullptr;
}

// The strings of `array` ("required", a property dependency); none when it is not an array.
std::set<std::string> Names(const Json* array) {
  std::set<std::string> names;
  if (array == nullptr || !array->is_array()) return names;
  for (const Json& name : *array) {
    if (name.is_string()) names.insert(name.get<std::string>());
  }
  return names;
}

bool IsFalse(const Json& schema) {
  return schema.is_boolean() && !schema.get<bool>();
}

bool HasDefault(const Json& schema) {
  return schema.is_object() && schema.contains("default");
}

// additionalProperties / additionalItems (nullptr when absent): whether it allows more at all,
// and the schema it constrains them with (nullptr for a boolean or an absent keyword).
bool Permits(const Json* additional) {
  return additional == nullptr || !IsFalse(*additional);
}
const Json* SchemaOf(const Json* additional) {
  return additional != nullptr && additional->is_object() ? additional : nullptr;
}

bool HasAny(const Json& object, std::initializer_list<std::string_view> keys) {
  return std::any_of(keys.begin(), keys.end(),
                     [&](std::string_view key) { return object.contains(key); });
}

// The keywords that make everit load an object without a "type" as such a schema. `format` is
// left out of the string keywords: it is an annotation.
bool HasArrayKeywords(const Json& object, Draft draft) {
  if (HasAny(object,
             {"items", "additionalItems", "minItems", "maxItems", "uniqueItems", "contains"})) {
    return true;
  }
  if (draft >= Draft::kDraft2019_09 &&
      HasAny(object, {"maxContains", "minContains", "unevaluatedItems"})) {
    return true;
  }
  return draft == Draft::kDraft2020_12 && object.contains("prefixItems");
}
bool HasObjectKeywords(const Json& object, Draft draft) {
  if (HasAny(object, {"properties", "required", "minProperties", "maxProperties", "dependencies",
                      "patternProperties", "additionalProperties", "propertyNames"})) {
    return true;
  }
  return draft >= Draft::kDraft2019_09 &&
         HasAny(object, {"dependentRequired", "dependentSchemas", "unevaluatedProperties"});
}
bool HasNumberKeywords(const Json& object) {
  return HasAny(object,
                {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"});
}
bool HasStringKeywords(const Json& object) {
  return HasAny(object, {"minLength", "maxLength", "pattern"});
}

// ---- Patterns --------------------------------------------------------------------------------

// The patternProperties patterns of both schemas, compiled once per check.
class Patterns {
 public:
  // Whether `pattern` matches somewhere in `text` (Java's Matcher.find, as Confluent uses); false
  // when the pattern does not compile or the search gives up. Compiled as validation compiles it.
  bool Finds(const std::string& pattern, std::string_view text) {
    auto [it, inserted] = compiled_.try_emplace(pattern);
    if (inserted) {
      auto compiled = Pattern::Compile(pattern);
      if (compiled.ok()) it->second = std::move(compiled).value();
    }
    return it->second && it->second->Search(text) == Pattern::Outcome::kMatch;
  }

 private:
  std::unordered_map<std::string, std::optional<Pattern>> compiled_;
};

// ---- Views -----------------------------------------------------------------------------------

// The everit schema class an object loads as (kNode: a schema not yet looked at).
enum class Kind {
  kNode,
  kEmpty,
  kFalse,
  kString,
  kNumber,
  kBoolean,
  kNull,
  kObject,
  kArray,
  kEnum,
  kConst,
  kCombined,
  kNot,
  kConditional,
};

enum class Criterion { kAllOf, kAnyOf, kOneOf };

std::string_view CriterionName(Criterion criterion) {
  switch (criterion) {
    case Criterion::kAllOf:
      return "allOf";
    case Criterion::kAnyOf:
      return "anyOf";
    case Criterion::kOneOf:
      return "oneOf";
  }
  return "";
}

// One of the two schemas: its references resolve through `schema`, its keywords mean what
// `draft` says.
struct Side {
  const Schema* schema;
  Draft draft;
};

struct View {
  Kind kind = Kind::kEmpty;
  const Side* side = nullptr;
  // kNode: the schema (nullptr: the keyword is absent); otherwise the object whose keywords the
  // view reads.
  const Json* node = nullptr;
  // kNumber: "type": "integer".
  bool integer = false;
  // kCombined: how `subs` combine, and whether they are facets of `node` (or the types of a
  // "type" array) rather than an allOf/anyOf/oneOf written in the schema.
  Criterion criterion = Criterion::kAllOf;
  bool synthetic = false;
  std::vector<View> subs;
  // The path from the combined schema holding this one to it, on this view's side ("/oneOf/2");
  // empty for a facet.
  std::string segment;
};

View Facet(Kind kind, const Side* side, const Json* node) {
  View view;
  view.kind = kind;
  view.side = side;
  view.node = node;
  return view;
}

View NodeView(const Side* side, const Json* node) {
  return Facet(Kind::kNode, side, node);
}

// The schema `node` (possibly nullptr) on the side of `parent`.
View At(const View& parent, const Json* node) {
  return NodeView(parent.side, node);
}

View Combination(const Side* side, const Json* node, Criterion criterion, bool synthetic) {
  View view = Facet(Kind::kCombined, side, node);
  view.criterion = criterion;
  view.synthetic = synthetic;
  return view;
}

// What everit loads `node` as (`node` with its references already followed; see Resolve).
View Classify(const Side* side, const Json& node, bool ignore_reference = false);

// Whether a `$ref` of `node` stands alone: drafts up to 7 ignore its siblings; later drafts apply
// them too, which matters when one of them asserts something.
bool ReferenceStandsAlone(const Side* side, const Json& node) {
  return side->draft <= Draft::kDraft7 ||
         Classify(side, node, /*ignore_reference=*/true).kind == Kind::kEmpty;
}

// `node` with the references that stand alone followed (everit's ReferenceSchema is its
// referred schema to Confluent).
const Json* Resolve(const Side* side, const Json* node) {
  for (int hop = 0; hop < kMaxReferenceHops; ++hop) {
    if (!node->is_object()) return node;
    const Json* target = side->schema->Target(*node);
    if (target == nullptr || !ReferenceStandsAlone(side, *node)) return node;
    node = target;
  }
  return node;
}

// The schema of one type of "type", as everit's TypeBasedSchemaExtractor builds it; marks the
// keywords of that type consumed.
struct Consumed {
  bool object = false;
  bool array = false;
  bool number = false;
  bool string = false;
};

View Typed(const Side* side, const Json& node, std::string_view type, Consumed& consumed) {
  if (type == "string") {
    consumed.string = true;
    return Facet(Kind::kString, side, &node);
  }
  if (type == "integer" || type == "number") {
    consumed.number = true;
    View view = Facet(Kind::kNumber, side, &node);
    view.integer = type == "integer";
    return view;
  }
  if (type == "boolean") return Facet(Kind::kBoolean, side, &node);
  if (type == "null") return Facet(Kind::kNull, side, &node);
  if (type == "array") {
    consumed.array = true;
    return Facet(Kind::kArray, side, &node);
  }
  if (type == "object") {
    consumed.object = true;
    return Facet(Kind::kObject, side, &node);
  }
  return Facet(Kind::kEmpty, side, &node);
}

View Classify(const Side* side, const Json& node, bool ignore_reference) {
  if (node.is_boolean()) return Facet(node.get<bool>() ? Kind::kEmpty : Kind::kFalse, side, &node);
  if (!node.is_object()) return Facet(Kind::kEmpty, side, &node);
  if (!ignore_reference) {
    if (const Json* target = side->schema->Target(node)) {
      View rest = Classify(side, node, /*ignore_reference=*/true);
      // A reference standing alone here is one Resolve gave up on (a chain too long).
      if (side->draft <= Draft::kDraft7 || rest.kind == Kind::kEmpty) {
        return Facet(Kind::kEmpty, side, &node);
      }
      View all = Combination(side, &node, Criterion::kAllOf, /*synthetic=*/true);
      all.subs.push_back(NodeView(side, target));
      if (rest.kind == Kind::kCombined && rest.synthetic && rest.criterion == Criterion::kAllOf) {
        for (View& sub : rest.subs) all.subs.push_back(std::move(sub));
      } else {
        all.subs.push_back(std::move(rest));
      }
      return all;
    }
  }

  // The facets in the order of everit's extractors.
  std::vector<View> facets;
  if (node.contains("enum")) facets.push_back(Facet(Kind::kEnum, side, &node));
  std::vector<View> combinations;
  for (auto [keyword, criterion] :
       {std::pair{"allOf", Criterion::kAllOf}, std::pair{"anyOf", Criterion::kAnyOf},
        std::pair{"oneOf", Criterion::kOneOf}}) {
    const Json* list = ArrayMember(node, keyword);
    if (list == nullptr) continue;
    View combination = Combination(side, &node, criterion, /*synthetic=*/false);
    for (size_t i = 0; i < list->size(); ++i) {
      View sub = NodeView(side, &(*list)[i]);
      sub.segment = fmt::format("/{}/{}", keyword, i);
      combination.subs.push_back(std::move(sub));
    }
    combinations.push_back(std::move(combination));
  }
  if (combinations.size() == 1) {
    facets.push_back(std::move(combinations.front()));
  } else if (combinations.size() > 1) {
    View all = Combination(side, &node, Criterion::kAllOf, /*synthetic=*/true);
    all.subs = std::move(combinations);
    facets.push_back(std::move(all));
  }
  if (node.contains("not")) facets.push_back(Facet(Kind::kNot, side, &node));
  if (side->draft != Draft::kDraft4 && node.contains("const")) {
    facets.push_back(Facet(Kind::kConst, side, &node));
  }
  Consumed consumed;
  if (const Json* type = Member(node, "type")) {
    if (type->is_string()) {
      facets.push_back(Typed(side, node, type->get_ref<const std::string&>(), consumed));
    } else if (type->is_array()) {
      View any = Combination(side, &node, Criterion::kAnyOf, /*synthetic=*/true);
      for (const Json& name : *type) {
        if (name.is_string()) {
          any.subs.push_back(Typed(side, node, name.get_ref<const std::string&>(), consumed));
        }
      }
      facets.push_back(std::move(any));
    }
  }
  if (!consumed.array && HasArrayKeywords(node, side->draft)) {
    facets.push_back(Facet(Kind::kArray, side, &node));
  }
  if (!consumed.object && HasObjectKeywords(node, side->draft)) {
    facets.push_back(Facet(Kind::kObject, side, &node));
  }
  if (!consumed.number && HasNumberKeywords(node)) {
    facets.push_back(Facet(Kind::kNumber, side, &node));
  }
  if (!consumed.string && HasStringKeywords(node)) {
    facets.push_back(Facet(Kind::kString, side, &node));
  }
  if (side->draft >= Draft::kDraft7 && HasAny(node, {"if", "then", "else"})) {
    facets.push_back(Facet(Kind::kConditional, side, &node));
  }

  if (facets.empty()) return Facet(Kind::kEmpty, side, &node);
  if (facets.size() == 1) return std::move(facets.front());
  View all = Combination(side, &node, Criterion::kAllOf, /*synthetic=*/true);
  all.subs = std::move(facets);
  return all;
}

// The view of `view`, looked at if it is a node.
View Expand(const View& view) {
  if (view.kind != Kind::kNode) return view;
  View expanded = Classify(view.side, *Resolve(view.side, view.node));
  expanded.segment = view.segment;
  return expanded;
}

// Whether `node` loads as everit's EmptySchema (true, or an object that asserts nothing): a
// reference does not, even to an empty schema.
bool IsEmptySchema(const Side* side, const Json& node) {
  if (node.is_boolean()) return node.get<bool>();
  return node.is_object() && side->schema->Target(node) == nullptr &&
         Classify(side, node).kind == Kind::kEmpty;
}

// What unevaluatedProperties / unevaluatedItems (2019-09 on; nullptr when absent) leave to the
// properties or items nothing else evaluates: anything (absent, true, an empty schema), nothing
// (false), or what a schema allows.
enum class Rest { kOpen, kClosed, kSchema };

Rest RestOf(const Side* side, const Json* unevaluated) {
  if (unevaluated == nullptr || side->draft < Draft::kDraft2019_09) return Rest::kOpen;
  if (IsFalse(*unevaluated)) return Rest::kClosed;
  return IsEmptySchema(side, *unevaluated) ? Rest::kOpen : Rest::kSchema;
}

// The content model of an object or array schema for the properties or items it does not list:
// open (anything goes) when additionalProperties/additionalItems and unevaluated* allow anything,
// partially open when one of them gives a schema (`partial`), closed otherwise.
bool IsOpen(const Side* side, const Json* additional, const Json* unevaluated) {
  return Permits(additional) && SchemaOf(additional) == nullptr &&
         RestOf(side, unevaluated) == Rest::kOpen;
}
const Json* Partial(const Side* side, const Json* additional, const Json* unevaluated) {
  if (const Json* schema = SchemaOf(additional)) return schema;
  if (Permits(additional) && RestOf(side, unevaluated) == Rest::kSchema) return unevaluated;
  return nullptr;
}

// "string", "integer", "oneOf", "enum+string" (a synthetic allOf), "string|null" (a "type"
// array) ... for messages.
std::string Describe(const View& view, bool nested = false) {
  switch (view.kind) {
    case Kind::kNode:
      return nested ? "schema" : Describe(Expand(view), /*nested=*/true);
    case Kind::kEmpty:
      return "empty schema";
    case Kind::kFalse:
      return "false schema";
    case Kind::kString:
      return "string";
    case Kind::kNumber:
      return view.integer ? "integer" : "number";
    case Kind::kBoolean:
      return "boolean";
    case Kind::kNull:
      return "null";
    case Kind::kObject:
      return "object";
    case Kind::kArray:
      return "array";
    case Kind::kEnum:
      return "enum";
    case Kind::kConst:
      return "const";
    case Kind::kNot:
      return "not";
    case Kind::kConditional:
      return "if/then/else";
    case Kind::kCombined: {
      if (!view.synthetic || nested) return std::string(CriterionName(view.criterion));
      std::string text;
      for (const View& sub : view.subs) {
        if (!text.empty()) text += view.criterion == Criterion::kAllOf ? "+" : "|";
        text += Describe(sub.kind == Kind::kNode ? Expand(sub) : sub, /*nested=*/true);
      }
      return text;
    }
  }
  return "schema";
}

// ---- The comparison --------------------------------------------------------------------------

class Checker {
 public:
  Checker(const Schema& reader, const Schema& writer)
      : reader_{&reader, reader.draft()}, writer_{&writer, writer.draft()} {}

  Findings Run() {
    return Pair(NodeView(&writer_, &writer_.schema->document()),
                NodeView(&reader_, &reader_.schema->document()));
  }

 private:
  // Compares the writer's schema `w` with the reader's `r` (Confluent's SchemaDiff.compare).
  Findings Pair(const View& w, const View& r);
  Findings Views(const View& w, const View& r);

  void Strings(const View& w, const View& r, Findings& out);
  void Numbers(const View& w, const View& r, Findings& out);
  void Enums(const View& w, const View& r, Findings& out);
  void Consts(const View& w, const View& r, Findings& out);
  void Combined(const View& w, const View& r, Findings& out);
  void Nots(const View& w, const View& r, Findings& out);
  void Objects(const View& w, const View& r, Findings& out);
  void Dependencies(const View& w, const View& r, Findings& out);
  void Arrays(const View& w, const View& r, Findings& out);

  // The schema an object's patternProperties, additionalProperties or unevaluatedProperties give
  // a property it does not list; nullptr when they give none.
  const Json* PartialSchema(const View& object, const std::string& key);
  // unevaluatedProperties / unevaluatedItems at `keyword`.
  void Unevaluated(const View& w, const View& r, std::string_view keyword, Change removed,
                   Change narrowed, Findings& out);

  Side reader_;
  Side writer_;
  // The findings of the pairs of schema nodes compared, and the pairs being compared (a pair met
  // again while being compared is a recursion, taken as compatible, as Confluent does).
  std::map<std::pair<const Json*, const Json*>, Findings> memo_;
  std::set<std::pair<const Json*, const Json*>> in_progress_;
  Patterns patterns_;
  int depth_ = 0;
  uint64_t steps_ = 0;
};

Findings Checker::Pair(const View& w, const View& r) {
  const bool w_absent = w.kind == Kind::kNode && w.node == nullptr;
  const bool r_absent = r.kind == Kind::kNode && r.node == nullptr;
  if (w_absent) {
    if (r_absent) return {};
    return {{"", Change::kSchemaAdded, ""}};
  }
  if (r_absent) return {};  // SCHEMA_REMOVED
  if (depth_ >= kMaxDepth) {
    return {
        {"", Change::kNotCompared,
         fmt::format("the schemas nest deeper than {} levels; not compared further", kMaxDepth)}};
  }
  if (++steps_ > kMaxSteps) {
    return {
        {"", Change::kNotCompared,
         fmt::format("more than {} pairs of schemas to compare; not compared further", kMaxSteps)}};
  }
  ++depth_;
  Findings found;
  if (w.kind == Kind::kNode && r.kind == Kind::kNode) {
    const Json* w_node = Resolve(w.side, w.node);
    const Json* r_node = Resolve(r.side, r.node);
    const std::pair key{w_node, r_node};
    if (auto it = memo_.find(key); it != memo_.end()) {
      found = it->second;
    } else if (in_progress_.insert(key).second) {
      found = Views(Classify(w.side, *w_node), Classify(r.side, *r_node));
      in_progress_.erase(key);
      memo_.emplace(key, found);
    }
  } else {
    found = Views(Expand(w), Expand(r));
  }
  --depth_;
  return found;
}

Findings Checker::Views(const View& w, const View& r) {
  // A schema and a combined one: compatible when a subschema that stands for the combination
  // is (SUM_TYPE_EXTENDED, PRODUCT_TYPE_NARROWED); otherwise the type has changed.
  if (w.kind != Kind::kCombined && r.kind == Kind::kCombined) {
    if (r.subs.size() == 1) {
      if (Pair(w, r.subs.front()).empty()) return {};
    } else if (r.criterion != Criterion::kAllOf) {
      for (const View& sub : r.subs) {
        if (Pair(w, sub).empty()) return {};
      }
    }
  } else if (w.kind == Kind::kCombined && r.kind != Kind::kCombined) {
    if (w.subs.size() == 1) {
      if (Pair(w.subs.front(), r).empty()) return {};
    } else if (w.criterion == Criterion::kAllOf) {
      for (const View& sub : w.subs) {
        if (Pair(sub, r).empty()) return {};
      }
    }
  }
  if (w.kind != r.kind) {
    // Anything may become the empty schema (true), and false may become anything.
    if (w.kind == Kind::kFalse || r.kind == Kind::kEmpty) return {};
    std::string detail;
    if (r.kind == Kind::kCombined && !r.synthetic) {
      detail = fmt::format("no subschema of the reader's {} accepts the writer's {}",
                           CriterionName(r.criterion), Describe(w));
    } else {
      detail = fmt::format("the writer's {} became {}", Describe(w), Describe(r));
    }
    return {{"", Change::kTypeChanged, std::move(detail)}};
  }

  Findings out;
  switch (w.kind) {
    case Kind::kString:
      Strings(w, r, out);
      break;
    case Kind::kNumber:
      Numbers(w, r, out);
      break;
    case Kind::kEnum:
      Enums(w, r, out);
      break;
    case Kind::kConst:
      Consts(w, r, out);
      break;
    case Kind::kCombined:
      Combined(w, r, out);
      break;
    case Kind::kNot:
      Nots(w, r, out);
      break;
    case Kind::kObject:
      Objects(w, r, out);
      break;
    case Kind::kArray:
      Arrays(w, r, out);
      break;
    case Kind::kNode:  // expanded before
    case Kind::kEmpty:
    case Kind::kFalse:
    case Kind::kBoolean:
    case Kind::kNull:
    case Kind::kConditional:  // Confluent compares nothing of if/then/else
      break;
  }
  return out;
}

// A bound such as maxLength (`upper`) or minLength: adding one, or making it stricter, is
// incompatible; removing or relaxing it is not.
void Bound(Findings& out, const Json& w, const Json& r, std::string_view keyword, bool upper,
           Change added, Change stricter) {
  const Json* reader_bound = NumberMember(r, keyword);
  if (reader_bound == nullptr) return;
  const std::string path = fmt::format("/{}", keyword);
  const Json* writer_bound = NumberMember(w, keyword);
  if (writer_bound == nullptr) {
    Add(out, path, added,
        fmt::format("the reader adds {} {}, the writer has none", keyword, Shown(*reader_bound)));
    return;
  }
  const double before = writer_bound->get<double>();
  const double after = reader_bound->get<double>();
  if (upper ? after < before : after > before) {
    Add(out, path, stricter,
        fmt::format("the reader's {} {} is {} than the writer's {}", keyword, Shown(*reader_bound),
                    upper ? "lower" : "higher", Shown(*writer_bound)));
  }
}

void Checker::Strings(const View& w, const View& r, Findings& out) {
  Bound(out, *w.node, *r.node, "maxLength", /*upper=*/true, Change::kMaxLengthAdded,
        Change::kMaxLengthDecreased);
  Bound(out, *w.node, *r.node, "minLength", /*upper=*/false, Change::kMinLengthAdded,
        Change::kMinLengthIncreased);
  const Json* w_pattern = Member(*w.node, "pattern");
  const Json* r_pattern = Member(*r.node, "pattern");
  if (r_pattern == nullptr) return;  // PATTERN_REMOVED
  if (w_pattern == nullptr) {
    Add(out, "/pattern", Change::kPatternAdded,
        fmt::format("the reader adds pattern {}", Shown(*r_pattern)));
  } else if (*w_pattern != *r_pattern) {
    Add(out, "/pattern", Change::kPatternChanged,
        fmt::format("the writer's pattern {} became {}", Shown(*w_pattern), Shown(*r_pattern)));
  }
}

// Whether `a` is a whole multiple of `b`.
bool IsMultiple(double a, double b) {
  if (b == 0) return false;
  const double quotient = a / b;
  return std::abs(quotient - std::round(quotient)) <= 1e-9 * std::max(1.0, std::abs(quotient));
}

void Checker::Numbers(const View& w, const View& r, Findings& out) {
  const Json& wn = *w.node;
  const Json& rn = *r.node;
  Bound(out, wn, rn, "maximum", /*upper=*/true, Change::kMaximumAdded, Change::kMaximumDecreased);
  Bound(out, wn, rn, "minimum", /*upper=*/false, Change::kMinimumAdded, Change::kMinimumIncreased);
  // Draft 4's boolean exclusiveMaximum/exclusiveMinimum are not numbers, and are not compared.
  Bound(out, wn, rn, "exclusiveMaximum", /*upper=*/true, Change::kExclusiveMaximumAdded,
        Change::kExclusiveMaximumDecreased);
  Bound(out, wn, rn, "exclusiveMinimum", /*upper=*/false, Change::kExclusiveMinimumAdded,
        Change::kExclusiveMinimumIncreased);

  const Json* w_multiple = NumberMember(wn, "multipleOf");
  const Json* r_multiple = NumberMember(rn, "multipleOf");
  if (r_multiple != nullptr) {
    if (w_multiple == nullptr) {
      Add(out, "/multipleOf", Change::kMultipleOfAdded,
          fmt::format("the reader adds multipleOf {}", Shown(*r_multiple)));
    } else {
      const double before = w_multiple->get<double>();
      const double after = r_multiple->get<double>();
      if (after == before || IsMultiple(before, after)) {
        // MULTIPLE_OF_REDUCED: every multiple of the writer's is one of the reader's.
      } else if (IsMultiple(after, before)) {
        Add(out, "/multipleOf", Change::kMultipleOfExpanded,
            fmt::format("the reader's multipleOf {} is a multiple of the writer's {}",
                        Shown(*r_multiple), Shown(*w_multiple)));
      } else {
        Add(out, "/multipleOf", Change::kMultipleOfChanged,
            fmt::format("the reader's multipleOf {} does not divide the writer's {}",
                        Shown(*r_multiple), Shown(*w_multiple)));
      }
    }
  }
  if (!w.integer && r.integer) Add(out, "", Change::kTypeNarrowed);  // integer -> number extends
}

void Checker::Enums(const View& w, const View& r, Findings& out) {
  const Json* w_values = ArrayMember(*w.node, "enum");
  const Json* r_values = ArrayMember(*r.node, "enum");
  if (w_values == nullptr || r_values == nullptr || *w_values == *r_values) return;
  const std::set<Json> reader_set(r_values->begin(), r_values->end());
  std::vector<const Json*> missing;
  for (const Json& value : *w_values) {
    if (!reader_set.contains(value)) missing.push_back(&value);
  }
  if (missing.empty()) return;  // ENUM_ARRAY_EXTENDED (or reordered)
  const std::set<Json> writer_set(w_values->begin(), w_values->end());
  const bool narrowed = std::all_of(r_values->begin(), r_values->end(),
                                    [&](const Json& value) { return writer_set.contains(value); });
  Add(out, "/enum", narrowed ? Change::kEnumArrayNarrowed : Change::kEnumArrayChanged,
      fmt::format("the reader's enum lacks the writer's {}", ShownList(missing)));
}

void Checker::Consts(const View& w, const View& r, Findings& out) {
  const Json* w_value = Member(*w.node, "const");
  const Json* r_value = Member(*r.node, "const");
  if (w_value == nullptr || r_value == nullptr || *w_value == *r_value) return;
  Add(out, "/const", Change::kEnumArrayChanged,
      fmt::format("the writer's const {} became {}", Shown(*w_value), Shown(*r_value)));
}

// The subschemas with duplicates dropped (Confluent collapses equal subschemas).
std::vector<const View*> Distinct(const std::vector<View>& subs) {
  std::vector<const View*> out;
  for (const View& sub : subs) {
    const bool duplicate = std::any_of(out.begin(), out.end(), [&](const View* seen) {
      return sub.kind == Kind::kNode && seen->kind == Kind::kNode && *sub.node == *seen->node;
    });
    if (!duplicate) out.push_back(&sub);
  }
  return out;
}

// Augments the matching `owner` (reader subschema -> writer subschema) from writer subschema
// `i` (Kuhn's algorithm).
bool Augment(size_t i, const std::vector<std::vector<bool>>& compatible, std::vector<bool>& seen,
             std::vector<int>& owner) {
  for (size_t j = 0; j < owner.size(); ++j) {
    if (!compatible[i][j] || seen[j]) continue;
    seen[j] = true;
    if (owner[j] < 0 || Augment(static_cast<size_t>(owner[j]), compatible, seen, owner)) {
      owner[j] = static_cast<int>(i);
      return true;
    }
  }
  return false;
}

void Checker::Combined(const View& w, const View& r, Findings& out) {
  if (w.criterion != r.criterion) {
    // anyOf accepts what allOf and oneOf do; a single subschema reads the same under each.
    bool extended = false;
    switch (r.criterion) {
      case Criterion::kAnyOf:
        extended = true;
        break;
      case Criterion::kOneOf:
        extended = w.subs.size() == 1;
        break;
      case Criterion::kAllOf:
        extended = w.subs.size() == 1 && r.subs.size() == 1;
        break;
    }
    if (!extended) {
      Add(out, "", Change::kCombinedTypeChanged,
          fmt::format("the writer's {} became {}", CriterionName(w.criterion),
                      CriterionName(r.criterion)));
      return;
    }
  }
  const std::vector<const View*> w_subs = Distinct(w.subs);
  const std::vector<const View*> r_subs = Distinct(r.subs);
  if (w_subs.size() < r_subs.size() && r.criterion == Criterion::kAllOf) {
    Add(out, "", Change::kProductTypeExtended,
        fmt::format("the reader's allOf has {} subschemas, the writer's {}", r_subs.size(),
                    w_subs.size()));
  } else if (w_subs.size() > r_subs.size() && r.criterion != Criterion::kAllOf) {
    Add(out, "", Change::kSumTypeNarrowed,
        fmt::format("the reader's {} has {} subschemas, the writer's {}",
                    CriterionName(r.criterion), r_subs.size(), w_subs.size()));
  }

  // The subschemas must pair up compatibly, as many as the smaller side has.
  std::vector<std::vector<bool>> compatible(w_subs.size(), std::vector<bool>(r_subs.size()));
  for (size_t i = 0; i < w_subs.size(); ++i) {
    for (size_t j = 0; j < r_subs.size(); ++j) {
      compatible[i][j] = Pair(*w_subs[i], *r_subs[j]).empty();
    }
  }
  std::vector<int> owner(r_subs.size(), -1);
  size_t matched = 0;
  for (size_t i = 0; i < w_subs.size(); ++i) {
    std::vector<bool> seen(r_subs.size());
    if (Augment(i, compatible, seen, owner)) ++matched;
  }
  if (matched >= std::min(w_subs.size(), r_subs.size())) return;

  std::vector<bool> w_matched(w_subs.size());
  for (int i : owner) {
    if (i >= 0) w_matched[static_cast<size_t>(i)] = true;
  }
  std::string unmatched;
  for (size_t i = 0; i < w_subs.size(); ++i) {
    if (w_matched[i]) continue;
    if (!unmatched.empty()) unmatched += ", ";
    unmatched += Describe(*w_subs[i], /*nested=*/false);
    // Say why, from the reader's subschema of the same kind (the enum of an enum+string).
    const View w_sub = Expand(*w_subs[i]);
    for (const View* r_sub : r_subs) {
      if (Expand(*r_sub).kind != w_sub.kind) continue;
      Append(out, Pair(*w_subs[i], *r_sub), r_sub->segment);
      break;
    }
  }
  Add(out, "", Change::kCombinedTypeSubschemasChanged,
      fmt::format("nothing in the reader's {} accepts the writer's {}", Describe(r), unmatched));
}

void Checker::Nots(const View& w, const View& r, Findings& out) {
  // The reader may exclude less: its excluded schema must read as the writer's.
  if (!Pair(At(r, Member(*r.node, "not")), At(w, Member(*w.node, "not"))).empty()) {
    Add(out, "/not", Change::kNotTypeExtended);
  }
}

const Json* Checker::PartialSchema(const View& object, const std::string& key) {
  if (const Json* patterns = ObjectMember(*object.node, "patternProperties")) {
    for (const auto& [pattern, schema] : patterns->items()) {
      if (patterns_.Finds(pattern, key)) return &schema;
    }
  }
  return Partial(object.side, Member(*object.node, "additionalProperties"),
                 Member(*object.node, "unevaluatedProperties"));
}

// Whether an object schema has the open content model: any property it does not list may have
// any value.
bool IsOpenObject(const View& object) {
  const Json* patterns = ObjectMember(*object.node, "patternProperties");
  return (patterns == nullptr || patterns->empty()) &&
         IsOpen(object.side, Member(*object.node, "additionalProperties"),
                Member(*object.node, "unevaluatedProperties"));
}

void Checker::Unevaluated(const View& w, const View& r, std::string_view keyword, Change removed,
                          Change narrowed, Findings& out) {
  const Json* w_rest = Member(*w.node, keyword);
  const Json* r_rest = Member(*r.node, keyword);
  const Rest before = RestOf(w.side, w_rest);
  const Rest after = RestOf(r.side, r_rest);
  const std::string path = fmt::format("/{}", keyword);
  if (after == Rest::kClosed && before != Rest::kClosed) {
    Add(out, path, removed);
  } else if (after == Rest::kSchema && before == Rest::kOpen) {
    Add(out, path, narrowed);
  } else if (after == Rest::kSchema && before == Rest::kSchema) {
    Append(out, Pair(At(w, w_rest), At(r, r_rest)), path);
  }
}

void Checker::Objects(const View& w, const View& r, Findings& out) {
  const Json& wn = *w.node;
  const Json& rn = *r.node;
  const Json* w_properties = ObjectMember(wn, "properties");
  const Json* r_properties = ObjectMember(rn, "properties");
  const std::set<std::string> w_required = Names(Member(wn, "required"));
  const std::set<std::string> r_required = Names(Member(rn, "required"));

  // "required" counts for the properties both list (REQUIRED_ATTRIBUTE_*).
  if (w_properties != nullptr && r_properties != nullptr) {
    for (const auto& [key, schema] : w_properties->items()) {
      const Json* r_schema = Member(*r_properties, key);
      if (r_schema != nullptr && !w_required.contains(key) && r_required.contains(key) &&
          !HasDefault(*r_schema)) {
        Add(out, "/required/" + JsonPointerToken(key), Change::kRequiredAttributeAdded,
            fmt::format("the reader requires '{}', which the writer leaves optional", key));
      }
    }
  }

  // Properties the writer lists: compared, or removed. Only the reader's content model matters
  // for a removed one: its open content model reads anything.
  if (w_properties != nullptr) {
    for (const auto& [key, w_schema] : w_properties->items()) {
      const std::string path = "/properties/" + JsonPointerToken(key);
      const Json* r_schema = r_properties != nullptr ? Member(*r_properties, key) : nullptr;
      if (r_schema != nullptr) {
        Append(out, Pair(At(w, &w_schema), At(r, r_schema)), path);
        continue;
      }
      if (IsOpenObject(r)) continue;  // PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL
      if (const Json* partial = PartialSchema(r, key)) {
        const Findings covered = Pair(At(w, &w_schema), At(r, partial));
        if (!covered.empty()) {
          Append(out, covered, path);
          Add(out, path, Change::kPropertyRemovedNotCoveredByPartiallyOpenContentModel,
              fmt::format("the reader's additionalProperties/patternProperties do not read every "
                          "value the writer allows for '{}'",
                          key));
        }
        continue;
      }
      if (!IsFalse(w_schema)) {
        Add(out, path, Change::kPropertyRemovedFromClosedContentModel,
            fmt::format("the reader's closed content model rejects '{}', which the writer allows",
                        key));
      }
    }
  }

  // Properties only the reader lists. Only the writer's content model matters: its closed
  // content model never writes them.
  if (r_properties != nullptr) {
    for (const auto& [key, r_schema] : r_properties->items()) {
      if (w_properties != nullptr && w_properties->contains(key)) continue;
      const std::string path = "/properties/" + JsonPointerToken(key);
      if (IsOpenObject(w)) {
        if (!IsEmptySchema(r.side, r_schema)) {
          Add(out, path, Change::kPropertyAddedToOpenContentModel,
              fmt::format("the writer's open content model allows any value for '{}', the "
                          "reader constrains it",
                          key));
        }
        continue;
      }
      if (const Json* partial = PartialSchema(w, key)) {
        const Findings covered = Pair(At(w, partial), At(r, &r_schema));
        if (!covered.empty()) {
          Append(out, covered, path);
          Add(out, path, Change::kPropertyAddedNotCoveredByPartiallyOpenContentModel,
              fmt::format("the writer's additionalProperties/patternProperties allow values for "
                          "'{}' that the reader rejects",
                          key));
        }
      }
      if (r_required.contains(key) && !HasDefault(r_schema)) {
        Add(out, path, Change::kRequiredPropertyAddedToUnopenContentModel,
            fmt::format("the reader requires '{}' (without a default), which the writer's "
                        "content model does not list",
                        key));
      }
    }
  }

  Dependencies(w, r, out);

  const Json* w_additional = Member(wn, "additionalProperties");
  const Json* r_additional = Member(rn, "additionalProperties");
  if (Permits(w_additional) != Permits(r_additional)) {
    if (!Permits(r_additional))
      Add(out, "/additionalProperties", Change::kAdditionalPropertiesRemoved);
  } else if (SchemaOf(w_additional) == nullptr && SchemaOf(r_additional) != nullptr) {
    Add(out, "/additionalProperties", Change::kAdditionalPropertiesNarrowed);
  } else if (SchemaOf(w_additional) != nullptr && SchemaOf(r_additional) != nullptr) {
    Append(out, Pair(At(w, w_additional), At(r, r_additional)), "/additionalProperties");
  }
  Unevaluated(w, r, "unevaluatedProperties", Change::kUnevaluatedPropertiesRemoved,
              Change::kUnevaluatedPropertiesNarrowed, out);

  Bound(out, wn, rn, "maxProperties", /*upper=*/true, Change::kMaxPropertiesAdded,
        Change::kMaxPropertiesDecreased);
  Bound(out, wn, rn, "minProperties", /*upper=*/false, Change::kMinPropertiesAdded,
        Change::kMinPropertiesIncreased);
}

// An object schema's property dependencies (name -> array of names) and schema dependencies
// (name -> schema), each with the keyword that holds it: draft-07's "dependencies" holds both
// (and is still read in later drafts, as validation reads it); 2019-09 splits them into
// "dependentRequired" and "dependentSchemas".
struct Dependency {
  const Json* value;
  std::string_view keyword;
};
struct DependencyMaps {
  std::map<std::string, Dependency> arrays;
  std::map<std::string, Dependency> schemas;
};

DependencyMaps DependenciesOf(const View& view) {
  DependencyMaps maps;
  if (const Json* dependencies = ObjectMember(*view.node, "dependencies")) {
    for (const auto& [key, value] : dependencies->items()) {
      (value.is_array() ? maps.arrays : maps.schemas)[key] = {&value, "dependencies"};
    }
  }
  if (view.side->draft <= Draft::kDraft7) return maps;
  if (const Json* required = ObjectMember(*view.node, "dependentRequired")) {
    for (const auto& [key, value] : required->items()) {
      maps.arrays[key] = {&value, "dependentRequired"};
    }
  }
  if (const Json* schemas = ObjectMember(*view.node, "dependentSchemas")) {
    for (const auto& [key, value] : schemas->items()) {
      maps.schemas[key] = {&value, "dependentSchemas"};
    }
  }
  return maps;
}

void Checker::Dependencies(const View& w, const View& r, Findings& out) {
  const DependencyMaps w_maps = DependenciesOf(w);
  const DependencyMaps r_maps = DependenciesOf(r);
  for (const auto& [key, r_array] : r_maps.arrays) {
    const std::string path = fmt::format("/{}/{}", r_array.keyword, JsonPointerToken(key));
    auto it = w_maps.arrays.find(key);
    if (it == w_maps.arrays.end()) {
      Add(out, path, Change::kDependencyArrayAdded,
          fmt::format("the reader adds a dependency of '{}'", key));
      continue;
    }
    const std::set<std::string> before = Names(it->second.value);
    const std::set<std::string> after = Names(r_array.value);
    // DEPENDENCY_ARRAY_NARROWED (the reader requires less) is compatible.
    if (std::includes(before.begin(), before.end(), after.begin(), after.end())) continue;
    const bool extended = std::includes(after.begin(), after.end(), before.begin(), before.end());
    Add(out, path, extended ? Change::kDependencyArrayExtended : Change::kDependencyArrayChanged,
        fmt::format("the reader's dependency of '{}' requires properties the writer's does not",
                    key));
  }
  for (const auto& [key, r_schema] : r_maps.schemas) {
    const std::string path = fmt::format("/{}/{}", r_schema.keyword, JsonPointerToken(key));
    auto it = w_maps.schemas.find(key);
    if (it == w_maps.schemas.end()) {
      Add(out, path, Change::kDependencySchemaAdded,
          fmt::format("the reader adds a schema dependency of '{}'", key));
    } else {
      Append(out, Pair(At(w, it->second.value), At(r, r_schema.value)), path);
    }
  }
}

// An array schema's keywords: the schema of all items, or a tuple of positional schemas with
// the keyword for the items past it (additionalItems; 2020-12 spells them prefixItems and
// items).
struct ArrayShape {
  const Json* all = nullptr;
  const Json* tuple = nullptr;
  const Json* additional = nullptr;
};

ArrayShape ShapeOf(const View& view) {
  const Json& node = *view.node;
  if (view.side->draft == Draft::kDraft2020_12) {
    if (const Json* prefix = ArrayMember(node, "prefixItems")) {
      return {.tuple = prefix, .additional = Member(node, "items")};
    }
    return {.all = Member(node, "items")};
  }
  const Json* items = Member(node, "items");
  if (items != nullptr && items->is_array()) {
    return {.tuple = items, .additional = Member(node, "additionalItems")};
  }
  return {.all = items, .additional = Member(node, "additionalItems")};
}

void Checker::Arrays(const View& w, const View& r, Findings& out) {
  const ArrayShape ws = ShapeOf(w);
  const ArrayShape rs = ShapeOf(r);
  const bool r2020 = r.side->draft == Draft::kDraft2020_12;
  const std::string_view tuple_keyword = r2020 ? "prefixItems" : "items";
  const std::string_view additional_path = r2020 ? "/items" : "/additionalItems";

  Append(out, Pair(At(w, ws.all), At(r, rs.all)), "/items");

  // The tuple: positions both have are compared; for the others, the content model of the side
  // without them decides, as for properties.
  const size_t w_size = ws.tuple != nullptr ? ws.tuple->size() : 0;
  const size_t r_size = rs.tuple != nullptr ? rs.tuple->size() : 0;
  const Json* w_unevaluated = Member(*w.node, "unevaluatedItems");
  const Json* r_unevaluated = Member(*r.node, "unevaluatedItems");
  const bool w_open = IsOpen(w.side, ws.additional, w_unevaluated);
  const bool r_open = IsOpen(r.side, rs.additional, r_unevaluated);
  for (size_t i = 0; i < std::max(w_size, r_size); ++i) {
    const std::string path = fmt::format("/{}/{}", tuple_keyword, i);
    if (i < w_size && i < r_size) {
      Append(out, Pair(At(w, &(*ws.tuple)[i]), At(r, &(*rs.tuple)[i])), path);
    } else if (i < w_size) {
      const Json& w_item = (*ws.tuple)[i];
      if (r_open) continue;  // ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL
      if (const Json* partial = Partial(r.side, rs.additional, r_unevaluated)) {
        const Findings covered = Pair(At(w, &w_item), At(r, partial));
        if (!covered.empty()) {
          Append(out, covered, path);
          Add(out, path, Change::kItemRemovedNotCoveredByPartiallyOpenContentModel,
              fmt::format("the reader's schema for items past its tuple does not read every "
                          "value the writer allows at position {}",
                          i));
        }
      } else if (!IsFalse(w_item)) {
        Add(out, path, Change::kItemRemovedFromClosedContentModel,
            fmt::format("the reader's closed tuple ends before position {}, which the writer "
                        "allows",
                        i));
      }
    } else {
      const Json& r_item = (*rs.tuple)[i];
      if (w_open) {
        if (!IsEmptySchema(r.side, r_item)) {
          Add(out, path, Change::kItemAddedToOpenContentModel,
              fmt::format("the writer's open tuple allows any value at position {}, the reader "
                          "constrains it",
                          i));
        }
      } else if (const Json* partial = Partial(w.side, ws.additional, w_unevaluated)) {
        const Findings covered = Pair(At(w, partial), At(r, &r_item));
        if (!covered.empty()) {
          Append(out, covered, path);
          Add(out, path, Change::kItemAddedNotCoveredByPartiallyOpenContentModel,
              fmt::format("the writer's schema for items past its tuple allows values the "
                          "reader rejects at position {}",
                          i));
        }
      }
      // Otherwise ITEM_ADDED_TO_CLOSED_CONTENT_MODEL: the writer never writes that position.
    }
  }

  if (Permits(ws.additional) != Permits(rs.additional)) {
    if (!Permits(rs.additional))
      Add(out, std::string(additional_path), Change::kAdditionalItemsRemoved);
  } else if (SchemaOf(ws.additional) == nullptr && SchemaOf(rs.additional) != nullptr) {
    Add(out, std::string(additional_path), Change::kAdditionalItemsNarrowed);
  } else if (SchemaOf(ws.additional) != nullptr && SchemaOf(rs.additional) != nullptr) {
    Append(out, Pair(At(w, ws.additional), At(r, rs.additional)), additional_path);
  }
  Unevaluated(w, r, "unevaluatedItems", Change::kUnevaluatedItemsRemoved,
              Change::kUnevaluatedItemsNarrowed, out);

  const Json& wn = *w.node;
  const Json& rn = *r.node;
  Bound(out, wn, rn, "maxItems", /*upper=*/true, Change::kMaxItemsAdded,
        Change::kMaxItemsDecreased);
  Bound(out, wn, rn, "minItems", /*upper=*/false, Change::kMinItemsAdded,
        Change::kMinItemsIncreased);
  const Json* w_unique = Member(wn, "uniqueItems");
  const Json* r_unique = Member(rn, "uniqueItems");
  const bool w_needs_unique =
      w_unique != nullptr && w_unique->is_boolean() && w_unique->get<bool>();
  const bool r_needs_unique =
      r_unique != nullptr && r_unique->is_boolean() && r_unique->get<bool>();
  if (r_needs_unique && !w_needs_unique) Add(out, "/uniqueItems", Change::kUniqueItemsAdded);
  Bound(out, wn, rn, "maxContains", /*upper=*/true, Change::kMaxContainsAdded,
        Change::kMaxContainsDecreased);
  Bound(out, wn, rn, "minContains", /*upper=*/false, Change::kMinContainsAdded,
        Change::kMinContainsIncreased);
}

}  // namespace

std::vector<std::string> ReadIncompatibilities(const Schema& reader, const Schema& writer) {
  Checker checker(reader, writer);
  const Findings findings = checker.Run();
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const Finding& finding : findings) {
    const ChangeInfo info = Info(finding.change);
    std::string message = fmt::format("#{}: {} ({})", finding.path, info.name,
                                      finding.detail.empty() ? info.why : finding.detail);
    if (seen.insert(message).second) out.push_back(std::move(message));
  }
  return out;
}

}  // namespace herald::registry::json_schema
