// Confluent's wire format for a record's key or value, as its serializers write it: the magic
// byte 0, the schema id as 4 big-endian bytes, then the payload (for Avro, one datum in the
// binary encoding).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/bytes.h"

namespace herald::registry {

struct Framed {
  int32_t id = 0;
  ByteView payload;  // into the bytes given to Unframe
};

// The id and payload of framed `bytes`; nullopt when they are shorter than 5 bytes or do not
// start with the magic byte 0.
std::optional<Framed> Unframe(ByteView bytes);

// `payload` framed with schema `id`.
std::string Frame(int32_t id, ByteView payload);

}  // namespace herald::registry
