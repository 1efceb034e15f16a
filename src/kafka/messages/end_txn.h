// EndTxn (API key 26), versions 0-3; v3 is the first flexible version. Commits or aborts a
// producer's transaction.
#pragma once

#include <cstdint>
#include <string>
#include <tuple>

#include "kafka/messages/common.h"
#include "kafka/schema.h"

namespace herald::kafka {

struct EndTxnRequest {
  std::string transactional_id;
  int64_t producer_id = 0;
  int16_t producer_epoch = 0;
  bool committed = false;  // false: abort

  bool operator==(const EndTxnRequest&) const = default;
  static constexpr auto Fields() {
    using S = EndTxnRequest;
    return std::tuple{Field{&S::transactional_id, 0}, Field{&S::producer_id, 0},
                      Field{&S::producer_epoch, 0}, Field{&S::committed, 0}};
  }
};

struct EndTxnResponse {
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;

  bool operator==(const EndTxnResponse&) const = default;
  static constexpr auto Fields() {
    using S = EndTxnResponse;
    return std::tuple{Field{&S::throttle_time_ms, 0}, Field{&S::error_code, 0}};
  }
};

}  // namespace herald::kafka
