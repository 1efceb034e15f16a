// `herald bench schema`: the cost of broker-side schema validation. It starts `herald serve`,
// registers an Avro schema or a JSON schema, and produces the same records (about 1 KiB, framed
// with the schema's id) durably to a topic without validation and to one with
// confluent.value.schema.validation, alternating the two, so both meet the same machine.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "base/status.h"

namespace herald::bench {

struct SchemaBenchOptions {
  std::string type = "avro";  // or "json"
  uint64_t count = 200000;    // records per phase
  int partitions = 4;
  int rounds = 2;             // each topic is produced to this many times, alternating
  std::string herald_binary;  // the broker this bench starts
  std::string dir;            // scratch directory
};

struct SchemaBenchResult {
  std::string type;           // "avro" or "json"
  uint64_t record_bytes = 0;  // framed
  double plain_msgs_s = 0;    // summed over the rounds' records and seconds
  double validated_msgs_s = 0;
  double ratio() const { return plain_msgs_s > 0 ? validated_msgs_s / plain_msgs_s : 0; }
  std::string ToJson() const;
};

Result<SchemaBenchResult> RunSchemaBench(const SchemaBenchOptions& options, std::ostream& progress);

}  // namespace herald::bench
