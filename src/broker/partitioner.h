// Kafka's default partitioner for keyed records: murmur2 of the key bytes, made positive, modulo
// the partition count (org.apache.kafka.common.utils.Utils.murmur2 and toPositive), so records
// placed by Herald (REST proxy, SDK) land where Kafka's own clients would put them.
#pragma once

#include <cstdint>

#include "base/bytes.h"

namespace herald::broker {

int32_t Murmur2(ByteView data);
// `partitions` must be > 0.
int32_t PartitionForKey(ByteView key, int32_t partitions);

}  // namespace herald::broker
