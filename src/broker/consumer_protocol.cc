#include "broker/consumer_protocol.h"

namespace herald::broker {
namespace {

// Reads big-endian integers and strings from the front of `rest`; false once anything is short.
class Cursor {
 public:
  explicit Cursor(ByteView bytes) : rest_(bytes) {}

  template <typename T>
  bool Int(T& out) {
    if (rest_.size() < sizeof(T)) return false;
    out = LoadBigEndian<T>(rest_.data());
    rest_ = rest_.subspan(sizeof(T));
    return true;
  }
  bool String(std::string& out) {
    int16_t length = 0;
    if (!Int(length) || length < 0 || rest_.size() < static_cast<size_t>(length)) return false;
    out = std::string(AsString(rest_.first(static_cast<size_t>(length))));
    rest_ = rest_.subspan(static_cast<size_t>(length));
    return true;
  }
  // An array count whose elements, each at least `min_size` bytes, fit in what is left.
  bool Count(int32_t& out, size_t min_size) {
    return Int(out) && out >= 0 && static_cast<size_t>(out) <= rest_.size() / min_size;
  }

 private:
  ByteView rest_;
};

}  // namespace

std::optional<std::vector<std::string>> DecodeConsumerSubscription(ByteView bytes) {
  Cursor in(bytes);
  int16_t version = 0;
  int32_t topics = 0;
  if (!in.Int(version) || version < 0 || !in.Count(topics, 2)) return std::nullopt;
  std::vector<std::string> out(static_cast<size_t>(topics));
  for (auto& topic : out) {
    if (!in.String(topic)) return std::nullopt;
  }
  return out;
}

std::optional<std::vector<AssignedTopic>> DecodeConsumerAssignment(ByteView bytes) {
  Cursor in(bytes);
  int16_t version = 0;
  int32_t topics = 0;
  if (!in.Int(version) || version < 0 || !in.Count(topics, 2 + 4)) return std::nullopt;
  std::vector<AssignedTopic> out(static_cast<size_t>(topics));
  for (auto& topic : out) {
    int32_t partitions = 0;
    if (!in.String(topic.topic) || !in.Count(partitions, 4)) return std::nullopt;
    topic.partitions.resize(static_cast<size_t>(partitions));
    for (int32_t& p : topic.partitions) {
      if (!in.Int(p)) return std::nullopt;
    }
  }
  return out;
}

}  // namespace herald::broker
