// RecordValidator: checks records framed in Confluent's wire format (magic byte 0, the schema id
// as a 4-byte big-endian integer, then the payload) against the schema registry. It is what the
// broker runs (as its broker::BatchValidator) for topics with confluent.key.schema.validation or
// confluent.value.schema.validation set.
//
// A record passes when its key / value (as the topic asks) is null, or is framed, its id is a
// schema of the registry registered under the subject the topic's strategy names, and the payload
// is exactly one datum of that schema (Avro) or one valid instance of it (JSON Schema).
//
// Thread-safety: Check may run on many threads at once. Parsed schemas and subject memberships
// are cached until the registry next changes (SchemaRegistry::generation).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "base/mutex.h"
#include "base/status.h"
#include "registry/schema_registry.h"
#include "storage/log_config.h"
#include "storage/record_batch.h"

namespace herald::registry {

class RecordValidator {
 public:
  explicit RecordValidator(const SchemaRegistry& registry) : registry_(registry) {}

  // OK, or kInvalidArgument naming the first refused record and why.
  Status Check(const std::string& topic, const storage::LogConfig& config,
               const storage::ValidatedBatch& batch);

 private:
  struct Known {
    std::shared_ptr<const ParsedSchema> schema;
    std::set<std::string> subjects;  // where the id is registered (live versions)
  };
  // Schema `id` and where it is registered; kInvalidArgument when it is not a usable schema.
  Result<std::shared_ptr<const Known>> Resolve(int32_t id);
  // Why the key or value `bytes` of record `index` is refused, or OK.
  Status CheckPart(const std::string& topic, bool key, storage::SubjectNameStrategy strategy,
                   ByteView bytes, int64_t index);

  const SchemaRegistry& registry_;
  SharedMutex mu_;
  uint64_t generation_ GUARDED_BY(mu_) = 0;
  std::map<int32_t, std::shared_ptr<const Known>> known_ GUARDED_BY(mu_);
};

}  // namespace herald::registry
