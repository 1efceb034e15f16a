#include "storage/compression.h"

#include <lz4frame.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <cstring>

namespace herald::storage {
namespace {

constexpr uint8_t kXerialMagic[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
constexpr size_t kXerialHeaderSize = 16;  // magic, version:int32, compatible version:int32
constexpr size_t kXerialBlockSize = 32 * 1024;

Status TooLarge(Compression codec, size_t max_output) {
  return InvalidArgument("{} data decompresses to more than {} bytes", CompressionName(codec),
                         max_output);
}

Result<Buffer> GzipDecompress(ByteView in, size_t max_output) {
  z_stream z{};
  if (inflateInit2(&z, 15 + 32) != Z_OK) return Internal("inflateInit2 failed");
  Buffer out;
  z.next_in = const_cast<Bytef*>(in.data());
  z.avail_in = static_cast<uInt>(in.size());
  int rc = Z_OK;
  while (true) {
    if (out.size() >= max_output) {
      inflateEnd(&z);
      return TooLarge(Compression::kGzip, max_output);
    }
    size_t at = out.size();
    out.resize(std::min(max_output, std::max<size_t>(at * 2, 64 * 1024)));
    z.next_out = out.data() + at;
    z.avail_out = static_cast<uInt>(out.size() - at);
    rc = inflate(&z, Z_NO_FLUSH);
    out.resize(out.size() - z.avail_out);
    if (rc == Z_STREAM_END) {
      if (z.avail_in == 0) break;
      // Another gzip member follows.
      if (inflateReset(&z) != Z_OK) break;
      continue;
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) break;
    if (rc == Z_BUF_ERROR && z.avail_in == 0) break;
  }
  inflateEnd(&z);
  if (rc != Z_STREAM_END) return Corruption("gzip data does not decode (zlib error {})", rc);
  return out;
}

Result<Buffer> GzipCompress(ByteView in) {
  z_stream z{};
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return Internal("deflateInit2 failed");
  }
  Buffer out(deflateBound(&z, static_cast<uLong>(in.size())) + 32);
  z.next_in = const_cast<Bytef*>(in.data());
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  if (rc != Z_STREAM_END) return Internal("gzip compression failed (zlib error {})", rc);
  return out;
}

Status SnappyBlock(ByteView block, Buffer& out, size_t max_output) {
  size_t n = 0;
  const char* p = reinterpret_cast<const char*>(block.data());
  if (!snappy::GetUncompressedLength(p, block.size(), &n)) {
    return Corruption("snappy block header does not decode");
  }
  if (out.size() + n > max_output) return TooLarge(Compression::kSnappy, max_output);
  size_t at = out.size();
  out.resize(at + n);
  if (!snappy::RawUncompress(p, block.size(), reinterpret_cast<char*>(out.data() + at))) {
    return Corruption("snappy block does not decode");
  }
  return Status::Ok();
}

Result<Buffer> SnappyDecompress(ByteView in, size_t max_output) {
  Buffer out;
  if (in.size() >= kXerialHeaderSize && std::memcmp(in.data(), kXerialMagic, 8) == 0) {
    size_t at = kXerialHeaderSize;
    while (at < in.size()) {
      if (at + 4 > in.size()) return Corruption("xerial snappy block length is truncated");
      uint32_t len = LoadBigEndian<uint32_t>(in.data() + at);
      at += 4;
      if (len > in.size() - at) return Corruption("xerial snappy block runs past the end");
      HERALD_RETURN_IF_ERROR(SnappyBlock(in.subspan(at, len), out, max_output));
      at += len;
    }
    return out;
  }
  HERALD_RETURN_IF_ERROR(SnappyBlock(in, out, max_output));
  return out;
}

Result<Buffer> SnappyCompress(ByteView in) {
  Buffer out(kXerialMagic, kXerialMagic + 8);
  BufferWriter w(out);
  w.Int<int32_t>(1);  // version
  w.Int<int32_t>(1);  // compatible version
  std::string block;
  for (size_t at = 0; at < in.size(); at += kXerialBlockSize) {
    size_t n = std::min(kXerialBlockSize, in.size() - at);
    snappy::Compress(reinterpret_cast<const char*>(in.data() + at), n, &block);
    w.Int<int32_t>(static_cast<int32_t>(block.size()));
    w.Bytes(AsBytes(block));
  }
  return out;
}

Result<Buffer> Lz4Decompress(ByteView in, size_t max_output) {
  LZ4F_dctx* ctx = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&ctx, LZ4F_VERSION))) {
    return Internal("LZ4F_createDecompressionContext failed");
  }
  Buffer out;
  size_t at = 0;
  size_t hint = 1;
  while (at < in.size() && hint != 0) {
    if (out.size() >= max_output) {
      LZ4F_freeDecompressionContext(ctx);
      return TooLarge(Compression::kLz4, max_output);
    }
    size_t produced_at = out.size();
    out.resize(std::min(max_output, std::max<size_t>(produced_at * 2, 64 * 1024)));
    size_t dst_size = out.size() - produced_at;
    size_t src_size = in.size() - at;
    hint = LZ4F_decompress(ctx, out.data() + produced_at, &dst_size, in.data() + at, &src_size,
                           nullptr);
    out.resize(produced_at + dst_size);
    if (LZ4F_isError(hint)) {
      std::string why = LZ4F_getErrorName(hint);
      LZ4F_freeDecompressionContext(ctx);
      return Corruption("lz4 frame does not decode: {}", why);
    }
    at += src_size;
    if (src_size == 0 && dst_size == 0) break;
  }
  LZ4F_freeDecompressionContext(ctx);
  if (hint != 0) return Corruption("lz4 frame is truncated");
  return out;
}

Result<Buffer> Lz4Compress(ByteView in) {
  LZ4F_preferences_t prefs{};
  prefs.frameInfo.blockSizeID = LZ4F_max64KB;
  prefs.frameInfo.blockMode = LZ4F_blockIndependent;
  Buffer out(LZ4F_compressFrameBound(in.size(), &prefs));
  size_t n = LZ4F_compressFrame(out.data(), out.size(), in.data(), in.size(), &prefs);
  if (LZ4F_isError(n)) return Internal("lz4 compression failed: {}", LZ4F_getErrorName(n));
  out.resize(n);
  return out;
}

Result<Buffer> ZstdDecompress(ByteView in, size_t max_output) {
  ZSTD_DStream* ds = ZSTD_createDStream();
  if (ds == nullptr) return Internal("ZSTD_createDStream failed");
  Buffer out;
  ZSTD_inBuffer input{in.data(), in.size(), 0};
  size_t rc = 1;
  while (input.pos < input.size) {
    if (out.size() >= max_output) {
      ZSTD_freeDStream(ds);
      return TooLarge(Compression::kZstd, max_output);
    }
    size_t at = out.size();
    out.resize(std::min(max_output, std::max<size_t>(at * 2, 64 * 1024)));
    ZSTD_outBuffer output{out.data() + at, out.size() - at, 0};
    rc = ZSTD_decompressStream(ds, &output, &input);
    out.resize(at + output.pos);
    if (ZSTD_isError(rc)) {
      std::string why = ZSTD_getErrorName(rc);
      ZSTD_freeDStream(ds);
      return Corruption("zstd frame does not decode: {}", why);
    }
    if (rc == 0 && input.pos == input.size) break;
    if (output.pos == 0 && input.pos == input.size) break;
  }
  ZSTD_freeDStream(ds);
  if (rc != 0) return Corruption("zstd frame is truncated");
  return out;
}

Result<Buffer> ZstdCompress(ByteView in) {
  Buffer out(ZSTD_compressBound(in.size()));
  size_t n = ZSTD_compress(out.data(), out.size(), in.data(), in.size(), 3);
  if (ZSTD_isError(n)) return Internal("zstd compression failed: {}", ZSTD_getErrorName(n));
  out.resize(n);
  return out;
}

}  // namespace

std::string_view CompressionName(Compression codec) {
  switch (codec) {
    case Compression::kNone: return "none";
    case Compression::kGzip: return "gzip";
    case Compression::kSnappy: return "snappy";
    case Compression::kLz4: return "lz4";
    case Compression::kZstd: return "zstd";
  }
  return "unknown";
}

Result<Buffer> Decompress(Compression codec, ByteView input, size_t max_output) {
  switch (codec) {
    case Compression::kGzip: return GzipDecompress(input, max_output);
    case Compression::kSnappy: return SnappyDecompress(input, max_output);
    case Compression::kLz4: return Lz4Decompress(input, max_output);
    case Compression::kZstd: return ZstdDecompress(input, max_output);
    case Compression::kNone: break;
  }
  return InvalidArgument("codec {} does not decompress", static_cast<int>(codec));
}

Result<Buffer> Compress(Compression codec, ByteView input) {
  switch (codec) {
    case Compression::kGzip: return GzipCompress(input);
    case Compression::kSnappy: return SnappyCompress(input);
    case Compression::kLz4: return Lz4Compress(input);
    case Compression::kZstd: return ZstdCompress(input);
    case Compression::kNone: break;
  }
  return InvalidArgument("codec {} does not compress", static_cast<int>(codec));
}

}  // namespace herald::storage
