#include "kafka/handlers.h"

#include <array>

#include "base/log.h"
#include "base/metrics.h"
#include "kafka/handler_list.h"

namespace herald::kafka {
namespace {

struct Entry {
  ApiKey key;
  handlers::Handler handler;
};

// One handler per API key; every key in kApis (api.h) must appear here.
constexpr std::array kHandlers = {
    Entry{ApiKey::kApiVersions, handlers::ApiVersions},
    Entry{ApiKey::kMetadata, handlers::Metadata},
    Entry{ApiKey::kDescribeCluster, handlers::DescribeCluster},
    Entry{ApiKey::kFetch, handlers::Fetch},
    Entry{ApiKey::kListOffsets, handlers::ListOffsets},
    Entry{ApiKey::kCreateTopics, handlers::CreateTopics},
    Entry{ApiKey::kDeleteTopics, handlers::DeleteTopics},
    Entry{ApiKey::kCreatePartitions, handlers::CreatePartitions},
    Entry{ApiKey::kDescribeConfigs, handlers::DescribeConfigs},
    Entry{ApiKey::kAlterConfigs, handlers::AlterConfigs},
    Entry{ApiKey::kIncrementalAlterConfigs, handlers::IncrementalAlterConfigs},
    Entry{ApiKey::kDeleteRecords, handlers::DeleteRecords},
    Entry{ApiKey::kOffsetForLeaderEpoch, handlers::OffsetForLeaderEpoch},
    Entry{ApiKey::kDescribeProducers, handlers::DescribeProducers},
    Entry{ApiKey::kDescribeLogDirs, handlers::DescribeLogDirs},
    Entry{ApiKey::kElectLeaders, handlers::ElectLeaders},
    Entry{ApiKey::kListPartitionReassignments, handlers::ListPartitionReassignments},
    Entry{ApiKey::kDescribeAcls, handlers::DescribeAcls},
    Entry{ApiKey::kCreateAcls, handlers::CreateAcls},
    Entry{ApiKey::kDeleteAcls, handlers::DeleteAcls},
};

struct ServiceEntry {
  ApiKey key;
  handlers::ServiceHandler handler;
};

// The group APIs, which wait for the group coordinator to be online.
constexpr std::array kGroupHandlers = {
    ServiceEntry{ApiKey::kFindCoordinator, handlers::FindCoordinator},
    ServiceEntry{ApiKey::kJoinGroup, handlers::JoinGroup},
    ServiceEntry{ApiKey::kSyncGroup, handlers::SyncGroup},
    ServiceEntry{ApiKey::kHeartbeat, handlers::Heartbeat},
    ServiceEntry{ApiKey::kLeaveGroup, handlers::LeaveGroup},
    ServiceEntry{ApiKey::kOffsetCommit, handlers::OffsetCommit},
    ServiceEntry{ApiKey::kOffsetFetch, handlers::OffsetFetch},
    ServiceEntry{ApiKey::kOffsetDelete, handlers::OffsetDelete},
    ServiceEntry{ApiKey::kDescribeGroups, handlers::DescribeGroups},
    ServiceEntry{ApiKey::kListGroups, handlers::ListGroups},
    ServiceEntry{ApiKey::kDeleteGroups, handlers::DeleteGroups},
};

// Produce and the transaction APIs: each answers for itself when a coordinator it needs is
// offline.
constexpr std::array kTxnHandlers = {
    ServiceEntry{ApiKey::kProduce, handlers::Produce},
    ServiceEntry{ApiKey::kInitProducerId, handlers::InitProducerId},
    ServiceEntry{ApiKey::kAddPartitionsToTxn, handlers::AddPartitionsToTxn},
    ServiceEntry{ApiKey::kAddOffsetsToTxn, handlers::AddOffsetsToTxn},
    ServiceEntry{ApiKey::kEndTxn, handlers::EndTxn},
    ServiceEntry{ApiKey::kTxnOffsetCommit, handlers::TxnOffsetCommit},
    ServiceEntry{ApiKey::kDescribeTransactions, handlers::DescribeTransactions},
    ServiceEntry{ApiKey::kListTransactions, handlers::ListTransactions},
};

// The SCRAM users.
constexpr std::array kUserHandlers = {
    ServiceEntry{ApiKey::kDescribeUserScramCredentials, handlers::DescribeUserScramCredentials},
    ServiceEntry{ApiKey::kAlterUserScramCredentials, handlers::AlterUserScramCredentials},
};

template <typename Table>
auto Find(const Table& table, int16_t key) -> decltype(table[0].handler) {
  for (const auto& e : table) {
    if (static_cast<int16_t>(e.key) == key) return e.handler;
  }
  return nullptr;
}

// Every API advertised in kApis, except those the connection answers, has exactly one handler.
constexpr bool EveryApiHasAHandler() {
  size_t by_connection = 0;
  for (const auto& api : kApis) {
    int n = 0;
    if (AnsweredByConnection(api.key)) {
      ++by_connection;
      n = 1;
    }
    for (const auto& e : kHandlers) n += e.key == api.key;
    for (const auto& e : kGroupHandlers) n += e.key == api.key;
    for (const auto& e : kTxnHandlers) n += e.key == api.key;
    for (const auto& e : kUserHandlers) n += e.key == api.key;
    if (n != 1) return false;
  }
  return by_connection + kHandlers.size() + kGroupHandlers.size() + kTxnHandlers.size() +
             kUserHandlers.size() ==
         kApis.size();
}
static_assert(EveryApiHasAHandler(), "an advertised API lacks a handler (or has two)");

}  // namespace

void KafkaHandlers::Handle(RequestContext ctx, Respond done) {
  const int16_t key = ctx.request.header.api_key;
  if (auto handler = Find(kHandlers, key)) return handler(broker_, std::move(ctx), std::move(done));
  const auto group_handler = Find(kGroupHandlers, key);
  if (group_handler && !groups_.offline().ok() &&
      key != static_cast<int16_t>(ApiKey::kFindCoordinator)) {
    // Only a client that skipped FindCoordinator (which answers COORDINATOR_NOT_AVAILABLE) gets
    // here; it reconnects and asks again.
    return handlers::RejectMalformed(ctx, groups_.offline(), done);
  }
  auto handler = group_handler ? group_handler : Find(kTxnHandlers, key);
  if (handler == nullptr) handler = Find(kUserHandlers, key);
  if (handler != nullptr) {
    handlers::Services services{broker_, groups_, txns_, users_};
    return handler(services, std::move(ctx), std::move(done));
  }
  // The connection passes only advertised APIs it does not answer itself, and every one has a
  // handler (static_assert).
  handlers::RejectMalformed(ctx, InvalidArgument("API key {} has no handler", key), done);
}

namespace handlers {

void RejectMalformed(const RequestContext& ctx, const Status& why, const Respond& done) {
  done(Rejection(ctx.peer, ctx.request.header, why));
}

bool Authorized(const broker::Broker& broker, const RequestContext& ctx, broker::AclOperation op,
                broker::ResourceType type, std::string_view name, broker::OnDenial on_denial) {
  return broker::Permits(broker.authorizer(), RequesterOf(ctx), op, type, name, on_denial);
}

broker::Requester RequesterOf(const RequestContext& ctx) {
  return {ctx.principal, ctx.host, ctx.request.api ? ctx.request.api->name : "?",
          ctx.unrestricted};
}

bool WithinPartitionLimit(const broker::Broker& broker, const RequestContext& ctx, size_t entries,
                          const Respond& done) {
  const auto limit = static_cast<size_t>(broker.options().max_partitions_per_request);
  if (entries <= limit) return true;
  RejectMalformed(ctx,
                  InvalidArgument("the request names {} partitions, more than the {} allowed "
                                  "(--max-partitions-per-request)",
                                  entries, limit),
                  done);
  return false;
}

}  // namespace handlers
}  // namespace herald::kafka
