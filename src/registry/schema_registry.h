// SchemaRegistry: subjects, versions and globally numbered schemas, with the rules of Confluent
// Schema Registry's API (what the HTTP door serves under /subjects, /schemas, /config and /mode).
//
// State lives in a compacted topic (`_schemas`, one partition, created by the first write) in
// Confluent's own record format (docs/storage-format.md): every change is one durable batch,
// applied in memory only once it is on disk, and the topic is replayed at Open. Ids are global: the same schema (type, text and
// references) has one id in every subject, and an id is never given to another schema, even
// after a permanent delete.
//
// Errors carry Confluent's error codes (`RegistryError`), which the HTTP door answers as they
// are.
//
// Thread-safety: every method may be called from any thread; writes are serialised.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "base/mutex.h"
#include "base/status.h"
#include "registry/parsed_schema.h"
#include "storage/engine.h"

namespace herald::registry {

// Confluent's error codes: the HTTP status followed by two digits of detail.
enum class ErrorCode : int {
  kSubjectNotFound = 40401,
  kVersionNotFound = 40402,
  kSchemaNotFound = 40403,
  kSubjectSoftDeleted = 40404,
  kSubjectNotSoftDeleted = 40405,
  kVersionSoftDeleted = 40406,
  kVersionNotSoftDeleted = 40407,
  kSubjectCompatibilityNotConfigured = 40408,
  kSubjectModeNotConfigured = 40409,
  kIncompatibleSchema = 409,
  kInvalidSchema = 42201,
  kInvalidVersion = 42202,
  kInvalidCompatibilityLevel = 42203,
  kInvalidMode = 42204,
  kOperationNotPermitted = 42205,
  kReferenceExists = 42206,
  kIdDoesNotMatch = 42207,
  kInvalidSubject = 42208,
  kStoreError = 50001,
};

struct RegistryError {
  ErrorCode code;
  std::string message;
};

// A value or a RegistryError.
template <typename T>
class [[nodiscard]] RegistryResult {
 public:
  RegistryResult(T value) : v_(std::move(value)) {}              // NOLINT: implicit by design
  RegistryResult(RegistryError error) : v_(std::move(error)) {}  // NOLINT: implicit by design
  bool ok() const { return v_.index() == 0; }
  const T& value() const { return std::get<0>(v_); }
  T& value() { return std::get<0>(v_); }
  const T& operator*() const { return value(); }
  const T* operator->() const { return &value(); }
  const RegistryError& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, RegistryError> v_;
};

struct Nothing {};

// A named use of another subject's version (Confluent's schema references).
struct SchemaReference {
  std::string name;  // how the schema refers to it (an Avro full name, a JSON Schema $ref)
  std::string subject;
  int32_t version = 0;
  friend bool operator==(const SchemaReference&, const SchemaReference&) = default;
  friend auto operator<=>(const SchemaReference&, const SchemaReference&) = default;
};

// What a client sends to register or look up a schema.
struct SchemaInput {
  SchemaType type = SchemaType::kAvro;
  std::string schema;
  std::vector<SchemaReference> references;
  std::optional<int32_t> id;       // IMPORT mode only
  std::optional<int32_t> version;  // IMPORT mode only
};

// One version of a subject, with its schema.
struct SubjectVersion {
  std::string subject;
  int32_t version = 0;
  int32_t id = 0;
  SchemaType type = SchemaType::kAvro;
  std::string schema;  // as stored (normalised text)
  std::vector<SchemaReference> references;
  bool deleted = false;
};

// A schema by id.
struct SchemaById {
  SchemaType type = SchemaType::kAvro;
  std::string schema;
  std::vector<SchemaReference> references;
};

enum class Compatibility {
  kNone,
  kBackward,
  kBackwardTransitive,
  kForward,
  kForwardTransitive,
  kFull,
  kFullTransitive,
};
std::string_view CompatibilityName(Compatibility c);  // "BACKWARD", ...
// A level's name in any case ("full", "FULL"); nullopt for anything else.
std::optional<Compatibility> ParseCompatibility(std::string_view name);

enum class Mode { kReadWrite, kReadOnly, kImport };
std::string_view ModeName(Mode m);                     // "READWRITE", ...
std::optional<Mode> ParseMode(std::string_view name);  // in any case

// The topic whose ACLs govern `subject`: "<topic>-key" and "<topic>-value" (the serializers'
// TopicNameStrategy) belong to <topic>; any other subject to the topic of its own name, so a
// prefixed ACL can cover RecordNameStrategy's "com.acme." subjects.
std::string_view TopicOfSubject(std::string_view subject);

// "latest" (-1 here) or a version number >= 1.
using VersionRef = int32_t;
inline constexpr VersionRef kLatest = -1;

struct RegistryOptions {
  std::string topic = "_schemas";
  Compatibility default_compatibility = Compatibility::kBackward;
  size_t max_schema_bytes = 1 << 20;
};

class SchemaRegistry {
 public:
  // Opens the registry on `engine`, replaying its topic; the first write creates the topic.
  static Result<std::unique_ptr<SchemaRegistry>> Open(storage::Engine& engine,
                                                      RegistryOptions options = {});

  // Subjects in name order; with `deleted`, soft-deleted ones too.
  std::vector<std::string> Subjects(bool deleted) const;
  // A subject's version numbers, ascending.
  RegistryResult<std::vector<int32_t>> Versions(const std::string& subject, bool deleted) const;
  RegistryResult<SubjectVersion> GetVersion(const std::string& subject, VersionRef version,
                                            bool deleted) const;
  RegistryResult<SchemaById> GetSchema(int32_t id) const;
  // The (subject, version) pairs that hold schema `id`.
  RegistryResult<std::vector<std::pair<std::string, int32_t>>> SubjectVersionsOf(
      int32_t id, bool deleted) const;
  // The ids of the schemas that reference `subject` at `version`.
  RegistryResult<std::vector<int32_t>> ReferencedBy(const std::string& subject,
                                                    VersionRef version) const;

  // Registers `input` under `subject`: its id (the existing one when the subject has that
  // schema already). Checks the schema, the mode and the subject's compatibility level.
  RegistryResult<int32_t> Register(const std::string& subject, const SchemaInput& input);
  // The version of `subject` holding `input`'s schema.
  RegistryResult<SubjectVersion> Lookup(const std::string& subject, const SchemaInput& input,
                                        bool deleted) const;
  // Soft delete (the versions stay readable with deleted=true) or, once soft-deleted,
  // permanent. Answers the versions deleted.
  RegistryResult<std::vector<int32_t>> DeleteSubject(const std::string& subject, bool permanent);
  RegistryResult<int32_t> DeleteVersion(const std::string& subject, VersionRef version,
                                        bool permanent);

  // Why `input` may not follow `subject`'s version(s) under the subject's level (with
  // `version` = kLatest, the versions the level compares against; otherwise that one version).
  // Empty: compatible.
  RegistryResult<std::vector<std::string>> CheckCompatibility(const std::string& subject,
                                                              VersionRef version,
                                                              const SchemaInput& input) const;

  // Compatibility levels: the global one, or a subject's own (nullopt: none set).
  Compatibility GlobalCompatibility() const;
  std::optional<Compatibility> SubjectCompatibility(const std::string& subject) const;
  RegistryResult<Nothing> SetCompatibility(const std::optional<std::string>& subject,
                                           Compatibility level);
  // Removes a subject's level (the global one returns to the default); answers the old one.
  RegistryResult<Compatibility> DeleteCompatibility(const std::optional<std::string>& subject);

  Mode GlobalMode() const;
  std::optional<Mode> SubjectMode(const std::string& subject) const;
  // IMPORT needs an empty registry (or subject) unless `force`.
  RegistryResult<Nothing> SetMode(const std::optional<std::string>& subject, Mode mode, bool force);
  RegistryResult<Mode> DeleteMode(const std::string& subject);

  // Schema `id` parsed (with what it references), for checking, decoding and encoding records.
  RegistryResult<std::shared_ptr<const ParsedSchema>> ParsedById(int32_t id) const;

  // Changes with every write: what a cache of the registry's answers compares.
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

  struct State;  // what the topic's records build (schema_registry.cc)
  ~SchemaRegistry();

 private:
  SchemaRegistry(storage::Engine& engine, RegistryOptions options);
  // The registry's topic's log, creating the topic (by the first write).
  Status OpenLog() REQUIRES(mu_);
  Status Replay() REQUIRES(mu_);
  // Appends `records` (key, value or tombstone) durably, then applies them to the state.
  RegistryResult<Nothing> Write(
      const std::vector<std::pair<std::string, std::optional<std::string>>>& records) REQUIRES(mu_);
  Compatibility EffectiveCompatibility(const std::string& subject) const REQUIRES_SHARED(mu_);
  Mode EffectiveMode(const std::string& subject) const REQUIRES_SHARED(mu_);

  storage::Engine& engine_;
  const RegistryOptions options_;
  mutable SharedMutex mu_;
  std::shared_ptr<storage::Log> log_ GUARDED_BY(mu_);  // null until the topic exists
  std::unique_ptr<State> state_ GUARDED_BY(mu_);
  std::atomic<uint64_t> generation_{0};
};

}  // namespace herald::registry
