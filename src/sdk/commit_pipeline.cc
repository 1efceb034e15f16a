#include "sdk/commit_pipeline.h"

namespace herald::sdk {

void CommitPipeline::Add(const std::vector<RecordPosition>& offsets) {
  {
    MutexLock lock(mu_);
    for (const auto& o : offsets) pending_[{o.topic, o.partition}] = o.offset;
    if (in_flight_) return;
    in_flight_ = true;
  }
  SendPending();
}

void CommitPipeline::SendPending() {
  std::vector<RecordPosition> offsets;
  {
    MutexLock lock(mu_);
    if (pending_.empty()) {
      in_flight_ = false;
      idle_.NotifyAll();
      return;
    }
    for (const auto& [tp, offset] : pending_) offsets.push_back({tp.first, tp.second, offset});
    pending_.clear();
  }
  send_(std::move(offsets), [this](std::string error) {
    {
      MutexLock lock(mu_);
      if (!error.empty() && error_.empty()) error_ = std::move(error);
    }
    SendPending();
  });
}

bool CommitPipeline::Idle() {
  MutexLock lock(mu_);
  return !in_flight_;
}

void CommitPipeline::WaitIdle() {
  MutexLock lock(mu_);
  while (in_flight_) idle_.Wait(mu_);
}

std::string CommitPipeline::TakeError() {
  MutexLock lock(mu_);
  return std::exchange(error_, std::string());
}

}  // namespace herald::sdk
