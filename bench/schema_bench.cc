#include "schema_bench.h"

#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/bytes.h"
#include "base/varint.h"
#include "client/http_client.h"
#include "herald_server.h"
#include "produce_bench.h"

namespace herald::bench {
namespace {

using nlohmann::json;

// A reading with tags and a note: about 1 KiB in Avro's binary encoding.
constexpr const char* kAvroSchema =
    R"({"type":"record","name":"Reading","namespace":"bench","fields":[
        {"name":"id","type":"string"},{"name":"seq","type":"long"},
        {"name":"value","type":"double"},
        {"name":"tags","type":{"type":"array","items":"string"}},
        {"name":"note","type":["null","string"],"default":null}]})";

void PutString(Buffer& out, const std::string& s) {
  PutVarlong(out, static_cast<int64_t>(s.size()));
  out.insert(out.end(), s.begin(), s.end());
}

// Confluent's framing (magic 0, the id) around one Reading.
std::string FramedReading(int32_t id) {
  Buffer out = {0};
  out.resize(5);
  StoreBigEndian<int32_t>(out.data() + 1, id);
  PutString(out, "reading-000042");
  PutVarlong(out, 123456789);
  const double value = 21.5;
  const auto* bytes = reinterpret_cast<const uint8_t*>(&value);
  out.insert(out.end(), bytes, bytes + sizeof(value));  // little-endian, as Avro writes it
  PutVarlong(out, 8);                                   // one block of 8 tags
  for (int i = 0; i < 8; ++i) PutString(out, fmt::format("tag-{}-{}", i, std::string(56, 't')));
  PutVarlong(out, 0);  // end of the array
  PutVarlong(out, 1);  // the union's string branch
  PutString(out, std::string(400, 'n'));
  return std::string(out.begin(), out.end());
}

// The same reading as JSON Schema sees it, with the constraints a team would write.
constexpr const char* kJsonSchema =
    R"({"title":"Reading","type":"object","properties":{
        "id":{"type":"string","pattern":"^reading-[0-9]+$"},
        "seq":{"type":"integer","minimum":0},
        "value":{"type":"number"},
        "tags":{"type":"array","items":{"type":"string","maxLength":64}},
        "note":{"type":["null","string"]}},
        "required":["id","seq","value"],"additionalProperties":false})";

// Confluent's framing around one Reading as JSON text, as its JSON Schema serializer writes it.
std::string FramedJsonReading(int32_t id) {
  Buffer out = {0};
  out.resize(5);
  StoreBigEndian<int32_t>(out.data() + 1, id);
  json tags = json::array();
  for (int i = 0; i < 8; ++i) tags.push_back(fmt::format("tag-{}-{}", i, std::string(56, 't')));
  const std::string text = json{
      {"id", "reading-000042"},
      {"seq", 123456789},
      {"value", 21.5},
      {"tags", tags},
      {"note",
       std::string(400, 'n')}}.dump();
  return std::string(out.begin(), out.end()) + text;
}

Result<int32_t> RegisterSchema(const std::string& url, const std::string& subject, bool json_type) {
  client::HttpClient http({.url = url});
  json request = {{"schema", json_type ? kJsonSchema : kAvroSchema}};
  if (json_type) request["schemaType"] = "JSON";
  HERALD_ASSIGN_OR_RETURN(auto answer,
                          http.Call("POST", "/subjects/" + subject + "/versions", request.dump(),
                                    "application/vnd.schemaregistry.v1+json"));
  auto body = json::parse(answer.body, nullptr, false);
  if (answer.status != 200 || !body.is_object() || !body["id"].is_number_integer()) {
    return Internal("registering the bench's schema answered {}: {}", answer.status, answer.body);
  }
  return body["id"].get<int32_t>();
}

}  // namespace

std::string SchemaBenchResult::ToJson() const {
  return json{{"type", type},
              {"record_bytes", record_bytes},
              {"plain_msgs_s", plain_msgs_s},
              {"validated_msgs_s", validated_msgs_s},
              {"validated_to_plain_ratio", ratio()}}
      .dump();
}

Result<SchemaBenchResult> RunSchemaBench(const SchemaBenchOptions& o, std::ostream& progress) {
  if (o.count == 0 || o.rounds < 1) return InvalidArgument("count and rounds must be > 0");
  if (o.type != "avro" && o.type != "json") return InvalidArgument("type is avro or json");
  const bool json_type = o.type == "json";
  std::error_code ec;
  std::filesystem::remove_all(o.dir, ec);
  std::filesystem::create_directories(o.dir, ec);
  HeraldServer server;
  HERALD_RETURN_IF_ERROR(server.Start(o.herald_binary, o.dir));
  HERALD_ASSIGN_OR_RETURN(int32_t id,
                          RegisterSchema(server.http_url(), "bench-validated-value", json_type));
  HERALD_RETURN_IF_ERROR(CreateTopic(server.bootstrap(), "bench-plain", o.partitions));
  HERALD_RETURN_IF_ERROR(CreateTopic(server.bootstrap(), "bench-validated", o.partitions,
                                     {{"confluent.value.schema.validation", "true"}}));
  const std::string record = json_type ? FramedJsonReading(id) : FramedReading(id);
  SchemaBenchResult r;
  r.type = o.type;
  r.record_bytes = record.size();
  progress << fmt::format(
      "herald bench schema: {} {} records of {} bytes per phase, {} partitions, acks=all; "
      "without and with confluent.value.schema.validation, {} rounds\n",
      o.count, json_type ? "JSON Schema" : "Avro", record.size(), o.partitions, o.rounds);
  double plain_seconds = 0, validated_seconds = 0;
  for (int round = 0; round < o.rounds; ++round) {
    for (const char* topic : {"bench-plain", "bench-validated"}) {
      HERALD_ASSIGN_OR_RETURN(ProducePhase phase,
                              ProduceAtMaxRate(server.bootstrap(), topic, record, o.count, "all"));
      (topic == std::string("bench-plain") ? plain_seconds : validated_seconds) +=
          static_cast<double>(o.count) / phase.msgs_s;
      progress << fmt::format("  round {} {:<16} {:.0f} msgs/s, {:.1f} MB/s\n", round + 1, topic,
                              phase.msgs_s, phase.mb_s);
    }
  }
  const double records = static_cast<double>(o.count) * o.rounds;
  r.plain_msgs_s = records / plain_seconds;
  r.validated_msgs_s = records / validated_seconds;
  // The validated topic validates: an unframed record is refused.
  if (ProduceAtMaxRate(server.bootstrap(), "bench-validated", "not framed", 1, "all").ok()) {
    return Internal("the validated topic took an unframed record");
  }
  // The target is Avro's (a binary datum checked in place); JSON Schema parses each payload first.
  progress << fmt::format("  validated / plain: {:.2f}x{}\n", r.ratio(),
                          json_type ? "" : " (target >= 0.7x)");
  return r;
}

}  // namespace herald::bench
