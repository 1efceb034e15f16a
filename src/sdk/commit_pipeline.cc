#include "sdk/commit_pipeline.h"

namespace herald::sdk {

void CommitPipeline::Add(const std::vector<RecordPosition>& offsets) {
  {
    std::lock_guard lock(mu_);
    for (const auto& o : offsets) pending_[{o.topic, o.partition}] = o.offset;
    if (in_flight_) return;
    in_flight_ = true;
  }
  SendPending();
}

void CommitPipeline::SendPending() {
  std::vector<RecordPosition> offsets;
  {
    std::lock_guard lock(mu_);
    if (pending_.empty()) {
      in_flight_ = false;
      idle_.notify_all();
      return;
    }
    for (const auto& [tp, offset] : pending_) offsets.push_back({tp.first, tp.second, offset});
    pending_.clear();
  }
  send_(std::move(offsets), [this](std::string error) {
    {
      std::lock_guard lock(mu_);
      if (!error.empty() && error_.empty()) error_ = std::move(error);
    }
    SendPending();
  });
}

bool CommitPipeline::Idle() {
  std::lock_guard lock(mu_);
  return !in_flight_;
}

void CommitPipeline::WaitIdle() {
  std::unique_lock lock(mu_);
  idle_.wait(lock, [&] { return !in_flight_; });
}

std::string CommitPipeline::TakeError() {
  std::lock_guard lock(mu_);
  return std::exchange(error_, std::string());
}

}  // namespace herald::sdk
