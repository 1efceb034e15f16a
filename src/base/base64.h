// Base64 (RFC 4648, standard alphabet with '=' padding), for bytes carried in JSON: the REST
// proxy's binary format and the group coordinator's stored member metadata.
#pragma once

#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/status.h"

namespace herald {

std::string Base64Encode(ByteView bytes);
// kInvalidArgument for a character outside the alphabet, padding anywhere but the end, or a
// length that no encoding has (padding may be left out).
Result<Buffer> Base64Decode(std::string_view text);

}  // namespace herald
