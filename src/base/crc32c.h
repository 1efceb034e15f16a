// CRC32C (Castagnoli), the checksum of Kafka record batches.
//
// Uses the SSE4.2 crc32 instruction when the CPU has it, a slice-by-8 table otherwise; both give
// identical results (checked against the RFC 3720 test vectors in tests). Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/bytes.h"

namespace herald {

// Extends `crc` (the value returned for the bytes before; 0 to start) over `data`.
uint32_t Crc32cExtend(uint32_t crc, const uint8_t* data, size_t size);

inline uint32_t Crc32c(ByteView data) { return Crc32cExtend(0, data.data(), data.size()); }

namespace internal {
// The two implementations, exposed so tests can compare them.
uint32_t Crc32cPortable(uint32_t crc, const uint8_t* data, size_t size);
uint32_t Crc32cHardware(uint32_t crc, const uint8_t* data, size_t size);
bool Crc32cHardwareAvailable();
}  // namespace internal

}  // namespace herald
