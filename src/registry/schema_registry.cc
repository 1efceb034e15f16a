#include "registry/schema_registry.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <tuple>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/json.h"
#include "base/log.h"
#include "base/utf8.h"
#include "storage/record_batch.h"
#include "storage/record_scan.h"

namespace herald::registry {

using nlohmann::json;

namespace {

constexpr std::pair<Compatibility, std::string_view> kCompatibilityNames[] = {
    {Compatibility::kNone, "NONE"},
    {Compatibility::kBackward, "BACKWARD"},
    {Compatibility::kBackwardTransitive, "BACKWARD_TRANSITIVE"},
    {Compatibility::kForward, "FORWARD"},
    {Compatibility::kForwardTransitive, "FORWARD_TRANSITIVE"},
    {Compatibility::kFull, "FULL"},
    {Compatibility::kFullTransitive, "FULL_TRANSITIVE"},
};
constexpr std::pair<Mode, std::string_view> kModeNames[] = {
    {Mode::kReadWrite, "READWRITE"},
    {Mode::kReadOnly, "READONLY"},
    {Mode::kImport, "IMPORT"},
};

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::toupper(static_cast<unsigned char>(x)) ==
                  std::toupper(static_cast<unsigned char>(y));
         });
}

RegistryError Fail(ErrorCode code, std::string message) {
  return {code, std::move(message)};
}

// A subject name: 1 to 255 bytes of UTF-8 without control characters.
bool ValidSubject(const std::string& subject) {
  if (subject.empty() || subject.size() > 255 || !IsValidUtf8(subject)) return false;
  return std::none_of(subject.begin(), subject.end(),
                      [](unsigned char c) { return c < 0x20 || c == 0x7f; });
}

// What makes two registrations the same schema.
using Identity = std::tuple<SchemaType, std::string, std::vector<SchemaReference>>;

json ReferencesJson(const std::vector<SchemaReference>& refs) {
  json out = json::array();
  for (const auto& r : refs) {
    out.push_back({{"name", r.name}, {"subject", r.subject}, {"version", r.version}});
  }
  return out;
}

std::optional<std::vector<SchemaReference>> ReferencesFrom(const json& j) {
  std::vector<SchemaReference> out;
  if (j.is_null()) return out;
  if (!j.is_array()) return std::nullopt;
  for (const json& r : j) {
    if (!r.is_object()) return std::nullopt;
    auto name = r.find("name");
    auto subject = r.find("subject");
    auto version = JsonIntegerOr<int32_t>(r, "version", -1);
    if (name == r.end() || !name->is_string() || subject == r.end() || !subject->is_string() ||
        !version) {
      return std::nullopt;
    }
    out.push_back({name->get<std::string>(), subject->get<std::string>(), *version});
  }
  return out;
}

// Record keys and values, in Confluent's format.
std::string SchemaKey(const std::string& subject, int32_t version) {
  return json{{"keytype", "SCHEMA"}, {"subject", subject}, {"version", version}, {"magic", 1}}
      .dump();
}
std::string SubjectKey(const char* keytype, const std::optional<std::string>& subject) {
  return json{
      {"keytype", keytype}, {"subject", subject ? json(*subject) : json(nullptr)}, {"magic", 0}}
      .dump();
}

}  // namespace

std::string_view CompatibilityName(Compatibility c) {
  for (const auto& [value, name] : kCompatibilityNames) {
    if (value == c) return name;
  }
  return "NONE";
}

std::optional<Compatibility> ParseCompatibility(std::string_view name) {
  for (const auto& [value, n] : kCompatibilityNames) {
    if (EqualsIgnoringCase(n, name)) return value;
  }
  return std::nullopt;
}

std::string_view TopicOfSubject(std::string_view subject) {
  for (std::string_view suffix : {std::string_view("-key"), std::string_view("-value")}) {
    if (subject.size() > suffix.size() && subject.ends_with(suffix)) {
      return subject.substr(0, subject.size() - suffix.size());
    }
  }
  return subject;
}

std::string_view ModeName(Mode m) {
  for (const auto& [value, name] : kModeNames) {
    if (value == m) return name;
  }
  return "READWRITE";
}

std::optional<Mode> ParseMode(std::string_view name) {
  for (const auto& [value, n] : kModeNames) {
    if (EqualsIgnoringCase(n, name)) return value;
  }
  return std::nullopt;
}

struct SchemaRegistry::State {
  struct Version {
    int32_t id = 0;
    bool deleted = false;
  };
  struct Subject {
    std::map<int32_t, Version> versions;
    std::optional<Compatibility> compatibility;
    std::optional<Mode> mode;
    bool Live() const {
      return std::any_of(versions.begin(), versions.end(),
                         [](const auto& v) { return !v.second.deleted; });
    }
  };
  std::map<std::string, Subject> subjects;
  std::map<int32_t, SchemaById> schemas;  // ids in use by at least one version
  std::map<Identity, int32_t> ids;
  int32_t max_id = 0;
  std::optional<Compatibility> compatibility;
  std::optional<Mode> mode;

  const Subject* FindSubject(const std::string& name) const {
    auto it = subjects.find(name);
    return it == subjects.end() || it->second.versions.empty() ? nullptr : &it->second;
  }

  // Rebuilds schemas and ids from the versions (after a version is removed).
  void DropUnused(int32_t id) {
    for (const auto& [name, subject] : subjects) {
      for (const auto& [v, version] : subject.versions) {
        if (version.id == id) return;
      }
    }
    auto it = schemas.find(id);
    if (it == schemas.end()) return;
    ids.erase(Identity{it->second.type, it->second.schema, it->second.references});
    schemas.erase(it);
  }

  // Applies one record of the topic. Records that are not the registry's are skipped.
  void Apply(const json& key, const std::optional<json>& value) {
    const std::string keytype = key.value("keytype", "");
    if (keytype == "SCHEMA") {
      ApplySchema(key, value);
    } else if (keytype == "CONFIG") {
      std::optional<Compatibility> level;
      if (value && value->is_object()) {
        level = ParseCompatibility(value->value("compatibilityLevel", ""));
      }
      SubjectSetting(key, &State::compatibility, &Subject::compatibility) = level;
    } else if (keytype == "MODE") {
      std::optional<Mode> mode_value;
      if (value && value->is_object()) mode_value = ParseMode(value->value("mode", ""));
      SubjectSetting(key, &State::mode, &Subject::mode) = mode_value;
    } else if (keytype == "ID" && value) {
      max_id = std::max(max_id, JsonIntegerOr<int32_t>(*value, "id", 0).value_or(0));
    }
  }

 private:
  template <typename T>
  std::optional<T>& SubjectSetting(const json& key, std::optional<T> State::*global,
                                   std::optional<T> Subject::*own) {
    auto subject = key.find("subject");
    if (subject == key.end() || !subject->is_string()) return this->*global;
    return subjects[subject->get<std::string>()].*own;
  }

  void ApplySchema(const json& key, const std::optional<json>& value) {
    auto subject = key.find("subject");
    auto version = JsonIntegerOr<int32_t>(key, "version", 0);
    if (subject == key.end() || !subject->is_string() || !version || *version < 1) return;
    const std::string name = subject->get<std::string>();
    if (!value) {
      auto s = subjects.find(name);
      if (s == subjects.end()) return;
      auto v = s->second.versions.find(*version);
      if (v == s->second.versions.end()) return;
      const int32_t id = v->second.id;
      s->second.versions.erase(v);
      DropUnused(id);
      return;
    }
    auto id = JsonIntegerOr<int32_t>(*value, "id", 0);
    auto text = value->find("schema");
    auto refs = ReferencesFrom(value->value("references", json()));
    if (!id || *id < 1 || text == value->end() || !text->is_string() || !refs) return;
    const SchemaType type =
        value->value("schemaType", "AVRO") == "JSON" ? SchemaType::kJson : SchemaType::kAvro;
    const bool deleted = value->value("deleted", false);
    Subject& s = subjects[name];
    if (auto old = s.versions.find(*version); old != s.versions.end() && old->second.id != *id) {
      const int32_t replaced = old->second.id;
      s.versions.erase(old);
      DropUnused(replaced);
    }
    s.versions[*version] = {*id, deleted};
    schemas[*id] = {type, text->get<std::string>(), *refs};
    ids[Identity{type, text->get<std::string>(), *refs}] = *id;
    max_id = std::max(max_id, *id);
  }
};

namespace {

using State = SchemaRegistry::State;

// The schemas `refs` name, depth first, each after what it references itself, named as the
// schema that references them names them.
RegistryResult<std::vector<ReferencedText>> ReferencedTexts(
    const State& state, const std::vector<SchemaReference>& refs) {
  std::vector<ReferencedText> out;
  std::set<int32_t> seen;
  std::function<std::optional<RegistryError>(const std::vector<SchemaReference>&, int)> visit =
      [&](const std::vector<SchemaReference>& level, int depth) -> std::optional<RegistryError> {
    if (depth > 32) return Fail(ErrorCode::kInvalidSchema, "references nest deeper than 32");
    for (const auto& r : level) {
      const State::Subject* subject = state.FindSubject(r.subject);
      if (!subject) {
        return Fail(ErrorCode::kInvalidSchema,
                    fmt::format("the reference '{}' names subject '{}', which does not exist",
                                r.name, r.subject));
      }
      auto v = r.version == kLatest ? std::prev(subject->versions.end())
                                    : subject->versions.find(r.version);
      if (v == subject->versions.end()) {
        return Fail(ErrorCode::kInvalidSchema,
                    fmt::format("the reference '{}' names version {} of subject '{}', which "
                                "does not exist",
                                r.name, r.version, r.subject));
      }
      if (!seen.insert(v->second.id).second) continue;
      const SchemaById& schema = state.schemas.at(v->second.id);
      if (auto e = visit(schema.references, depth + 1)) return e;
      out.push_back({r.name, schema.schema});
    }
    return std::nullopt;
  };
  if (auto e = visit(refs, 0)) return *e;
  return out;
}

RegistryResult<ParsedSchema> Parse(const State& state, SchemaType type, const std::string& text,
                                   const std::vector<SchemaReference>& refs, size_t max_bytes) {
  if (text.size() > max_bytes) {
    return Fail(
        ErrorCode::kInvalidSchema,
        fmt::format("the schema takes {} bytes; at most {} are allowed", text.size(), max_bytes));
  }
  auto texts = ReferencedTexts(state, refs);
  if (!texts.ok()) return texts.error();
  auto schema = ParsedSchema::Parse(type, text, *texts);
  if (!schema.ok()) {
    return Fail(ErrorCode::kInvalidSchema,
                fmt::format("Invalid schema: {}", schema.status().message()));
  }
  return std::move(schema).value();
}

// Why `candidate` may not follow `existing` (oldest first) under `level`.
std::vector<std::string> Problems(Compatibility level, const ParsedSchema& candidate,
                                  const std::vector<std::pair<int32_t, ParsedSchema>>& existing) {
  std::vector<std::string> out;
  if (level == Compatibility::kNone || existing.empty()) return out;
  const bool transitive = level == Compatibility::kBackwardTransitive ||
                          level == Compatibility::kForwardTransitive ||
                          level == Compatibility::kFullTransitive;
  const bool backward =
      level != Compatibility::kForward && level != Compatibility::kForwardTransitive;
  const bool forward =
      level != Compatibility::kBackward && level != Compatibility::kBackwardTransitive;
  const size_t first = transitive ? 0 : existing.size() - 1;
  for (size_t i = existing.size(); i-- > first;) {
    const auto& [version, old] = existing[i];
    if (backward) {
      for (auto& p : ReadIncompatibilities(candidate, old)) {
        out.push_back(fmt::format("{{oldSchemaVersion: {}, direction: BACKWARD, {}}}", version, p));
      }
    }
    if (forward) {
      for (auto& p : ReadIncompatibilities(old, candidate)) {
        out.push_back(fmt::format("{{oldSchemaVersion: {}, direction: FORWARD, {}}}", version, p));
      }
    }
  }
  return out;
}

// A SCHEMA record's value.
std::string SchemaValue(const std::string& subject, int32_t version, int32_t id,
                        const SchemaById& schema, bool deleted) {
  json value = {{"subject", subject},
                {"version", version},
                {"id", id},
                {"schema", schema.schema},
                {"deleted", deleted}};
  if (schema.type != SchemaType::kAvro) value["schemaType"] = SchemaTypeName(schema.type);
  if (!schema.references.empty()) value["references"] = ReferencesJson(schema.references);
  return value.dump();
}

// The error for deleting `versions` of `subject` while a schema references one of them.
std::optional<RegistryError> ReferenceTo(const State& state, const std::string& subject,
                                         const std::vector<int32_t>& versions) {
  for (const auto& [id, schema] : state.schemas) {
    for (const auto& r : schema.references) {
      if (r.subject == subject &&
          std::find(versions.begin(), versions.end(), r.version) != versions.end()) {
        return Fail(ErrorCode::kReferenceExists,
                    fmt::format("One or more references exist to the schema {{subject={}, "
                                "version={}}} (schema {} refers to it)",
                                subject, r.version, id));
      }
    }
  }
  return std::nullopt;
}

}  // namespace

SchemaRegistry::SchemaRegistry(storage::Engine& engine, RegistryOptions options)
    : engine_(engine), options_(std::move(options)), state_(std::make_unique<State>()) {}

SchemaRegistry::~SchemaRegistry() = default;

Result<std::unique_ptr<SchemaRegistry>> SchemaRegistry::Open(storage::Engine& engine,
                                                             RegistryOptions options) {
  std::unique_ptr<SchemaRegistry> registry(new SchemaRegistry(engine, std::move(options)));
  if (engine.HasTopic(registry->options_.topic)) {
    WriterLock lock(registry->mu_);
    HERALD_RETURN_IF_ERROR(registry->OpenLog());
    HERALD_RETURN_IF_ERROR(registry->Replay());
  }
  return registry;
}

Status SchemaRegistry::OpenLog() {
  if (!engine_.HasTopic(options_.topic)) {
    Status created = engine_.CreateTopic(options_.topic, 1,
                                         {{"cleanup.policy", "compact"}, {"retention.ms", "-1"}});
    if (!created.ok() && created.code() != StatusCode::kAlreadyExists) {
      return created.WithContext("creating the schema registry's topic");
    }
  }
  HERALD_ASSIGN_OR_RETURN(log_, engine_.GetLog(options_.topic, 0));
  return Status::Ok();
}

Status SchemaRegistry::Replay() {
  State& state = *state_;
  int64_t skipped = 0;
  Status s = storage::ScanRecords(
      *log_, log_->log_start_offset(), log_->end_offset(), [&](const storage::RecordView& r) {
        auto key = r.key ? ParseBoundedJson(AsString(*r.key)) : std::nullopt;
        std::optional<json> value;
        if (r.value) value = ParseBoundedJson(AsString(*r.value));
        if (!key || !key->is_object() || (r.value && !value)) {
          ++skipped;
          return true;
        }
        try {
          state.Apply(*key, value);
        } catch (const json::exception&) {  // a field of the wrong type: not the registry's
          ++skipped;
        }
        return true;
      });
  if (skipped > 0) {
    LogWarn("schema_registry_replay", {{"topic", options_.topic}, {"skipped_records", skipped}},
            "records that are not the registry's were skipped");
  }
  return s;
}

RegistryResult<Nothing> SchemaRegistry::Write(
    const std::vector<std::pair<std::string, std::optional<std::string>>>& records) {
  if (!log_) {
    if (Status s = OpenLog(); !s.ok()) {
      return Fail(ErrorCode::kStoreError,
                  fmt::format("Error in the backend data store: {}", s.ToString()));
    }
  }
  std::vector<storage::RecordSpec> specs;
  const int64_t now = engine_.clock().NowMs();
  for (const auto& [key, value] : records) specs.push_back({key, value, now, {}});
  Buffer batch = storage::BuildBatch(specs);
  auto written = log_->AppendAndWait(batch, storage::AckLevel::kDurable);
  if (!written.ok()) {
    return Fail(ErrorCode::kStoreError,
                fmt::format("Error in the backend data store: {}", written.status().ToString()));
  }
  for (const auto& [key, value] : records) {
    std::optional<json> v;
    if (value) v = json::parse(*value);
    state_->Apply(json::parse(key), v);
  }
  generation_.fetch_add(1, std::memory_order_release);
  return Nothing{};
}

RegistryResult<std::shared_ptr<const ParsedSchema>> SchemaRegistry::ParsedById(int32_t id) const {
  ReaderLock lock(mu_);
  auto it = state_->schemas.find(id);
  if (it == state_->schemas.end()) {
    return Fail(ErrorCode::kSchemaNotFound, fmt::format("Schema {} not found", id));
  }
  auto parsed = Parse(*state_, it->second.type, it->second.schema, it->second.references, SIZE_MAX);
  if (!parsed.ok()) return parsed.error();
  return std::make_shared<const ParsedSchema>(std::move(parsed).value());
}

std::vector<std::string> SchemaRegistry::Subjects(bool deleted) const {
  ReaderLock lock(mu_);
  std::vector<std::string> out;
  for (const auto& [name, subject] : state_->subjects) {
    if (subject.versions.empty()) continue;
    if (deleted || subject.Live()) out.push_back(name);
  }
  return out;
}

RegistryResult<std::vector<int32_t>> SchemaRegistry::Versions(const std::string& subject,
                                                              bool deleted) const {
  ReaderLock lock(mu_);
  const State::Subject* s = state_->FindSubject(subject);
  if (!s || (!deleted && !s->Live())) {
    return Fail(ErrorCode::kSubjectNotFound, fmt::format("Subject '{}' not found.", subject));
  }
  std::vector<int32_t> out;
  for (const auto& [v, version] : s->versions) {
    if (deleted || !version.deleted) out.push_back(v);
  }
  return out;
}

RegistryResult<SubjectVersion> SchemaRegistry::GetVersion(const std::string& subject,
                                                          VersionRef version, bool deleted) const {
  ReaderLock lock(mu_);
  const State::Subject* s = state_->FindSubject(subject);
  if (!s || (!deleted && !s->Live())) {
    return Fail(ErrorCode::kSubjectNotFound, fmt::format("Subject '{}' not found.", subject));
  }
  const State::Version* found = nullptr;
  int32_t number = version;
  if (version == kLatest) {
    for (auto it = s->versions.rbegin(); it != s->versions.rend() && !found; ++it) {
      if (deleted || !it->second.deleted) {
        found = &it->second;
        number = it->first;
      }
    }
  } else if (auto it = s->versions.find(version);
             it != s->versions.end() && (deleted || !it->second.deleted)) {
    found = &it->second;
  }
  if (!found) {
    return Fail(ErrorCode::kVersionNotFound,
                fmt::format("Version {} not found.",
                            version == kLatest ? "latest" : std::to_string(version)));
  }
  const SchemaById& schema = state_->schemas.at(found->id);
  return SubjectVersion{subject,           number,        found->id, schema.type, schema.schema,
                        schema.references, found->deleted};
}

RegistryResult<SchemaById> SchemaRegistry::GetSchema(int32_t id) const {
  ReaderLock lock(mu_);
  auto it = state_->schemas.find(id);
  if (it == state_->schemas.end()) {
    return Fail(ErrorCode::kSchemaNotFound, fmt::format("Schema {} not found", id));
  }
  return it->second;
}

RegistryResult<std::vector<std::pair<std::string, int32_t>>> SchemaRegistry::SubjectVersionsOf(
    int32_t id, bool deleted) const {
  ReaderLock lock(mu_);
  if (!state_->schemas.contains(id)) {
    return Fail(ErrorCode::kSchemaNotFound, fmt::format("Schema {} not found", id));
  }
  std::vector<std::pair<std::string, int32_t>> out;
  for (const auto& [name, subject] : state_->subjects) {
    for (const auto& [v, version] : subject.versions) {
      if (version.id == id && (deleted || !version.deleted)) out.emplace_back(name, v);
    }
  }
  return out;
}

RegistryResult<std::vector<int32_t>> SchemaRegistry::ReferencedBy(const std::string& subject,
                                                                  VersionRef version) const {
  auto target = GetVersion(subject, version, false);
  if (!target.ok()) return target.error();
  ReaderLock lock(mu_);
  std::vector<int32_t> out;
  for (const auto& [id, schema] : state_->schemas) {
    for (const auto& r : schema.references) {
      if (r.subject == subject && r.version == target->version) {
        out.push_back(id);
        break;
      }
    }
  }
  return out;
}

Compatibility SchemaRegistry::EffectiveCompatibility(const std::string& subject) const {
  if (const State::Subject* s = state_->FindSubject(subject); s && s->compatibility) {
    return *s->compatibility;
  }
  if (auto it = state_->subjects.find(subject);
      it != state_->subjects.end() && it->second.compatibility) {
    return *it->second.compatibility;
  }
  return state_->compatibility.value_or(options_.default_compatibility);
}

Mode SchemaRegistry::EffectiveMode(const std::string& subject) const {
  if (auto it = state_->subjects.find(subject); it != state_->subjects.end() && it->second.mode) {
    return *it->second.mode;
  }
  return state_->mode.value_or(Mode::kReadWrite);
}

RegistryResult<int32_t> SchemaRegistry::Register(const std::string& subject,
                                                 const SchemaInput& input) {
  if (!ValidSubject(subject)) {
    return Fail(ErrorCode::kInvalidSubject,
                "a subject is 1 to 255 bytes of UTF-8 without control characters");
  }
  WriterLock lock(mu_);
  const Mode mode = EffectiveMode(subject);
  if (mode == Mode::kReadOnly) {
    return Fail(ErrorCode::kOperationNotPermitted,
                fmt::format("Subject {} is in read-only mode", subject));
  }
  if ((input.id || input.version) && mode != Mode::kImport) {
    return Fail(ErrorCode::kOperationNotPermitted,
                "a schema's id and version are given only in IMPORT mode");
  }
  auto parsed =
      Parse(*state_, input.type, input.schema, input.references, options_.max_schema_bytes);
  if (!parsed.ok()) return parsed.error();
  const Identity identity{parsed->type(), parsed->text(), input.references};
  auto known = state_->ids.find(identity);

  const State::Subject* s = state_->FindSubject(subject);
  std::vector<std::pair<int32_t, ParsedSchema>> live;
  int32_t next_version = 1;
  if (s) {
    next_version = s->versions.rbegin()->first + 1;
    for (const auto& [v, version] : s->versions) {
      if (version.deleted) continue;
      if (known != state_->ids.end() && version.id == known->second && !input.version) {
        return version.id;  // registered already
      }
      const SchemaById& old = state_->schemas.at(version.id);
      auto old_parsed = Parse(*state_, old.type, old.schema, old.references, SIZE_MAX);
      if (old_parsed.ok()) live.emplace_back(v, *old_parsed);
    }
  }
  if (mode != Mode::kImport) {
    auto problems = Problems(EffectiveCompatibility(subject), *parsed, live);
    if (!problems.empty()) {
      std::string message = fmt::format(
          "Schema being registered is incompatible with an earlier schema for subject \"{}\", "
          "details: [",
          subject);
      for (size_t i = 0; i < problems.size(); ++i) {
        message += (i ? ", " : "") + problems[i];
      }
      return Fail(ErrorCode::kIncompatibleSchema, message + "]");
    }
  }

  int32_t id = known != state_->ids.end() ? known->second : state_->max_id + 1;
  if (input.id) {
    if (auto taken = state_->schemas.find(*input.id);
        taken != state_->schemas.end() &&
        Identity{taken->second.type, taken->second.schema, taken->second.references} != identity) {
      return Fail(
          ErrorCode::kIdDoesNotMatch,
          fmt::format("Schema {} is already registered with a different schema", *input.id));
    }
    if (*input.id < 1) return Fail(ErrorCode::kInvalidSchema, "a schema id is >= 1");
    id = *input.id;
  }
  int32_t version = next_version;
  if (input.version) {
    if (*input.version < 1) {
      return Fail(
          ErrorCode::kInvalidVersion,
          fmt::format("The specified version '{}' is not a valid version id.", *input.version));
    }
    version = *input.version;
  }
  auto written = Write({{SchemaKey(subject, version),
                         SchemaValue(subject, version, id,
                                     {parsed->type(), parsed->text(), input.references}, false)}});
  if (!written.ok()) return written.error();
  return id;
}

RegistryResult<SubjectVersion> SchemaRegistry::Lookup(const std::string& subject,
                                                      const SchemaInput& input,
                                                      bool deleted) const {
  ReaderLock lock(mu_);
  const State::Subject* s = state_->FindSubject(subject);
  if (!s || (!deleted && !s->Live())) {
    return Fail(ErrorCode::kSubjectNotFound, fmt::format("Subject '{}' not found.", subject));
  }
  auto parsed =
      Parse(*state_, input.type, input.schema, input.references, options_.max_schema_bytes);
  if (!parsed.ok()) return parsed.error();
  auto known = state_->ids.find(Identity{parsed->type(), parsed->text(), input.references});
  if (known == state_->ids.end()) return Fail(ErrorCode::kSchemaNotFound, "Schema not found");
  // The latest version holding it.
  for (auto it = s->versions.rbegin(); it != s->versions.rend(); ++it) {
    if (it->second.id != known->second || (!deleted && it->second.deleted)) continue;
    const SchemaById& schema = state_->schemas.at(known->second);
    return SubjectVersion{subject,       it->first,         known->second,     schema.type,
                          schema.schema, schema.references, it->second.deleted};
  }
  return Fail(ErrorCode::kSchemaNotFound, "Schema not found");
}

RegistryResult<std::vector<int32_t>> SchemaRegistry::DeleteSubject(const std::string& subject,
                                                                   bool permanent) {
  WriterLock lock(mu_);
  if (EffectiveMode(subject) == Mode::kReadOnly) {
    return Fail(ErrorCode::kOperationNotPermitted,
                fmt::format("Subject {} is in read-only mode", subject));
  }
  const State::Subject* s = state_->FindSubject(subject);
  if (!s) {
    return Fail(ErrorCode::kSubjectNotFound, fmt::format("Subject '{}' not found.", subject));
  }
  std::vector<int32_t> versions;
  std::vector<std::pair<std::string, std::optional<std::string>>> records;
  for (const auto& [v, version] : s->versions) {
    if (permanent && !version.deleted) {
      return Fail(ErrorCode::kSubjectNotSoftDeleted,
                  fmt::format("Subject '{}' was not deleted first before being permanently "
                              "deleted",
                              subject));
    }
    if (permanent) {
      records.emplace_back(SchemaKey(subject, v), std::nullopt);
      versions.push_back(v);
    } else if (!version.deleted) {
      records.emplace_back(
          SchemaKey(subject, v),
          SchemaValue(subject, v, version.id, state_->schemas.at(version.id), true));
      versions.push_back(v);
    }
  }
  if (versions.empty()) {
    return Fail(ErrorCode::kSubjectSoftDeleted,
                fmt::format("Subject '{}' was soft deleted. Set permanent=true to delete "
                            "permanently",
                            subject));
  }
  if (auto referenced = ReferenceTo(*state_, subject, versions)) return *referenced;
  if (permanent) {
    records.emplace_back(SubjectKey("CONFIG", subject), std::nullopt);
    records.emplace_back(SubjectKey("MODE", subject), std::nullopt);
    records.emplace_back(json{{"keytype", "ID"}, {"magic", 0}}.dump(),
                         json{{"id", state_->max_id}}.dump());
  }
  auto written = Write(records);
  if (!written.ok()) return written.error();
  return versions;
}

RegistryResult<int32_t> SchemaRegistry::DeleteVersion(const std::string& subject,
                                                      VersionRef version, bool permanent) {
  // A soft-deleted version is found (to answer that it is); "latest" is the latest live one,
  // or for a permanent delete the latest of all.
  auto target = GetVersion(subject, version, permanent || version != kLatest);
  if (!target.ok()) return target.error();
  WriterLock lock(mu_);
  if (EffectiveMode(subject) == Mode::kReadOnly) {
    return Fail(ErrorCode::kOperationNotPermitted,
                fmt::format("Subject {} is in read-only mode", subject));
  }
  const State::Subject* s = state_->FindSubject(subject);
  auto it = s ? s->versions.find(target->version) : decltype(s->versions.end()){};
  if (!s || it == s->versions.end()) {
    return Fail(ErrorCode::kVersionNotFound, fmt::format("Version {} not found.", version));
  }
  if (!permanent && it->second.deleted) {
    return Fail(ErrorCode::kVersionSoftDeleted,
                fmt::format("Subject '{}' Version {} was soft deleted. Set permanent=true to "
                            "delete permanently",
                            subject, target->version));
  }
  if (permanent && !it->second.deleted) {
    return Fail(ErrorCode::kVersionNotSoftDeleted,
                fmt::format("Subject '{}' Version {} was not deleted first before being "
                            "permanently deleted",
                            subject, target->version));
  }
  if (auto referenced = ReferenceTo(*state_, subject, {target->version})) return *referenced;
  std::vector<std::pair<std::string, std::optional<std::string>>> records;
  if (permanent) {
    records.emplace_back(SchemaKey(subject, target->version), std::nullopt);
    records.emplace_back(json{{"keytype", "ID"}, {"magic", 0}}.dump(),
                         json{{"id", state_->max_id}}.dump());
  } else {
    records.emplace_back(SchemaKey(subject, target->version),
                         SchemaValue(subject, target->version, target->id,
                                     {target->type, target->schema, target->references}, true));
  }
  auto written = Write(records);
  if (!written.ok()) return written.error();
  return target->version;
}

RegistryResult<std::vector<std::string>> SchemaRegistry::CheckCompatibility(
    const std::string& subject, VersionRef version, const SchemaInput& input) const {
  ReaderLock lock(mu_);
  const State::Subject* s = state_->FindSubject(subject);
  if (!s || !s->Live()) {
    return Fail(ErrorCode::kSubjectNotFound, fmt::format("Subject '{}' not found.", subject));
  }
  auto parsed =
      Parse(*state_, input.type, input.schema, input.references, options_.max_schema_bytes);
  if (!parsed.ok()) return parsed.error();
  std::vector<std::pair<int32_t, ParsedSchema>> against;
  for (const auto& [v, stored] : s->versions) {
    if (stored.deleted || (version != kLatest && v != version)) continue;
    const SchemaById& old = state_->schemas.at(stored.id);
    auto old_parsed = Parse(*state_, old.type, old.schema, old.references, SIZE_MAX);
    if (old_parsed.ok()) against.emplace_back(v, *old_parsed);
  }
  if (version != kLatest && against.empty()) {
    return Fail(ErrorCode::kVersionNotFound, fmt::format("Version {} not found.", version));
  }
  return Problems(EffectiveCompatibility(subject), *parsed, against);
}

Compatibility SchemaRegistry::GlobalCompatibility() const {
  ReaderLock lock(mu_);
  return state_->compatibility.value_or(options_.default_compatibility);
}

std::optional<Compatibility> SchemaRegistry::SubjectCompatibility(
    const std::string& subject) const {
  ReaderLock lock(mu_);
  auto it = state_->subjects.find(subject);
  return it == state_->subjects.end() ? std::nullopt : it->second.compatibility;
}

RegistryResult<Nothing> SchemaRegistry::SetCompatibility(const std::optional<std::string>& subject,
                                                         Compatibility level) {
  if (subject && !ValidSubject(*subject)) {
    return Fail(ErrorCode::kInvalidSubject,
                "a subject is 1 to 255 bytes of UTF-8 without control characters");
  }
  WriterLock lock(mu_);
  return Write({{SubjectKey("CONFIG", subject),
                 json{{"compatibilityLevel", CompatibilityName(level)}}.dump()}});
}

RegistryResult<Compatibility> SchemaRegistry::DeleteCompatibility(
    const std::optional<std::string>& subject) {
  WriterLock lock(mu_);
  std::optional<Compatibility> old = state_->compatibility;
  if (subject) {
    auto it = state_->subjects.find(*subject);
    old = it == state_->subjects.end() ? std::nullopt : it->second.compatibility;
    if (!old) {
      return Fail(ErrorCode::kSubjectCompatibilityNotConfigured,
                  fmt::format("Subject '{}' does not have subject-level compatibility "
                              "configured",
                              *subject));
    }
  }
  auto written = Write({{SubjectKey("CONFIG", subject), std::nullopt}});
  if (!written.ok()) return written.error();
  return old.value_or(options_.default_compatibility);
}

Mode SchemaRegistry::GlobalMode() const {
  ReaderLock lock(mu_);
  return state_->mode.value_or(Mode::kReadWrite);
}

std::optional<Mode> SchemaRegistry::SubjectMode(const std::string& subject) const {
  ReaderLock lock(mu_);
  auto it = state_->subjects.find(subject);
  return it == state_->subjects.end() ? std::nullopt : it->second.mode;
}

RegistryResult<Nothing> SchemaRegistry::SetMode(const std::optional<std::string>& subject,
                                                Mode mode, bool force) {
  if (subject && !ValidSubject(*subject)) {
    return Fail(ErrorCode::kInvalidSubject,
                "a subject is 1 to 255 bytes of UTF-8 without control characters");
  }
  WriterLock lock(mu_);
  if (mode == Mode::kImport && !force) {
    const bool empty = subject ? state_->FindSubject(*subject) == nullptr : state_->schemas.empty();
    if (!empty) {
      return Fail(ErrorCode::kOperationNotPermitted,
                  "Cannot import since found existing subjects (set force=true to import "
                  "anyway)");
    }
  }
  return Write({{SubjectKey("MODE", subject), json{{"mode", ModeName(mode)}}.dump()}});
}

RegistryResult<Mode> SchemaRegistry::DeleteMode(const std::string& subject) {
  WriterLock lock(mu_);
  auto it = state_->subjects.find(subject);
  if (it == state_->subjects.end() || !it->second.mode) {
    return Fail(ErrorCode::kSubjectModeNotConfigured,
                fmt::format("Subject '{}' does not have subject-level mode configured", subject));
  }
  const Mode old = *it->second.mode;
  auto written = Write({{SubjectKey("MODE", subject), std::nullopt}});
  if (!written.ok()) return written.error();
  return old;
}

}  // namespace herald::registry
