// InitProducerId (API key 22), versions 0-4. v2 is the first flexible version; v3 adds the
// producer's current id and epoch (KIP-360: a producer asking to bump its epoch).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>

#include "kafka/messages/common.h"
#include "kafka/schema.h"

namespace herald::kafka {

struct InitProducerIdRequest {
  std::optional<std::string> transactional_id;  // null: the producer is not transactional
  int32_t transaction_timeout_ms = 0;
  int64_t producer_id = -1;     // v3+
  int16_t producer_epoch = -1;  // v3+

  bool operator==(const InitProducerIdRequest&) const = default;
  static constexpr auto Fields() {
    using S = InitProducerIdRequest;
    return std::tuple{Field{&S::transactional_id, 0, kNoMax, 0},
                      Field{&S::transaction_timeout_ms, 0}, Field{&S::producer_id, 3},
                      Field{&S::producer_epoch, 3}};
  }
};

struct InitProducerIdResponse {
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  int64_t producer_id = -1;
  int16_t producer_epoch = 0;

  bool operator==(const InitProducerIdResponse&) const = default;
  static constexpr auto Fields() {
    using S = InitProducerIdResponse;
    return std::tuple{Field{&S::throttle_time_ms, 0}, Field{&S::error_code, 0},
                      Field{&S::producer_id, 0}, Field{&S::producer_epoch, 0}};
  }
};

}  // namespace herald::kafka
