// What every message header shares.
//
// Conventions of the definitions in this directory (taken from Apache Kafka's
// clients/src/main/resources/common/message/*.json):
//   - one header per API, `<Name>Request` and `<Name>Response` plus their nested structures, named
//     `<Name>Request<Part>` / `<Name>Response<Part>`; members are Kafka's field names in
//     snake_case;
//   - each definition covers exactly the versions Herald advertises (api.h): fields that start
//     after our maximum are left out, tagged fields are left out (none fall in our non-flexible
//     versions; ApiVersions v3's are skipped when read and never written);
//   - defaults are Kafka's; a field without one starts at zero / empty. Nullable strings and bytes
//     start null, nullable arrays start empty (as in Kafka's generated classes);
//   - messages compare with ==, records by content (below).
#pragma once

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <limits>

#include "kafka/schema.h"

namespace herald::kafka {

// Authorized-operations bit fields (Metadata, DescribeCluster, DescribeGroups): bit n is set when
// the ACL operation with code n is allowed. Kafka answers this when they were not asked for.
inline constexpr int32_t kOperationsNotProvided = std::numeric_limits<int32_t>::min();

constexpr int32_t OperationBits(std::initializer_list<int> codes) {
  int32_t bits = 0;
  for (int code : codes) bits |= int32_t{1} << code;
  return bits;
}
// What a Kafka broker without an authorizer answers: every operation the resource type supports
// (READ 3, WRITE 4, CREATE 5, DELETE 6, ALTER 7, DESCRIBE 8, CLUSTER_ACTION 9, DESCRIBE_CONFIGS
// 10, ALTER_CONFIGS 11, IDEMPOTENT_WRITE 12).
inline constexpr int32_t kTopicOperations = OperationBits({3, 4, 5, 6, 7, 8, 10, 11});
inline constexpr int32_t kGroupOperations = OperationBits({3, 6, 8});
inline constexpr int32_t kClusterOperations = OperationBits({5, 7, 8, 9, 10, 11, 12});

// Records compare by their bytes (null differs from empty) and by which log slices follow them.
inline bool operator==(const Records& a, const Records& b) {
  if (a.bytes.has_value() != b.bytes.has_value()) return false;
  if (a.bytes && !std::ranges::equal(*a.bytes, *b.bytes)) return false;
  return std::ranges::equal(a.slices, b.slices,
                            [](const storage::ReadSlice& x, const storage::ReadSlice& y) {
                              return x.segment == y.segment && x.position == y.position &&
                                     x.size == y.size && x.bytes == y.bytes;
                            });
}

}  // namespace herald::kafka
