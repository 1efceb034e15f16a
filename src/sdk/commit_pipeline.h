// CommitPipeline: a group session's asynchronous commits, one in flight. Offsets asked for while
// one is out are merged (the latest per partition) into the next, so commits take effect in the
// order asked, even when the transport retries one, and a caller committing after every batch
// costs one commit per round trip. Both transports commit through it.
//
// Thread-safe. `send` and the `answered` callbacks it is given run without the pipeline's lock.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "base/mutex.h"
#include "herald/message.h"

namespace herald::sdk {

class CommitPipeline {
 public:
  // Reports how a commit went: an empty string when it went through, else why not.
  using Answered = std::function<void(std::string error)>;
  // Commits `offsets` and calls `answered` exactly once, from any thread (also from inside send).
  using Send = std::function<void(std::vector<RecordPosition> offsets, Answered answered)>;

  explicit CommitPipeline(Send send) : send_(std::move(send)) {}

  // Sends `offsets` now, or with the next commit when one is in flight.
  void Add(const std::vector<RecordPosition>& offsets);
  // Whether every offset added has been answered.
  bool Idle();
  // Blocks until Idle() (for transports whose answers arrive on other threads).
  void WaitIdle();
  // The first failure since the last call ("" when none), forgotten once taken.
  std::string TakeError();

 private:
  // Sends what is pending, or marks the pipeline idle when nothing is.
  void SendPending();

  const Send send_;
  Mutex mu_;
  CondVar idle_;
  std::map<std::pair<std::string, int32_t>, int64_t> pending_ GUARDED_BY(mu_);
  bool in_flight_ GUARDED_BY(mu_) = false;
  std::string error_ GUARDED_BY(mu_);
};

}  // namespace herald::sdk
