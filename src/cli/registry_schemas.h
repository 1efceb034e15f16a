// Avro schemas fetched by id from a schema registry's HTTP API (herald serve's, or any
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
#include "registry/avro.h"

namespace herald::cli {

class RegistrySchemas {
 public:
  explicit RegistrySchemas(client::HttpClientOptions options) : http_(std::move(options)) {}

  // Schema `id`, parsed with its references.
  Result<std::shared_ptr<const registry::avro::Schema>> Get(int32_t id);

  // `value` (Avro's JSON encoding, as text) as a record value in Confluent's wire format.
  Result<std::string> EncodeJson(int32_t id, const std::string& value);
  // A framed key or value decoded to Avro's JSON encoding (as text).
  Result<std::string> Decode(const std::string& bytes);

 private:
  // Appends the texts of what `refs` (a registry answer's "references") names, depth first.
  Status AddReferences(const nlohmann::json& refs, std::vector<std::string>& texts, int depth);

  client::HttpClient http_;
  std::map<int32_t, std::shared_ptr<const registry::avro::Schema>> cache_;
};

}  // namespace herald::cli
