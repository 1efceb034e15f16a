// libFuzzer target: the Kafka handlers through a real broker. The input is what a client sends on
// one connection (size-prefixed request frames, one after another); each frame goes, as the
// listener passes it, to the KafkaHandlers of an in-memory node (engine, broker, group and
// transaction coordinators, a topic "orders" with two partitions). No handler may throw, crash, read out of
// bounds or answer twice; anything it cannot handle is an error answer or a closed connection.
// Nodes are reused across inputs (fuzz_node.h).
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "fuzz_node.h"
#include "kafka/handlers.h"
#include "kafka/header.h"

namespace herald::kafka {
namespace {

class Node final : public fuzz::FuzzNode {
 public:
  bool Open() override {
    if (!FuzzNode::Open()) return false;
    auto users = security::UserStore::Open(*engine_);
    if (!users.ok()) return false;
    users_ = std::move(users).value();
    handlers_ = std::make_unique<KafkaHandlers>(*broker_, *groups_, txns_->coordinator(),
                                                users_.get());
    return true;
  }

  // Hands one request frame to the handlers as the listener would; false when the listener
  // would have closed the connection before (or instead of) answering.
  bool Send(const Buffer& bytes) {
    auto frame = std::make_shared<Buffer>(bytes);
    auto parsed = ParseRequest(*frame);
    if (!parsed.ok() || parsed->api == nullptr) return false;
    const int16_t v = parsed->header.api_version;
    const bool is_api_versions = parsed->header.api_key == static_cast<int16_t>(ApiKey::kApiVersions);
    if ((v < parsed->api->min_version || v > parsed->api->max_version) && !is_api_versions) {
      return false;
    }
    RequestContext ctx;
    ctx.request = *parsed;
    ctx.body = MutableByteView(*frame).subspan(parsed->body_offset);
    ctx.frame = frame;
    ctx.executor = io_.get_executor();
    ctx.peer = "fuzz";
    auto answers = std::make_shared<std::atomic<int>>(0);
    auto closed = std::make_shared<std::atomic<bool>>(false);
    handlers_->Handle(std::move(ctx), [answers, closed](Response r) {
      if (answers->fetch_add(1) != 0) __builtin_trap();  // answered twice
      if (r.close) closed->store(true);
    });
    // A join or sync may wait for other members, as it would for a real client; every other
    // request is answered at once or from the flusher or admin thread within moments (a fetch
    // does not long-poll here).
    const auto key = static_cast<ApiKey>(parsed->header.api_key);
    fuzz::Drive(io_, [&] { return answers->load() != 0; },
                key == ApiKey::kJoinGroup || key == ApiKey::kSyncGroup);
    return !closed->load();
  }

 private:
  void CloseDoor() override {
    handlers_.reset();
    users_.reset();
  }

  std::unique_ptr<security::UserStore> users_;
  std::unique_ptr<KafkaHandlers> handlers_;
};

}  // namespace
}  // namespace herald::kafka

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  herald::fuzz::DiscardLogs();
  herald::fuzz::InitializeOpenSsl();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto& node = herald::fuzz::ReusedNode<herald::kafka::Node>();
  size_t at = 0;
  while (size - at >= 4) {
    const uint32_t length = herald::LoadBigEndian<uint32_t>(data + at);
    at += 4;
    if (length > size - at) break;
    herald::Buffer frame(data + at, data + at + length);
    at += length;
    if (!node.Send(frame)) break;
  }
  return 0;
}
