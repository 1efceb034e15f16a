// Avro and JSON schemas fetched by id from a schema registry's HTTP API (herald serve's, or any
// Confluent-compatible one), with what they reference, each fetched once: what `herald produce
// --value-schema-id` encodes with and `herald consume --decode` decodes with.
//
// Thread-compatible: one command's thread uses it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "base/status.h"
#include "client/http_client.h"
#include "registry/parsed_schema.h"

namespace herald::cli {

class RegistrySchemas {
 public:
  explicit RegistrySchemas(client::HttpClientOptions options) : http_(std::move(options)) {}

  // Schema `id`, parsed with its references.
  Result<std::shared_ptr<const registry::ParsedSchema>> Get(int32_t id);

  // `value` (JSON text: Avro's JSON encoding for an Avro schema, an instance for a JSON Schema)
  // as a record value in Confluent's wire format.
  Result<std::string> EncodeJson(int32_t id, const std::string& value);
  // A framed key or value decoded to JSON (Avro's JSON encoding for Avro), as text.
  Result<std::string> Decode(const std::string& bytes);

 private:
  // Appends what `refs` (a registry answer's "references") names, depth first.
  Status AddReferences(const nlohmann::json& refs, std::vector<registry::ReferencedText>& texts,
                       int depth);

  client::HttpClient http_;
  std::map<int32_t, std::shared_ptr<const registry::ParsedSchema>> cache_;
};

}  // namespace herald::cli
