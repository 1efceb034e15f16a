// AddOffsetsToTxn (API key 25), versions 0-3; v3 is the first flexible version. A transactional
// producer adds a consumer group's offset commits to its transaction.
#pragma once

#include <cstdint>
#include <string>
#include <tuple>

#include "kafka/messages/common.h"
#include "kafka/schema.h"

namespace herald::kafka {

struct AddOffsetsToTxnRequest {
  std::string transactional_id;
  int64_t producer_id = 0;
  int16_t producer_epoch = 0;
  std::string group_id;

  bool operator==(const AddOffsetsToTxnRequest&) const = default;
  static constexpr auto Fields() {
    using S = AddOffsetsToTxnRequest;
    return std::tuple{Field{&S::transactional_id, 0}, Field{&S::producer_id, 0},
                      Field{&S::producer_epoch, 0}, Field{&S::group_id, 0}};
  }
};

struct AddOffsetsToTxnResponse {
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;

  bool operator==(const AddOffsetsToTxnResponse&) const = default;
  static constexpr auto Fields() {
    using S = AddOffsetsToTxnResponse;
    return std::tuple{Field{&S::throttle_time_ms, 0}, Field{&S::error_code, 0}};
  }
};

}  // namespace herald::kafka
