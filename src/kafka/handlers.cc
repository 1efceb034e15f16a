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
    Entry{ApiKey::kProduce, handlers::Produce},
    Entry{ApiKey::kFetch, handlers::Fetch},
    Entry{ApiKey::kListOffsets, handlers::ListOffsets},
    Entry{ApiKey::kCreateTopics, handlers::CreateTopics},
    Entry{ApiKey::kDeleteTopics, handlers::DeleteTopics},
    Entry{ApiKey::kCreatePartitions, handlers::CreatePartitions},
    Entry{ApiKey::kDescribeConfigs, handlers::DescribeConfigs},
    Entry{ApiKey::kAlterConfigs, handlers::AlterConfigs},
    Entry{ApiKey::kDeleteRecords, handlers::DeleteRecords},
    Entry{ApiKey::kOffsetForLeaderEpoch, handlers::OffsetForLeaderEpoch},
};

handlers::Handler Find(int16_t key) {
  for (const auto& e : kHandlers) {
    if (static_cast<int16_t>(e.key) == key) return e.handler;
  }
  return nullptr;
}

}  // namespace

void KafkaHandlers::Handle(RequestContext ctx, Respond done) {
  handlers::Handler handler = Find(ctx.request.header.api_key);
  if (handler == nullptr) {
    LogWarn("request_rejected",
            {{"peer", ctx.peer}, {"api_key", ctx.request.header.api_key}},
            "no handler for this API yet; closing the connection");
    Response r;
    r.send = false;
    r.close = true;
    done(std::move(r));
    return;
  }
  handler(broker_, std::move(ctx), std::move(done));
}

namespace handlers {

ErrorCode ErrorFor(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk: return ErrorCode::kNone;
    case StatusCode::kCorruption: return ErrorCode::kCorruptMessage;
    case StatusCode::kNotFound: return ErrorCode::kUnknownTopicOrPartition;
    case StatusCode::kOutOfRange: return ErrorCode::kOffsetOutOfRange;
    case StatusCode::kInvalidArgument: return ErrorCode::kInvalidRequest;
    case StatusCode::kAlreadyExists: return ErrorCode::kTopicAlreadyExists;
    case StatusCode::kNoSpace:
    case StatusCode::kIoError:
    case StatusCode::kFailedPrecondition: return ErrorCode::kKafkaStorageError;
    default: return ErrorCode::kUnknownServerError;
  }
}

void RejectMalformed(const RequestContext& ctx, const Status& why, const Respond& done) {
  LogWarn("request_rejected",
          {{"peer", ctx.peer},
           {"api_key", ctx.request.header.api_key},
           {"api_version", ctx.request.header.api_version}},
          why.ToString());
  Response r;
  r.send = false;
  r.close = true;
  done(std::move(r));
}

}  // namespace handlers
}  // namespace herald::kafka
