// libFuzzer target: the state a broker rebuilds at start from files other than logs. The input
// holds a topic's metadata file, the producer-id file and the records of __consumer_offsets:
//   input := metaLen:uint16 meta producerIdsLen:uint16 producerIds record*
//   record := keyLen:uint16 key valueLen:uint16 value      (valueLen 0xFFFF: a tombstone)
// They are written into an in-memory data directory (the records as valid batches, as a broker
// wrote them), which is then opened as `herald serve` opens it: producer ids, engine, group
// coordinator. Whatever is damaged must be refused or taken offline, never crash or hang; what
// opens must then serve its groups.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>  // Boost 1.74's awaitable.hpp uses std::exchange without including it
#include <vector>

#include <boost/asio.hpp>

#include "base/bytes.h"
#include "base/clock.h"
#include "broker/group_coordinator.h"
#include "broker/producer_state.h"
#include "fuzz_node.h"
#include "storage/engine.h"
#include "storage/file_system.h"
#include "storage/log.h"
#include "storage/mem_file_system.h"
#include "storage/record_batch.h"

namespace herald {
namespace {

class Input {
 public:
  Input(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  bool Empty() const { return at_ >= size_; }
  // The next length-prefixed part; nullopt for a tombstone length or when the input ends.
  std::optional<std::string> Part() {
    if (size_ - at_ < 2) {
      at_ = size_;
      return std::nullopt;
    }
    const uint16_t length = LoadBigEndian<uint16_t>(data_ + at_);
    at_ += 2;
    if (length == 0xFFFF) return std::nullopt;
    const size_t n = std::min<size_t>(length, size_ - at_);
    std::string part(reinterpret_cast<const char*>(data_ + at_), n);
    at_ += n;
    return part;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t at_ = 0;
};

storage::EngineOptions Options(storage::MemFileSystem& fs) {
  storage::EngineOptions eo;
  eo.data_dir = "/data";
  eo.fs = &fs;
  eo.flusher_threads = 0;  // durable appends sync inline: no thread per node
  eo.background = false;
  eo.max_partitions_per_topic = 16;
  return eo;
}

void Write(storage::MemFileSystem& fs, const std::string& path, const std::string& text) {
  if (!storage::WriteFileAtomic(fs, path, AsBytes(text)).ok()) __builtin_trap();
}

}  // namespace
}  // namespace herald

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  herald::fuzz::DiscardLogs();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace herald;
  storage::MemFileSystem fs;
  Input input(data, size);
  const std::string meta = input.Part().value_or("");
  const std::string producer_ids = input.Part().value_or("");
  std::vector<storage::RecordSpec> records;
  while (!input.Empty() && records.size() < 1000) {
    storage::RecordSpec r;
    r.key = input.Part();
    r.value = input.Part();
    records.push_back(std::move(r));
  }
  // __consumer_offsets as a broker wrote it, then the files under meta/.
  if (!storage::CreateDirs(fs, "/data/meta/topics").ok()) __builtin_trap();
  Write(fs, "/data/meta/topics/__consumer_offsets.json",
        R"({"name":"__consumer_offsets","partitions":1,"configs":{"cleanup.policy":"compact"}})");
  {
    ManualClock clock;
    auto log = storage::Log::Open({&fs, "/data/__consumer_offsets-0", {}, &clock, nullptr});
    if (!log.ok()) __builtin_trap();
    Buffer batch = storage::BuildBatch(records);
    if (!records.empty() && !(*log)->AppendAndWait(batch, storage::AckLevel::kDurable).ok()) {
      __builtin_trap();
    }
    if (!(*log)->Close().ok()) __builtin_trap();
  }
  Write(fs, "/data/meta/topics/orders.json", meta);
  Write(fs, "/data/meta/producer_ids.json", producer_ids);

  // As `herald serve` starts: the producer-id file (a damaged one is refused with an error), the
  // engine (a damaged topic is offline), the group coordinator (damage takes it offline).
  (void)broker::ProducerIdAllocator::Open(fs, "/data/meta/producer_ids.json", 1000);
  auto engine = storage::Engine::Open(Options(fs));
  if (!engine.ok()) __builtin_trap();
  boost::asio::io_context io;
  {
    broker::GroupOptions go;
    go.initial_rebalance_delay_ms = 0;
    auto groups = broker::GroupCoordinator::Open(**engine, io.get_executor(), go);
    if (!groups.ok()) __builtin_trap();
    if ((*groups)->offline().ok()) {
      // What replayed is served: every group describes and lists its offsets.
      int answered = 0;
      (*groups)->Overview(std::nullopt, [&](std::vector<broker::GroupOverview>) { ++answered; });
      (*groups)->List([&](std::vector<broker::GroupListing>) { ++answered; });
      fuzz::Drive(io, [&] { return answered == 2; });
    }
    (*groups)->Shutdown();
    io.restart();
    io.poll();
  }
  (*engine)->Close().IgnoreError();
  return 0;
}
