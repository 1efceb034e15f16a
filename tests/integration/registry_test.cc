// The schema registry through a real `herald serve`: every route and error code with curl,
// survival of a kill -9, and Debian's python3-confluent-kafka registry clients
// (SchemaRegistryClient, the Avro producer and consumer, the JSON Schema serializer and
// deserializer) end to end.
#include <chrono>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/net.h"
#include "testing/clients.h"
#include "testing/curl.h"
#include "testing/herald_process.h"
#include "testing/test_util.h"

namespace herald {
namespace {

using nlohmann::json;
using testing::HttpAnswer;

constexpr const char* kRegistryType = "application/vnd.schemaregistry.v1+json";

const json kUserV1 = {{"type", "record"},
                      {"name", "User"},
                      {"fields", json::array({{{"name", "name"}, {"type", "string"}}})}};
const json kUserV2 = {
    {"type", "record"},
    {"name", "User"},
    {"fields", json::array({{{"name", "name"}, {"type", "string"}},
                            {{"name", "age"}, {"type", "int"}, {"default", 0}}})}};
// A new field without a default: not BACKWARD compatible.
const json kUserBad = {{"type", "record"},
                       {"name", "User"},
                       {"fields", json::array({{{"name", "name"}, {"type", "string"}},
                                               {{"name", "email"}, {"type", "string"}}})}};

class RegistryTest : public ::testing::Test {
 protected:
  void SetUp() override { Start(); }
  void TearDown() override {
    if (HasFailure() && server_) server_->PrintLogTail();
  }
  void Start() { server_ = std::make_unique<testing::HeraldProcess>(dir_.str() + "/data"); }

  HttpAnswer Call(const std::string& method, const std::string& path,
                  const std::string& body = "") {
    return testing::Curl(method, server_->http_url() + path, body,
                         body.empty() ? "" : kRegistryType);
  }
  static std::string SchemaBody(const json& schema) {
    return json{{"schema", schema.dump()}}.dump();
  }
  // The error code of an answer, checking its HTTP status agrees.
  static int ErrorCodeOf(const HttpAnswer& a) {
    const json body = a.Json();
    if (!body.is_object() || !body.contains("error_code")) return 0;
    const int code = body["error_code"];
    EXPECT_EQ(a.status, code < 1000 ? code : code / 100) << a.body;
    return code;
  }

  // Runs a script of tests/integration/clients with the broker and registry's addresses; the
  // JSON facts it prints on its last line (null after a failure, which the test is told of).
  json RunClient(const std::string& script) {
    return testing::RunPythonClient(
        script, fmt::format("{} {}", server_->bootstrap(), server_->http_url()));
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::HeraldProcess> server_;
};

TEST_F(RegistryTest, SubjectsVersionsAndIds) {
  HttpAnswer reg = Call("POST", "/subjects/users-value/versions", SchemaBody(kUserV1));
  ASSERT_EQ(reg.status, 200) << reg.body;
  EXPECT_EQ(reg.Json(), json::parse(R"({"id":1})"));
  // Again, and under another subject: the same id.
  EXPECT_EQ(Call("POST", "/subjects/users-value/versions", SchemaBody(kUserV1)).Json()["id"], 1);
  EXPECT_EQ(Call("POST", "/subjects/other/versions", SchemaBody(kUserV1)).Json()["id"], 1);
  EXPECT_EQ(Call("POST", "/subjects/users-value/versions", SchemaBody(kUserV2)).Json()["id"], 2);

  EXPECT_EQ(Call("GET", "/subjects").Json(), json::parse(R"(["other","users-value"])"));
  EXPECT_EQ(Call("GET", "/subjects?subjectPrefix=users").Json(), json::parse(R"(["users-value"])"));
  EXPECT_EQ(Call("GET", "/subjects/users-value/versions").Json(), json::parse("[1,2]"));
  json latest = Call("GET", "/subjects/users-value/versions/latest").Json();
  EXPECT_EQ(latest["version"], 2);
  EXPECT_EQ(latest["id"], 2);
  EXPECT_EQ(latest["subject"], "users-value");
  EXPECT_EQ(json::parse(latest["schema"].get<std::string>()), kUserV2);
  HttpAnswer raw = Call("GET", "/subjects/users-value/versions/1/schema");
  EXPECT_EQ(json::parse(raw.body), kUserV1);
  HttpAnswer by_id = Call("GET", "/schemas/ids/1");
  EXPECT_EQ(json::parse(by_id.Json()["schema"].get<std::string>()), kUserV1);
  EXPECT_EQ(json::parse(Call("GET", "/schemas/ids/2/schema").body), kUserV2);
  EXPECT_EQ(Call("GET", "/schemas/ids/1/subjects").Json(),
            json::parse(R"(["other","users-value"])"));
  EXPECT_EQ(
      Call("GET", "/schemas/ids/1/versions").Json(),
      json::parse(R"([{"subject":"other","version":1},{"subject":"users-value","version":1}])"));
  EXPECT_EQ(Call("GET", "/schemas/types").Json(), json::parse(R"(["JSON","AVRO"])"));
  EXPECT_EQ(Call("GET", "/subjects/users-value/versions/1/referencedby").Json(), json::array());

  // Lookup.
  json found = Call("POST", "/subjects/users-value", SchemaBody(kUserV1)).Json();
  EXPECT_EQ(found["version"], 1);
  EXPECT_EQ(found["id"], 1);
  EXPECT_EQ(ErrorCodeOf(Call("POST", "/subjects/users-value", SchemaBody(kUserBad))), 40403);
  EXPECT_EQ(ErrorCodeOf(Call("POST", "/subjects/nobody", SchemaBody(kUserV1))), 40401);

  // The answers' content type is the registry's.
  auto head = testing::Curl("GET", server_->http_url() + "/subjects", "", "", "-i");
  EXPECT_NE(head.body.find(kRegistryType), std::string::npos) << head.body;
}

TEST_F(RegistryTest, CompatibilityConfigAndModes) {
  ASSERT_EQ(Call("POST", "/subjects/u/versions", SchemaBody(kUserV1)).status, 200);
  json check =
      Call("POST", "/compatibility/subjects/u/versions/latest?verbose=true", SchemaBody(kUserBad))
          .Json();
  EXPECT_EQ(check["is_compatible"], false);
  ASSERT_TRUE(check["messages"].is_array());
  ASSERT_FALSE(check["messages"].empty());
  EXPECT_NE(check["messages"][0].get<std::string>().find("email"), std::string::npos) << check;
  EXPECT_EQ(Call("POST", "/compatibility/subjects/u/versions/1", SchemaBody(kUserV2)).Json(),
            json::parse(R"({"is_compatible":true})"));
  EXPECT_EQ(Call("POST", "/compatibility/subjects/u/versions", SchemaBody(kUserV2)).Json(),
            json::parse(R"({"is_compatible":true})"));
  HttpAnswer refused = Call("POST", "/subjects/u/versions", SchemaBody(kUserBad));
  EXPECT_EQ(ErrorCodeOf(refused), 409);

  EXPECT_EQ(Call("GET", "/config").Json(), json::parse(R"({"compatibilityLevel":"BACKWARD"})"));
  EXPECT_EQ(ErrorCodeOf(Call("GET", "/config/u")), 40408);
  EXPECT_EQ(Call("GET", "/config/u?defaultToGlobal=true").Json()["compatibilityLevel"], "BACKWARD");
  EXPECT_EQ(Call("PUT", "/config/u", R"({"compatibility":"NONE"})").Json(),
            json::parse(R"({"compatibility":"NONE"})"));
  EXPECT_EQ(Call("GET", "/config/u").Json()["compatibilityLevel"], "NONE");
  EXPECT_EQ(Call("POST", "/subjects/u/versions", SchemaBody(kUserBad)).Json()["id"], 2);
  EXPECT_EQ(Call("DELETE", "/config/u").Json()["compatibilityLevel"], "NONE");
  EXPECT_EQ(ErrorCodeOf(Call("PUT", "/config", R"({"compatibility":"SIDEWAYS"})")), 42203);
  EXPECT_EQ(Call("PUT", "/config", R"({"compatibility":"full"})").Json()["compatibility"], "FULL");
  EXPECT_EQ(Call("DELETE", "/config").Json()["compatibilityLevel"], "FULL");

  EXPECT_EQ(Call("GET", "/mode").Json(), json::parse(R"({"mode":"READWRITE"})"));
  EXPECT_EQ(ErrorCodeOf(Call("GET", "/mode/u")), 40409);
  EXPECT_EQ(ErrorCodeOf(Call("PUT", "/mode", R"({"mode":"SOMETIMES"})")), 42204);
  EXPECT_EQ(Call("PUT", "/mode/u", R"({"mode":"READONLY"})").Json()["mode"], "READONLY");
  EXPECT_EQ(ErrorCodeOf(Call("POST", "/subjects/u/versions", SchemaBody(kUserV2))), 42205);
  EXPECT_EQ(Call("DELETE", "/mode/u").Json()["mode"], "READONLY");
  // IMPORT needs an empty registry, or force.
  EXPECT_EQ(ErrorCodeOf(Call("PUT", "/mode", R"({"mode":"IMPORT"})")), 42205);
  EXPECT_EQ(Call("PUT", "/mode?force=true", R"({"mode":"IMPORT"})").Json()["mode"], "IMPORT");
  json imported = {{"schema", R"("string")"}, {"id", 50}, {"version", 3}};
  EXPECT_EQ(Call("POST", "/subjects/imported/versions", imported.dump()).Json()["id"], 50);
  EXPECT_EQ(Call("GET", "/subjects/imported/versions").Json(), json::parse("[3]"));
}

TEST_F(RegistryTest, DeletionAndErrorCodes) {
  ASSERT_EQ(Call("POST", "/subjects/d/versions", SchemaBody(kUserV1)).status, 200);
  ASSERT_EQ(Call("POST", "/subjects/d/versions", SchemaBody(kUserV2)).status, 200);
  EXPECT_EQ(ErrorCodeOf(Call("GET", "/subjects/nobody/versions")), 40401);
  EXPECT_EQ(ErrorCodeOf(Call("GET", "/subjects/d/versions/9")), 40402);
  EXPECT_EQ(ErrorCodeOf(Call("GET", "/subjects/d/versions/zero")), 42202);
  EXPECT_EQ(ErrorCodeOf(Call("GET", "/subjects/d/versions/0")), 42202);
  EXPECT_EQ(ErrorCodeOf(Call("GET", "/schemas/ids/77")), 40403);
  EXPECT_EQ(ErrorCodeOf(Call("GET", "/schemas/ids/abc")), 40403);
  // Invalid schemas and bodies.
  EXPECT_EQ(ErrorCodeOf(Call("POST", "/subjects/d/versions", R"({"schema":"{\"type\":"})")), 42201);
  EXPECT_EQ(ErrorCodeOf(Call("POST", "/subjects/d/versions", R"({"schema":"\"nosuch\""})")), 42201);
  EXPECT_EQ(ErrorCodeOf(Call("POST", "/subjects/d/versions", R"({"schema":{"type":"int"}})")),
            42201);
  EXPECT_EQ(ErrorCodeOf(Call("POST", "/subjects/d/versions", "not json")), 42201);
  EXPECT_EQ(ErrorCodeOf(
                Call("POST", "/subjects/d/versions", R"({"schema":"\"int\"","schemaType":"XML"})")),
            42201);
  EXPECT_EQ(Call("GET", "/subjects/d/versions").Json(), json::parse("[1,2]")) << "nothing stored";

  EXPECT_EQ(ErrorCodeOf(Call("DELETE", "/subjects/d/versions/2?permanent=true")), 40407);
  EXPECT_EQ(Call("DELETE", "/subjects/d/versions/2").Json(), 2);
  EXPECT_EQ(ErrorCodeOf(Call("DELETE", "/subjects/d/versions/2")), 40406);
  EXPECT_EQ(Call("GET", "/subjects/d/versions?deleted=true").Json(), json::parse("[1,2]"));
  EXPECT_EQ(Call("DELETE", "/subjects/d/versions/2?permanent=true").Json(), 2);
  EXPECT_EQ(ErrorCodeOf(Call("DELETE", "/subjects/d?permanent=true")), 40405);
  EXPECT_EQ(Call("DELETE", "/subjects/d").Json(), json::parse("[1]"));
  EXPECT_EQ(ErrorCodeOf(Call("DELETE", "/subjects/d")), 40404);
  EXPECT_EQ(Call("GET", "/subjects").Json(), json::array());
  EXPECT_EQ(Call("GET", "/subjects?deleted=true").Json(), json::parse(R"(["d"])"));
  EXPECT_EQ(Call("DELETE", "/subjects/d?permanent=true").Json(), json::parse("[1]"));
  EXPECT_EQ(ErrorCodeOf(Call("GET", "/schemas/ids/1")), 40403);
}

TEST_F(RegistryTest, SchemasSurviveKillNine) {
  ASSERT_EQ(Call("POST", "/subjects/k/versions", SchemaBody(kUserV1)).Json()["id"], 1);
  ASSERT_EQ(Call("POST", "/subjects/k/versions", SchemaBody(kUserV2)).Json()["id"], 2);
  ASSERT_EQ(Call("PUT", "/config/k", R"({"compatibility":"FULL"})").status, 200);
  server_->Kill();
  Start();
  EXPECT_EQ(Call("GET", "/subjects/k/versions").Json(), json::parse("[1,2]"));
  EXPECT_EQ(json::parse(Call("GET", "/schemas/ids/2/schema").body), kUserV2);
  EXPECT_EQ(Call("GET", "/config/k").Json()["compatibilityLevel"], "FULL");
  EXPECT_EQ(Call("POST", "/subjects/k2/versions", SchemaBody(json("long"))).Json()["id"], 3);
}

TEST_F(RegistryTest, ConfluentKafkaRegistryClientsEndToEnd) {
  HERALD_REQUIRE_CLIENT(testing::PythonHas("confluent_kafka") && testing::PythonHas("avro") &&
                            testing::PythonHas("requests"),
                        "python3-confluent-kafka with python3-avro and python3-requests");
  const json facts = RunClient("confluent_registry.py");
  ASSERT_TRUE(facts.is_object());
  EXPECT_EQ(facts["id_again"], true);
  EXPECT_EQ(facts["fetched_same"], true);
  EXPECT_EQ(facts["fetched_type"], "AVRO");
  EXPECT_EQ(facts["compatible_v2"], true);
  EXPECT_EQ(facts["compatible_bad"], false);
  EXPECT_EQ(facts["ids"], json::parse("[1,2]"));
  EXPECT_EQ(facts["latest"], json::parse("[2,2]"));
  EXPECT_EQ(facts["versions"], json::parse("[1,2]"));
  EXPECT_EQ(facts["bad_refused"], json::parse("[409,409]"));
  EXPECT_EQ(facts["missing_id"], json::parse("[404,40403]"));
  EXPECT_EQ(facts["set_level"], json::parse(R"({"compatibility":"FULL"})"));
  EXPECT_EQ(facts["level"], "FULL");
  EXPECT_EQ(facts["subjects"], json::parse(R"(["orders-value"])"));
  ASSERT_EQ(facts["values"].size(), 5u) << facts;
  EXPECT_EQ(facts["values"][3], json::parse(R"({"id":"o3","amount":300,"currency":"SEK"})"));
  EXPECT_EQ(facts["deleted"], json::parse("[1,2]"));
}

TEST_F(RegistryTest, ConfluentKafkaJsonSchemaSerializersEndToEnd) {
  HERALD_REQUIRE_CLIENT(testing::PythonHas("confluent_kafka") && testing::PythonHas("jsonschema") &&
                            testing::PythonHas("requests"),
                        "python3-confluent-kafka with python3-jsonschema and python3-requests");
  const json facts = RunClient("confluent_json_schema.py");
  ASSERT_TRUE(facts.is_object());
  EXPECT_EQ(facts["id_again"], true);
  EXPECT_EQ(facts["fetched_same"], true);
  EXPECT_EQ(facts["fetched_type"], "JSON");
  EXPECT_EQ(facts["compatible_v2"], true);
  EXPECT_EQ(facts["compatible_bad"], false);
  EXPECT_EQ(facts["bad_refused"], json::parse("[409,409]"));
  EXPECT_EQ(facts["invalid_refused"], json::parse("[422,42201]"));
  EXPECT_EQ(facts["valid_delivered"], 5);
  EXPECT_EQ(facts["latest_version"], 2) << "the serializer registered the optional property";
  EXPECT_EQ(facts["errors"], json::parse(R"({"negative_amount":"INVALID_RECORD",
      "missing_id":"INVALID_RECORD","unknown_property":"INVALID_RECORD",
      "not_json":"INVALID_RECORD"})"));
  ASSERT_EQ(facts["values"].size(), 5u) << facts;
  EXPECT_EQ(facts["values"][3], json::parse(R"({"id":"o3","amount":4.5,"currency":"SEK"})"));
  EXPECT_EQ(facts["high_watermark"], 5) << "nothing of a refused batch is written";
}

TEST_F(RegistryTest, TheCliRegistersShowsChecksConfiguresAndDeletes) {
  const std::string herald = fmt::format("{} schema", HERALD_BINARY);
  const std::string url = "--url " + server_->http_url();
  auto run = [&](const std::string& args) {
    return testing::RunCommand(fmt::format("{} {} {}", herald, args, url));
  };
  auto reg = run(fmt::format("register users-value --schema '{}'", kUserV1.dump()));
  ASSERT_EQ(reg.exit_code, 0) << reg.err;
  EXPECT_NE(reg.out.find("schema id 1"), std::string::npos) << reg.out;
  auto got = run("get users-value --output json");
  ASSERT_EQ(got.exit_code, 0) << got.err;
  EXPECT_EQ(json::parse(got.out)["version"], 1);
  EXPECT_NE(run("get --id 1").out.find("\"name\": \"User\""), std::string::npos);
  EXPECT_EQ(run("list").out, "users-value\n");
  EXPECT_EQ(run("list users-value").out, "1\n");
  auto bad = run(fmt::format("check users-value --schema '{}'", kUserBad.dump()));
  EXPECT_EQ(bad.exit_code, 1) << "incompatible";
  EXPECT_NE(bad.out.find("NOT compatible"), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find("email"), std::string::npos) << bad.out;
  EXPECT_EQ(run(fmt::format("check users-value --schema '{}'", kUserV2.dump())).exit_code, 0);
  EXPECT_NE(run("config users-value --set full_transitive").out.find("FULL_TRANSITIVE"),
            std::string::npos);
  EXPECT_NE(run("config").out.find("BACKWARD"), std::string::npos);
  auto missing = run("get nobody");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("40401"), std::string::npos) << missing.err;
  EXPECT_EQ(run("delete users-value").exit_code, 0);
  EXPECT_EQ(run("list").out, "");
  EXPECT_EQ(run("delete users-value --permanent").exit_code, 0);
  EXPECT_EQ(run("list --deleted").out, "");
}

TEST_F(RegistryTest, TheRestProxyProducesAndConsumesAvro) {
  constexpr const char* kAvro = "application/vnd.kafka.avro.v2+json";
  constexpr const char* kV2 = "application/vnd.kafka.v2+json";
  const std::string url = server_->http_url();
  json body = {{"value_schema", kUserV2.dump()},
               {"records", json::array({{{"value", {{"name", "ada"}, {"age", 36}}}},
                                        {{"value", {{"name", "alan"}}}}})}};
  HttpAnswer produced = testing::Curl("POST", url + "/topics/people", body.dump(), kAvro);
  ASSERT_EQ(produced.status, 200) << produced.body;
  EXPECT_EQ(produced.Json()["value_schema_id"], 1) << "registered under people-value";
  EXPECT_EQ(produced.Json()["key_schema_id"], nullptr);
  EXPECT_EQ(Call("GET", "/subjects").Json(), json::parse(R"(["people-value"])"));
  // By id, and a value that does not match the schema.
  json by_id = {{"value_schema_id", 1},
                {"records", json::array({{{"value", {{"name", "grace"}}}}})}};
  EXPECT_EQ(testing::Curl("POST", url + "/topics/people", by_id.dump(), kAvro).status, 200);
  json wrong = {{"value_schema_id", 1}, {"records", json::array({{{"value", {{"age", "x"}}}}})}};
  EXPECT_EQ(ErrorCodeOf(testing::Curl("POST", url + "/topics/people", wrong.dump(), kAvro)), 42203);
  json unknown = {{"value_schema_id", 9}, {"records", json::array({{{"value", 1}}})}};
  EXPECT_EQ(ErrorCodeOf(testing::Curl("POST", url + "/topics/people", unknown.dump(), kAvro)),
            40403);

  ASSERT_EQ(testing::Curl("POST", url + "/consumers/readers",
                          R"({"name":"a","format":"avro","auto.offset.reset":"earliest"})", kV2)
                .status,
            200);
  const std::string base = url + "/consumers/readers/instances/a";
  ASSERT_EQ(testing::Curl("POST", base + "/subscription", R"({"topics":["people"]})", kV2).status,
            204);
  json records = json::array();
  for (auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
       records.size() < 3 && std::chrono::steady_clock::now() < until;) {
    auto read = testing::Curl("GET", base + "/records?timeout=2000", "", "",
                              fmt::format("-H 'Accept: {}'", kAvro));
    ASSERT_EQ(read.status, 200) << read.body;
    for (auto& r : read.Json()) records.push_back(r);
  }
  ASSERT_EQ(records.size(), 3u) << records.dump();
  EXPECT_EQ(records[0]["value"], json::parse(R"({"name":"ada","age":36})"));
  EXPECT_EQ(records[1]["value"], json::parse(R"({"name":"alan","age":0})")) << "the default";
  EXPECT_EQ(records[2]["value"]["name"], "grace");
  EXPECT_EQ(testing::Curl("DELETE", base, "", kV2).status, 204);
}

TEST_F(RegistryTest, TheRestProxyProducesAndConsumesJsonSchema) {
  constexpr const char* kJsonSchema = "application/vnd.kafka.jsonschema.v2+json";
  constexpr const char* kV2 = "application/vnd.kafka.v2+json";
  const std::string url = server_->http_url();
  const json schema = {
      {"title", "Reading"},
      {"type", "object"},
      {"properties",
       {{"sensor", {{"type", "string"}}}, {"celsius", {{"type", "number"}, {"minimum", -273.15}}}}},
      {"required", json::array({"sensor"})}};
  json body = {{"value_schema", schema.dump()},
               {"records", json::array({{{"value", {{"sensor", "s1"}, {"celsius", 21.5}}}},
                                        {{"value", {{"sensor", "s2"}}}}})}};
  HttpAnswer produced = testing::Curl("POST", url + "/topics/readings", body.dump(), kJsonSchema);
  ASSERT_EQ(produced.status, 200) << produced.body;
  EXPECT_EQ(produced.Json()["value_schema_id"], 1) << "registered under readings-value";
  EXPECT_EQ(Call("GET", "/subjects/readings-value/versions/1").Json()["schemaType"], "JSON");
  json wrong = {{"value_schema_id", 1},
                {"records", json::array({{{"value", {{"sensor", "s3"}, {"celsius", -300}}}}})}};
  HttpAnswer refused = testing::Curl("POST", url + "/topics/readings", wrong.dump(), kJsonSchema);
  EXPECT_EQ(ErrorCodeOf(refused), 42203);
  EXPECT_NE(refused.body.find("/celsius"), std::string::npos) << refused.body;
  // An Avro schema's id under the JSON Schema content type, and the other way round.
  ASSERT_EQ(Call("POST", "/subjects/people-value/versions", SchemaBody(kUserV1)).Json()["id"], 2);
  json avro_id = {{"value_schema_id", 2}, {"records", json::array({{{"value", {{"name", "x"}}}}})}};
  EXPECT_EQ(
      ErrorCodeOf(testing::Curl("POST", url + "/topics/readings", avro_id.dump(), kJsonSchema)),
      42201);
  json json_id = {{"value_schema_id", 1},
                  {"records", json::array({{{"value", {{"sensor", "x"}}}}})}};
  EXPECT_EQ(ErrorCodeOf(testing::Curl("POST", url + "/topics/readings", json_id.dump(),
                                      "application/vnd.kafka.avro.v2+json")),
            42201);

  ASSERT_EQ(
      testing::Curl("POST", url + "/consumers/readers",
                    R"({"name":"j","format":"jsonschema","auto.offset.reset":"earliest"})", kV2)
          .status,
      200);
  const std::string base = url + "/consumers/readers/instances/j";
  ASSERT_EQ(testing::Curl("POST", base + "/subscription", R"({"topics":["readings"]})", kV2).status,
            204);
  json records = json::array();
  for (auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
       records.size() < 2 && std::chrono::steady_clock::now() < until;) {
    auto read = testing::Curl("GET", base + "/records?timeout=2000", "", "",
                              fmt::format("-H 'Accept: {}'", kJsonSchema));
    ASSERT_EQ(read.status, 200) << read.body;
    for (auto& r : read.Json()) records.push_back(r);
  }
  ASSERT_EQ(records.size(), 2u) << records.dump();
  EXPECT_EQ(records[0]["value"], json::parse(R"({"sensor":"s1","celsius":21.5})"));
  EXPECT_EQ(records[1]["value"], json::parse(R"({"sensor":"s2"})"));
  EXPECT_EQ(testing::Curl("DELETE", base, "", kV2).status, 204);
}

TEST_F(RegistryTest, TheCliProducesJsonSchemaRecordsAndConsumesThemDecoded) {
  const json schema = {{"type", "object"},
                       {"properties", {{"n", {{"type", "integer"}, {"maximum", 10}}}}},
                       {"additionalProperties", false}};
  json body = {{"schemaType", "JSON"}, {"schema", schema.dump()}};
  ASSERT_EQ(Call("POST", "/subjects/counts-value/versions", body.dump()).Json()["id"], 1);
  const std::string where =
      fmt::format("--bootstrap {} --registry-url {}", server_->bootstrap(), server_->http_url());
  auto bad = testing::RunCommand(fmt::format(
      "printf '%s\\n' '{{\"n\":3}}' '{{\"n\":11}}' | {} produce counts --value-schema-id 1 {}",
      HERALD_BINARY, where));
  EXPECT_NE(bad.exit_code, 0) << "the second value breaks the schema: nothing is sent";
  EXPECT_NE(bad.err.find("/n"), std::string::npos) << bad.err;
  auto good = testing::RunCommand(fmt::format(
      "printf '%s\\n' '{{\"n\":3}}' '{{\"n\":4}}' | {} produce counts --value-schema-id 1 {}",
      HERALD_BINARY, where));
  ASSERT_EQ(good.exit_code, 0) << good.err;
  auto consumed = testing::RunCommand(fmt::format(
      "{} consume counts --from-beginning --decode --format json {}", HERALD_BINARY, where));
  ASSERT_EQ(consumed.exit_code, 0) << consumed.err;
  std::vector<json> values;
  std::istringstream lines(consumed.out);
  for (std::string line; std::getline(lines, line);) {
    values.push_back(json::parse(json::parse(line)["value"].get<std::string>()));
  }
  ASSERT_EQ(values.size(), 2u) << consumed.out;
  EXPECT_EQ(values[0], json::parse(R"({"n":3})"));
  EXPECT_EQ(values[1], json::parse(R"({"n":4})"));
}

TEST_F(RegistryTest, TheRegistryAlsoListensAloneOnRegistryAddr) {
  const uint16_t port = FreeLoopbackPort();
  server_.reset();
  server_ = std::make_unique<testing::HeraldProcess>(
      dir_.str() + "/data",
      std::vector<std::string>{"--registry-addr", fmt::format("127.0.0.1:{}", port)});
  const std::string alone = fmt::format("http://127.0.0.1:{}", port);
  for (int i = 0; i < 100 && !CanConnectLoopback(port); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  HttpAnswer registered = testing::Curl("POST", alone + "/subjects/k-value/versions",
                                        SchemaBody(json("string")), kRegistryType);
  ASSERT_EQ(registered.status, 200) << registered.body;
  EXPECT_EQ(Call("GET", "/subjects").Json(), json::parse(R"(["k-value"])")) << "one registry";
  EXPECT_EQ(testing::Curl("GET", alone + "/topics").status, 404) << "the registry alone";
}

TEST_F(RegistryTest, TheCliProducesAvroAndConsumesItDecoded) {
  ASSERT_EQ(Call("POST", "/subjects/people-value/versions", SchemaBody(kUserV2)).Json()["id"], 1);
  const std::string where =
      fmt::format("--bootstrap {} --registry-url {}", server_->bootstrap(), server_->http_url());
  auto bad = testing::RunCommand(fmt::format(
      "printf '%s\\n' '{{\"name\":\"ada\",\"age\":36}}' '{{\"name\":7}}' | {} produce people "
      "--value-schema-id 1 {}",
      HERALD_BINARY, where));
  EXPECT_EQ(bad.exit_code, 1) << bad.out << bad.err;
  EXPECT_NE(bad.err.find("line 2"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("nothing was produced"), std::string::npos) << bad.err;
  auto good = testing::RunCommand(
      fmt::format("printf '%s\\n' '{{\"name\":\"ada\",\"age\":36}}' '{{\"name\":\"alan\"}}' | {} "
                  "produce people --value-schema-id 1 {}",
                  HERALD_BINARY, where));
  ASSERT_EQ(good.exit_code, 0) << good.out << good.err;
  auto consumed = testing::RunCommand(fmt::format(
      "{} consume people --from-beginning --decode --format json {}", HERALD_BINARY, where));
  ASSERT_EQ(consumed.exit_code, 0) << consumed.err;
  std::vector<json> values;
  std::istringstream lines(consumed.out);
  for (std::string line; std::getline(lines, line);) {
    values.push_back(json::parse(json::parse(line)["value"].get<std::string>()));
  }
  ASSERT_EQ(values.size(), 2u) << consumed.out;
  EXPECT_EQ(values[0], json::parse(R"({"name":"ada","age":36})"));
  EXPECT_EQ(values[1], json::parse(R"({"name":"alan","age":0})"));
}

TEST_F(RegistryTest, TheRestProxyMeetsTheSameValidation) {
  ASSERT_EQ(testing::Curl("POST", server_->http_url() + "/admin/topics",
                          R"({"name":"checked","partitions":1,
                              "configs":{"confluent.value.schema.validation":"true"}})",
                          "application/json")
                .status,
            201);
  HttpAnswer produced = testing::Curl("POST", server_->http_url() + "/topics/checked",
                                      R"({"records":[{"value":"cGxhaW4="}]})",
                                      "application/vnd.kafka.binary.v2+json");
  ASSERT_EQ(produced.status, 200) << produced.body;
  const json offset = produced.Json()["offsets"][0];
  EXPECT_EQ(offset["error_code"], 1) << produced.body;
  EXPECT_NE(offset["error"].get<std::string>().find("not framed"), std::string::npos)
      << produced.body;
  EXPECT_EQ(testing::Curl("GET", server_->http_url() + "/admin/topics/checked").Json()["messages"],
            0)
      << "nothing written";
}

TEST_F(RegistryTest, TopicsWithValidationRefuseRecordsThatBreakTheirSchema) {
  HERALD_REQUIRE_CLIENT(testing::PythonHas("confluent_kafka") && testing::PythonHas("avro") &&
                            testing::PythonHas("requests"),
                        "python3-confluent-kafka with python3-avro and python3-requests");
  const json facts = RunClient("confluent_validation.py");
  ASSERT_TRUE(facts.is_object());
  EXPECT_EQ(facts["valid_delivered"], 3);
  EXPECT_EQ(facts["errors"], json::parse(R"({"plain":"INVALID_RECORD","unknown_id":"INVALID_RECORD",
      "bad_magic":"INVALID_RECORD","not_a_datum":"INVALID_RECORD"})"));
  EXPECT_EQ(facts["high_watermark"], 3) << "nothing of a refused batch is written";
  EXPECT_NE(server_->Log().find("produce_invalid_record"), std::string::npos);
}

}  // namespace
}  // namespace herald
