#include "registry/wire_format.h"

namespace herald::registry {

std::optional<Framed> Unframe(ByteView bytes) {
  if (bytes.size() < 5 || bytes[0] != 0) return std::nullopt;
  return Framed{static_cast<int32_t>(LoadBigEndian<uint32_t>(bytes.data() + 1)), bytes.subspan(5)};
}

std::string Frame(int32_t id, ByteView payload) {
  std::string out(5 + payload.size(), '\0');
  StoreBigEndian<uint32_t>(reinterpret_cast<uint8_t*>(out.data()) + 1, static_cast<uint32_t>(id));
  std::copy(payload.begin(), payload.end(), out.begin() + 5);
  return out;
}

}  // namespace herald::registry
