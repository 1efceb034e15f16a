// ListTransactions (API key 66), version 0 (KIP-664): the transactions a coordinator knows,
// filtered by state and producer id. Flexible.
#pragma once

#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "kafka/messages/common.h"
#include "kafka/schema.h"

namespace herald::kafka {

struct ListTransactionsRequest {
  std::vector<std::string> state_filters;    // empty: every state
  std::vector<int64_t> producer_id_filters;  // empty: every producer

  bool operator==(const ListTransactionsRequest&) const = default;
  static constexpr auto Fields() {
    using S = ListTransactionsRequest;
    return std::tuple{Field{&S::state_filters, 0}, Field{&S::producer_id_filters, 0}};
  }
};

struct ListTransactionsResponseState {
  std::string transactional_id;
  int64_t producer_id = 0;
  std::string transaction_state;

  bool operator==(const ListTransactionsResponseState&) const = default;
  static constexpr auto Fields() {
    using S = ListTransactionsResponseState;
    return std::tuple{Field{&S::transactional_id, 0}, Field{&S::producer_id, 0},
                      Field{&S::transaction_state, 0}};
  }
};

struct ListTransactionsResponse {
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  std::vector<std::string> unknown_state_filters;  // the request's filters naming no state
  std::vector<ListTransactionsResponseState> transaction_states;

  bool operator==(const ListTransactionsResponse&) const = default;
  static constexpr auto Fields() {
    using S = ListTransactionsResponse;
    return std::tuple{Field{&S::throttle_time_ms, 0}, Field{&S::error_code, 0},
                      Field{&S::unknown_state_filters, 0}, Field{&S::transaction_states, 0}};
  }
};

}  // namespace herald::kafka
