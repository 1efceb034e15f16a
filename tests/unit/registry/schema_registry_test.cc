#include "registry/schema_registry.h"

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "base/clock.h"
#include "storage/engine.h"
#include "storage/mem_file_system.h"
#include "testing/memory_engine.h"

namespace herald::registry {
namespace {

constexpr const char* kUserV1 =
    R"({"type": "record", "name": "User", "namespace": "com.example",
        "fields": [{"name": "name", "type": "string"}]})";
// Adds a field with a default: BACKWARD and FORWARD compatible with v1.
constexpr const char* kUserV2 =
    R"({"type":"record","name":"User","namespace":"com.example","fields":[
        {"name":"name","type":"string"},{"name":"age","type":"int","default":0}]})";
// Adds a field without a default: not BACKWARD compatible with v1 (a v3 reader cannot read v1).
constexpr const char* kUserV3 =
    R"({"type":"record","name":"User","namespace":"com.example","fields":[
        {"name":"name","type":"string"},{"name":"email","type":"string"}]})";

SchemaInput Avro(std::string text) {
  return {.schema = std::move(text)};
}

class SchemaRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  // Closes the registry and the engine and opens both again: what a restart keeps.
  void Reopen() {
    registry_.reset();
    ASSERT_NO_FATAL_FAILURE(testing::ReopenMemoryEngine(engine_, fs_, clock_));
    auto registry = SchemaRegistry::Open(*engine_);
    ASSERT_TRUE(registry.ok()) << registry.status().ToString();
    registry_ = std::move(registry).value();
  }

  int32_t MustRegister(const std::string& subject, const std::string& schema) {
    auto id = registry_->Register(subject, Avro(schema));
    EXPECT_TRUE(id.ok()) << (id.ok() ? "" : id.error().message);
    return id.ok() ? *id : -1;
  }

  storage::MemFileSystem fs_;
  ManualClock clock_{1'700'000'000'000};
  std::unique_ptr<storage::Engine> engine_;
  std::unique_ptr<SchemaRegistry> registry_;
};

template <typename T>
ErrorCode CodeOf(const RegistryResult<T>& r) {
  EXPECT_FALSE(r.ok());
  return r.ok() ? ErrorCode::kStoreError : r.error().code;
}

TEST_F(SchemaRegistryTest, SameSchemaSameIdAcrossSubjectsAndWhitespace) {
  const int32_t id = MustRegister("users-value", kUserV1);
  EXPECT_EQ(id, 1);
  // The same schema again, differently spaced: the same id, no new version.
  EXPECT_EQ(MustRegister("users-value", R"({"type":"record","name":"User","namespace":
    "com.example","fields":[{"name":"name","type":"string"}]})"),
            id);
  EXPECT_EQ(*registry_->Versions("users-value", false), std::vector<int32_t>{1});
  // Another subject: the same id, its own version 1.
  EXPECT_EQ(MustRegister("other-value", kUserV1), id);
  EXPECT_EQ(MustRegister("users-value", kUserV2), 2);
  auto latest = registry_->GetVersion("users-value", kLatest, false);
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(latest->version, 2);
  EXPECT_EQ(latest->id, 2);
  auto uses = registry_->SubjectVersionsOf(id, false);
  ASSERT_TRUE(uses.ok());
  EXPECT_EQ(uses->size(), 2u);
}

TEST_F(SchemaRegistryTest, TheFirstWriteCreatesTheTopic) {
  EXPECT_TRUE(registry_->Subjects(true).empty());
  EXPECT_EQ(CodeOf(registry_->GetSchema(1)), ErrorCode::kSchemaNotFound);
  EXPECT_FALSE(engine_->HasTopic("_schemas")) << "reads create nothing";
  MustRegister("s", R"("int")");
  EXPECT_TRUE(engine_->HasTopic("_schemas"));
}

TEST_F(SchemaRegistryTest, StateSurvivesAReopen) {
  MustRegister("a-value", kUserV1);
  MustRegister("a-value", kUserV2);
  ASSERT_TRUE(registry_->SetCompatibility("a-value", Compatibility::kFull).ok());
  ASSERT_TRUE(registry_->SetMode(std::nullopt, Mode::kReadOnly, false).ok());
  Reopen();
  EXPECT_EQ(*registry_->Versions("a-value", false), (std::vector<int32_t>{1, 2}));
  EXPECT_EQ(registry_->SubjectCompatibility("a-value"), Compatibility::kFull);
  EXPECT_EQ(registry_->GlobalMode(), Mode::kReadOnly);
  auto schema = registry_->GetSchema(2);
  ASSERT_TRUE(schema.ok());
  EXPECT_NE(schema->schema.find("\"age\""), std::string::npos);
  EXPECT_EQ(CodeOf(registry_->Register("a-value", Avro(kUserV1))),
            ErrorCode::kOperationNotPermitted);
}

TEST_F(SchemaRegistryTest, BackwardIsTheDefaultAndRefusesAFieldWithoutDefault) {
  MustRegister("u", kUserV1);
  auto refused = registry_->Register("u", Avro(kUserV3));
  EXPECT_EQ(CodeOf(refused), ErrorCode::kIncompatibleSchema);
  EXPECT_NE(refused.error().message.find("email"), std::string::npos) << refused.error().message;
  auto problems = registry_->CheckCompatibility("u", kLatest, Avro(kUserV3));
  ASSERT_TRUE(problems.ok());
  EXPECT_FALSE(problems->empty());
  auto fine = registry_->CheckCompatibility("u", 1, Avro(kUserV2));
  ASSERT_TRUE(fine.ok());
  EXPECT_TRUE(fine->empty());
  // NONE lets it through.
  ASSERT_TRUE(registry_->SetCompatibility("u", Compatibility::kNone).ok());
  EXPECT_EQ(MustRegister("u", kUserV3), 2);
}

TEST_F(SchemaRegistryTest, TransitiveLevelsCompareWithEveryVersion) {
  ASSERT_TRUE(registry_->SetCompatibility(std::nullopt, Compatibility::kBackward).ok());
  MustRegister("t", R"({"type":"record","name":"R","fields":[{"name":"a","type":"int"}]})");
  // v2 drops a: backward compatible (a reader without a ignores it).
  MustRegister("t", R"({"type":"record","name":"R","fields":[{"name":"b","type":"int",
    "default":1}]})");
  // v3 turns b into a string: BACKWARD (against v2 only) refuses it; so would transitive.
  const char* v3 = R"({"type":"record","name":"R","fields":[{"name":"a","type":"string",
    "default":"x"},{"name":"b","type":"int","default":1}]})";
  // v3 reads v2 (a has a default) but not v1 (v1's a is an int).
  ASSERT_TRUE(registry_->CheckCompatibility("t", kLatest, Avro(v3))->empty());
  ASSERT_TRUE(registry_->SetCompatibility("t", Compatibility::kBackwardTransitive).ok());
  EXPECT_FALSE(registry_->CheckCompatibility("t", kLatest, Avro(v3))->empty());
  EXPECT_EQ(CodeOf(registry_->Register("t", Avro(v3))), ErrorCode::kIncompatibleSchema);
}

TEST_F(SchemaRegistryTest, InvalidSchemasAndSubjectsAreRefused) {
  EXPECT_EQ(CodeOf(registry_->Register("x", Avro("{not json"))), ErrorCode::kInvalidSchema);
  EXPECT_EQ(CodeOf(registry_->Register("x", Avro(R"({"type":"record","name":"R"})"))),
            ErrorCode::kInvalidSchema);
  EXPECT_EQ(CodeOf(registry_->Register("x", Avro(R"("nosuchtype")"))), ErrorCode::kInvalidSchema);
  EXPECT_EQ(CodeOf(registry_->Register("", Avro(R"("string")"))), ErrorCode::kInvalidSubject);
  EXPECT_EQ(CodeOf(registry_->Register("bad\x01", Avro(R"("string")"))),
            ErrorCode::kInvalidSubject);
  SchemaInput json_schema{.type = SchemaType::kJson, .schema = R"({"type":"nosuchtype"})"};
  EXPECT_EQ(CodeOf(registry_->Register("x", json_schema)), ErrorCode::kInvalidSchema);
  json_schema.schema = R"({"$ref":"#/definitions/missing"})";
  EXPECT_EQ(CodeOf(registry_->Register("x", json_schema)), ErrorCode::kInvalidSchema);
  EXPECT_TRUE(registry_->Subjects(true).empty());
}

SchemaInput Json(std::string text, std::vector<SchemaReference> refs = {}) {
  return {.type = SchemaType::kJson, .schema = std::move(text), .references = std::move(refs)};
}

TEST_F(SchemaRegistryTest, JsonSchemasHaveIdsOfTheirOwnAndEvolveByConfluentsRules) {
  const std::string v1 =
      R"({"type":"object","properties":{"id":{"type":"string"}},"additionalProperties":false})";
  auto id = registry_->Register("orders-value", Json(v1));
  ASSERT_TRUE(id.ok()) << id.error().message;
  // Whitespace does not make another schema; the same text as Avro would be another type.
  auto again = registry_->Register("orders-value", Json(R"({ "type": "object", "properties":
      {"id": {"type": "string"}}, "additionalProperties": false })"));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *id);
  auto stored = registry_->GetSchema(*id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->type, SchemaType::kJson);
  EXPECT_EQ(stored->schema, v1) << "compact, keys in the order written";

  // A closed content model takes an optional property (BACKWARD), not a required one.
  const std::string optional_added =
      R"({"type":"object","properties":{"id":{"type":"string"},"n":{"type":"integer"}},)"
      R"("additionalProperties":false})";
  const std::string required_added =
      R"({"type":"object","properties":{"id":{"type":"string"},"n":{"type":"integer"}},)"
      R"("required":["n"],"additionalProperties":false})";
  EXPECT_TRUE(
      registry_->CheckCompatibility("orders-value", kLatest, Json(optional_added))->empty());
  auto problems = registry_->CheckCompatibility("orders-value", kLatest, Json(required_added));
  ASSERT_TRUE(problems.ok());
  ASSERT_FALSE(problems->empty());
  EXPECT_NE(problems->front().find("REQUIRED"), std::string::npos) << problems->front();
  EXPECT_EQ(CodeOf(registry_->Register("orders-value", Json(required_added))),
            ErrorCode::kIncompatibleSchema);
  EXPECT_TRUE(registry_->Register("orders-value", Json(optional_added)).ok());
  // Another type after a JSON schema is incompatible under any level but NONE.
  EXPECT_EQ(CodeOf(registry_->Register("orders-value", Avro(R"("string")"))),
            ErrorCode::kIncompatibleSchema);

  // References: a $ref by the reference's name, resolved against the referenced version.
  ASSERT_TRUE(registry_
                  ->Register("money",
                             Json(R"({"type":"object","properties":{"cents":{"type":"integer"}}})"))
                  .ok());
  auto with_ref = registry_->Register(
      "payments-value", Json(R"({"type":"object","properties":{"total":{"$ref":"money.json"}}})",
                             {{"money.json", "money", 1}}));
  ASSERT_TRUE(with_ref.ok()) << with_ref.error().message;
  auto parsed = registry_->ParsedById(*with_ref);
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE((*parsed)->Check(AsBytes(R"({"total":{"cents":5}})")).ok());
  EXPECT_FALSE((*parsed)->Check(AsBytes(R"({"total":{"cents":"5"}})")).ok());
  EXPECT_EQ(CodeOf(registry_->Register("payments-value",
                                       Json(R"({"properties":{"t":{"$ref":"nowhere.json"}}})"))),
            ErrorCode::kInvalidSchema);
}

TEST_F(SchemaRegistryTest, SoftThenPermanentDeletion) {
  MustRegister("d", kUserV1);
  MustRegister("d", kUserV2);
  // Permanent first is refused.
  EXPECT_EQ(CodeOf(registry_->DeleteSubject("d", true)), ErrorCode::kSubjectNotSoftDeleted);
  auto soft = registry_->DeleteSubject("d", false);
  ASSERT_TRUE(soft.ok());
  EXPECT_EQ(*soft, (std::vector<int32_t>{1, 2}));
  EXPECT_TRUE(registry_->Subjects(false).empty());
  EXPECT_EQ(registry_->Subjects(true), std::vector<std::string>{"d"});
  EXPECT_EQ(CodeOf(registry_->Versions("d", false)), ErrorCode::kSubjectNotFound);
  EXPECT_TRUE(registry_->GetVersion("d", 1, true).ok());
  EXPECT_EQ(CodeOf(registry_->DeleteSubject("d", false)), ErrorCode::kSubjectSoftDeleted);
  // Ids stay readable until the permanent delete.
  EXPECT_TRUE(registry_->GetSchema(2).ok());
  ASSERT_TRUE(registry_->DeleteSubject("d", true).ok());
  EXPECT_EQ(CodeOf(registry_->GetSchema(2)), ErrorCode::kSchemaNotFound);
  EXPECT_TRUE(registry_->Subjects(true).empty());
  // An id is never given again, even after a restart.
  Reopen();
  EXPECT_EQ(MustRegister("e", R"("string")"), 3);
}

TEST_F(SchemaRegistryTest, VersionDeletion) {
  MustRegister("v", kUserV1);
  MustRegister("v", kUserV2);
  EXPECT_EQ(CodeOf(registry_->DeleteVersion("v", 1, true)), ErrorCode::kVersionNotSoftDeleted);
  auto deleted = registry_->DeleteVersion("v", kLatest, false);
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(*deleted, 2);
  EXPECT_EQ(registry_->GetVersion("v", kLatest, false)->version, 1);
  EXPECT_EQ(CodeOf(registry_->GetVersion("v", 2, false)), ErrorCode::kVersionNotFound);
  EXPECT_EQ(CodeOf(registry_->DeleteVersion("v", 2, false)), ErrorCode::kVersionSoftDeleted);
  EXPECT_EQ(CodeOf(registry_->DeleteVersion("v", 7, false)), ErrorCode::kVersionNotFound);
  ASSERT_TRUE(registry_->DeleteVersion("v", 2, true).ok());
  // Registering v2's schema again makes a new version with the next number.
  EXPECT_EQ(MustRegister("v", kUserV2), 3);
  EXPECT_EQ(registry_->GetVersion("v", kLatest, false)->version, 2);
}

TEST_F(SchemaRegistryTest, LookupFindsTheVersion) {
  MustRegister("l", kUserV1);
  auto found = registry_->Lookup("l", Avro(kUserV1), false);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->version, 1);
  EXPECT_EQ(CodeOf(registry_->Lookup("l", Avro(kUserV2), false)), ErrorCode::kSchemaNotFound);
  EXPECT_EQ(CodeOf(registry_->Lookup("nope", Avro(kUserV1), false)), ErrorCode::kSubjectNotFound);
}

TEST_F(SchemaRegistryTest, ReferencesResolveAndProtectWhatTheyName) {
  MustRegister("address", R"({"type":"record","name":"Address","namespace":"com.example",
    "fields":[{"name":"city","type":"string"}]})");
  SchemaInput person{.schema = R"({"type":"record","name":"Person","namespace":"com.example",
    "fields":[{"name":"home","type":"com.example.Address"}]})",
                     .references = {{"com.example.Address", "address", 1}}};
  auto id = registry_->Register("person", person);
  ASSERT_TRUE(id.ok()) << id.error().message;
  auto by = registry_->ReferencedBy("address", 1);
  ASSERT_TRUE(by.ok());
  EXPECT_EQ(*by, std::vector<int32_t>{*id});
  EXPECT_EQ(CodeOf(registry_->DeleteSubject("address", false)), ErrorCode::kReferenceExists);
  // Without the reference the name is unknown.
  EXPECT_EQ(CodeOf(registry_->Register("p2", Avro(person.schema))), ErrorCode::kInvalidSchema);
}

TEST_F(SchemaRegistryTest, ImportModeTakesIdsAndVersions) {
  MustRegister("existing", kUserV1);
  EXPECT_EQ(CodeOf(registry_->SetMode(std::nullopt, Mode::kImport, false)),
            ErrorCode::kOperationNotPermitted);
  SchemaInput with_id = Avro(kUserV2);
  with_id.id = 100;
  with_id.version = 5;
  EXPECT_EQ(CodeOf(registry_->Register("imported", with_id)), ErrorCode::kOperationNotPermitted);
  ASSERT_TRUE(registry_->SetMode(std::nullopt, Mode::kImport, true).ok());
  auto id = registry_->Register("imported", with_id);
  ASSERT_TRUE(id.ok()) << id.error().message;
  EXPECT_EQ(*id, 100);
  EXPECT_EQ(registry_->GetVersion("imported", kLatest, false)->version, 5);
  // Id 1 holds another schema.
  SchemaInput clash = Avro(R"("string")");
  clash.id = 1;
  EXPECT_EQ(CodeOf(registry_->Register("other", clash)), ErrorCode::kIdDoesNotMatch);
  ASSERT_TRUE(registry_->SetMode(std::nullopt, Mode::kReadWrite, false).ok());
  // New ids continue after the highest imported one.
  EXPECT_EQ(MustRegister("next", R"("long")"), 101);
}

TEST_F(SchemaRegistryTest, ConfigAndModeLevels) {
  EXPECT_EQ(registry_->GlobalCompatibility(), Compatibility::kBackward);
  EXPECT_EQ(CodeOf(registry_->DeleteCompatibility("s")),
            ErrorCode::kSubjectCompatibilityNotConfigured);
  ASSERT_TRUE(registry_->SetCompatibility("s", Compatibility::kForward).ok());
  EXPECT_EQ(*registry_->DeleteCompatibility("s"), Compatibility::kForward);
  EXPECT_EQ(registry_->SubjectCompatibility("s"), std::nullopt);
  ASSERT_TRUE(registry_->SetCompatibility(std::nullopt, Compatibility::kFull).ok());
  EXPECT_EQ(*registry_->DeleteCompatibility(std::nullopt), Compatibility::kFull);
  EXPECT_EQ(registry_->GlobalCompatibility(), Compatibility::kBackward);
  EXPECT_EQ(CodeOf(registry_->DeleteMode("s")), ErrorCode::kSubjectModeNotConfigured);
  ASSERT_TRUE(registry_->SetMode("s", Mode::kReadOnly, false).ok());
  EXPECT_EQ(CodeOf(registry_->Register("s", Avro(R"("int")"))), ErrorCode::kOperationNotPermitted);
  EXPECT_TRUE(registry_->Register("t", Avro(R"("int")")).ok());
  EXPECT_EQ(*registry_->DeleteMode("s"), Mode::kReadOnly);
  EXPECT_TRUE(registry_->Register("s", Avro(R"("int")")).ok());
  EXPECT_EQ(ParseCompatibility("FULL_TRANSITIVE"), Compatibility::kFullTransitive);
  EXPECT_EQ(ParseCompatibility("full"), Compatibility::kFull);
  EXPECT_EQ(ParseCompatibility("fullest"), std::nullopt);
  EXPECT_EQ(ParseMode("readonly"), Mode::kReadOnly);
}

}  // namespace
}  // namespace herald::registry
