// The four Kafka record-batch codecs: gzip, snappy, lz4 and zstd, as Kafka clients write them.
//
//   gzip    a gzip stream (RFC 1952); concatenated members are read too
//   snappy  the xerial framing Java clients write ("\x82SNAPPY\0", version, compatible version,
//           then [length:int32 block]*), or one raw snappy block as librdkafka writes it; we write
//           the xerial framing, which every client reads
//   lz4     an LZ4 frame (independent blocks, as Kafka's Java reader requires)
//   zstd    a zstd frame
//
// Pure functions; thread-safe.
#pragma once

#include <cstddef>

#include "base/bytes.h"
#include "base/status.h"
#include "storage/record_batch.h"

namespace herald::storage {

// Decompresses `input`, stopping as soon as the output would pass `max_output` bytes (a guard
// against decompression bombs): kInvalidArgument then, and for kNone. kCorruption when it does
// not decode.
Result<Buffer> Decompress(Compression codec, ByteView input, size_t max_output);

// Compresses `input`. kInternal if the library fails. kInvalidArgument for kNone.
Result<Buffer> Compress(Compression codec, ByteView input);

std::string_view CompressionName(Compression codec);

}  // namespace herald::storage
