#include "broker/error_code.h"

namespace herald::broker {

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

}  // namespace herald::broker
