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

#include "kafka/schema.h"

namespace herald::kafka {

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
