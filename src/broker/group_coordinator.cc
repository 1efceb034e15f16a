#include "broker/group_coordinator.h"

#include <algorithm>
#include <tuple>

#include "base/log.h"
#include "broker/group_records.h"
#include "broker/group_state.h"

namespace herald::broker {

Result<std::shared_ptr<GroupCoordinator>> GroupCoordinator::Open(storage::Engine& engine,
                                                                 asio::any_io_executor executor,
                                                                 GroupOptions options) {
  auto impl = std::make_shared<Impl>(engine, std::move(executor), options);
  Status loaded = impl->Load();
  if (!loaded.ok()) {
    // The broker still serves topics; groups answer COORDINATOR_NOT_AVAILABLE until the
    // partition is repaired and the broker restarted. Nothing is read as "no commits".
    Status why = loaded.WithContext("loading consumer groups");
    LogError("group_coordinator_offline", {{"topic", kOffsetsTopic}}, why.ToString());
    return std::shared_ptr<GroupCoordinator>(new GroupCoordinator(nullptr, std::move(why)));
  }
  return std::shared_ptr<GroupCoordinator>(new GroupCoordinator(std::move(impl), Status::Ok()));
}

GroupCoordinator::~GroupCoordinator() = default;

void GroupCoordinator::Join(JoinRequest request, std::function<void(JoinResult)> done) {
  if (!impl_) return done(JoinResult{.error = ErrorCode::kCoordinatorNotAvailable});
  impl_->Post([impl = impl_, request = std::move(request), done = std::move(done)]() mutable {
    impl->DoJoin(std::move(request), std::move(done));
  });
}

void GroupCoordinator::Sync(SyncRequest request, std::function<void(SyncResult)> done) {
  if (!impl_) return done(SyncResult{.error = ErrorCode::kCoordinatorNotAvailable});
  impl_->Post([impl = impl_, request = std::move(request), done = std::move(done)]() mutable {
    impl->DoSync(std::move(request), std::move(done));
  });
}

void GroupCoordinator::Heartbeat(std::string group_id, int32_t generation, std::string member_id,
                                 std::optional<std::string> group_instance_id,
                                 std::function<void(ErrorCode)> done) {
  if (!impl_) return done(ErrorCode::kCoordinatorNotAvailable);
  (void)group_instance_id;
  impl_->Post([impl = impl_, group_id, generation, member_id, done = std::move(done)] {
    done(impl->DoHeartbeat(group_id, generation, member_id));
  });
}

void GroupCoordinator::Leave(std::string group_id, std::vector<LeavingMember> members,
                             std::function<void(ErrorCode, std::vector<ErrorCode>)> done) {
  if (!impl_) {
    // As DoLeave answers: per member, or as the group's error when there is no member.
    if (members.empty()) return done(ErrorCode::kCoordinatorNotAvailable, {});
    return done(ErrorCode::kNone,
                std::vector<ErrorCode>(members.size(), ErrorCode::kCoordinatorNotAvailable));
  }
  impl_->Post([impl = impl_, group_id, members = std::move(members), done = std::move(done)] {
    auto [group_error, errors] = impl->DoLeave(group_id, members);
    done(group_error, std::move(errors));
  });
}

void GroupCoordinator::Commit(std::string group_id, int32_t generation, std::string member_id,
                              std::vector<CommittedOffset> offsets,
                              std::function<void(std::vector<CommittedOffset>)> done) {
  if (!impl_) {
    for (auto& o : offsets) o.error = ErrorCode::kCoordinatorNotAvailable;
    return done(std::move(offsets));
  }
  impl_->Post([impl = impl_, group_id = std::move(group_id), generation,
               member_id = std::move(member_id), offsets = std::move(offsets),
               done = std::move(done)]() mutable {
    impl->DoCommit(std::move(group_id), generation, std::move(member_id), std::move(offsets),
                   std::move(done));
  });
}

void GroupCoordinator::TxnCommit(std::string group_id, int64_t producer_id,
                                 int16_t producer_epoch, int32_t generation,
                                 std::string member_id,
                                 std::optional<std::string> group_instance_id,
                                 std::vector<CommittedOffset> offsets,
                                 std::function<void(std::vector<CommittedOffset>)> done) {
  if (!impl_) {
    for (auto& o : offsets) o.error = ErrorCode::kCoordinatorNotAvailable;
    return done(std::move(offsets));
  }
  Impl::TxnCommitRequest request{std::move(group_id), producer_id,
                                 producer_epoch,      generation,
                                 std::move(member_id), std::move(group_instance_id),
                                 std::move(offsets)};
  impl_->Post([impl = impl_, request = std::move(request), done = std::move(done)]() mutable {
    impl->DoTxnCommit(std::move(request), std::move(done));
  });
}

void GroupCoordinator::CompleteTxn(int64_t producer_id, bool commit) {
  if (!impl_) return;
  impl_->Post([impl = impl_, producer_id, commit] { impl->DoCompleteTxn(producer_id, commit); });
}

void GroupCoordinator::Fetch(std::string group_id,
                             std::optional<std::vector<std::pair<std::string, int32_t>>> partitions,
                             std::function<void(std::vector<CommittedOffset>)> done,
                             bool require_stable) {
  if (!impl_) {
    // Never "no commits" (that would reset consumers): an error for what was asked.
    std::vector<CommittedOffset> out;
    if (partitions) {
      for (const auto& [topic, partition] : *partitions) {
        out.push_back({topic, partition, -1, std::nullopt, ErrorCode::kCoordinatorNotAvailable});
      }
    }
    return done(std::move(out));
  }
  impl_->Post([impl = impl_, group_id = std::move(group_id), partitions = std::move(partitions),
               done = std::move(done),
               require_stable] { done(impl->DoFetch(group_id, partitions, require_stable)); });
}

void GroupCoordinator::Describe(std::vector<std::string> groups,
                                std::function<void(std::vector<GroupDescription>)> done) {
  if (!impl_) {
    std::vector<GroupDescription> out(groups.size());
    for (size_t i = 0; i < groups.size(); ++i) {
      out[i].error = ErrorCode::kCoordinatorNotAvailable;
      out[i].group_id = groups[i];
    }
    return done(std::move(out));
  }
  impl_->Post([impl = impl_, groups = std::move(groups), done = std::move(done)] {
    std::vector<GroupDescription> out;
    for (const auto& g : groups) out.push_back(impl->DoDescribe(g));
    done(std::move(out));
  });
}

namespace {

// The lag of each partition in `offsets` (those of deleted topics are left out), sorted by topic
// and partition.
std::vector<PartitionLag> LagOf(const std::vector<CommittedOffset>& offsets,
                                const storage::Engine& engine) {
  std::vector<PartitionLag> out;
  for (const auto& o : offsets) {
    auto log = engine.GetLog(o.topic, o.partition);
    if (!log.ok() || o.offset < 0) continue;
    const int64_t end = (*log)->end_offset();
    out.push_back({o.topic, o.partition, o.offset, end, std::max<int64_t>(0, end - o.offset)});
  }
  std::sort(out.begin(), out.end(), [](const PartitionLag& a, const PartitionLag& b) {
    return std::tie(a.topic, a.partition) < std::tie(b.topic, b.partition);
  });
  return out;
}

}  // namespace

void GroupCoordinator::Overview(std::optional<std::vector<std::string>> groups,
                                std::function<void(std::vector<GroupOverview>)> done) {
  if (!impl_) return done({});
  impl_->Post([impl = impl_, groups = std::move(groups), done = std::move(done)] {
    std::vector<std::string> ids;
    if (groups) {
      ids = *groups;
    } else {
      for (const auto& [id, g] : impl->groups()) ids.push_back(id);
    }
    std::vector<GroupOverview> out;
    for (const auto& id : ids) {
      GroupOverview& group = out.emplace_back();
      group.description = impl->DoDescribe(id);
      group.offsets = impl->DoFetch(id, std::nullopt);
      group.lag = LagOf(group.offsets, impl->engine());
    }
    done(std::move(out));
  });
}

void GroupCoordinator::List(std::function<void(std::vector<GroupListing>)> done) {
  if (!impl_) return done({});
  impl_->Post([impl = impl_, done = std::move(done)] {
    std::vector<GroupListing> out;
    for (const auto& [id, g] : impl->groups()) {
      out.push_back({id, g->protocol_type, Impl::StateName(g->state)});
    }
    done(std::move(out));
  });
}

void GroupCoordinator::DeleteOffsets(std::string group_id,
                                     std::vector<std::pair<std::string, int32_t>> partitions,
                                     std::function<void(ErrorCode, std::vector<ErrorCode>)> done) {
  if (!impl_) return done(ErrorCode::kCoordinatorNotAvailable, {});
  impl_->Post([impl = impl_, group_id = std::move(group_id), partitions = std::move(partitions),
               done = std::move(done)]() mutable {
    impl->DoDeleteOffsets(group_id, std::move(partitions), std::move(done));
  });
}

void GroupCoordinator::Shutdown() {
  if (!impl_) return;
  impl_->Post([impl = impl_] { impl->DoShutdown(); });
}

void GroupCoordinator::Delete(
    std::vector<std::string> groups,
    std::function<void(std::vector<std::pair<std::string, ErrorCode>>)> done) {
  if (!impl_) {
    std::vector<std::pair<std::string, ErrorCode>> out;
    for (auto& g : groups) out.push_back({std::move(g), ErrorCode::kCoordinatorNotAvailable});
    return done(std::move(out));
  }
  impl_->Post([impl = impl_, groups = std::move(groups), done = std::move(done)]() mutable {
    impl->DoDelete(std::move(groups), std::move(done));
  });
}

}  // namespace herald::broker
