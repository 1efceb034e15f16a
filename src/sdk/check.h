// The results of the layers below (Status, Result) as the SDK's exception: `what` names the
// operation, the status says why. And a send refused whole, as the results a Send callback is
// given.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "base/status.h"
#include "herald/errors.h"
#include "herald/transport.h"

namespace herald::sdk {

template <typename T>
T Check(Result<T> r, std::string_view what) {
  if (!r.ok()) throw Error(fmt::format("{}: {}", what, r.status().ToString()));
  return std::move(r).value();
}

inline void Check(const Status& s, std::string_view what) {
  if (!s.ok()) throw Error(fmt::format("{}: {}", what, s.ToString()));
}

// One failed result per record of `records`, each saying `error`.
inline std::vector<SendResult> Refused(const std::vector<OutgoingRecord>& records,
                                       const std::string& error) {
  std::vector<SendResult> results(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    results[i].position.topic = records[i].topic;
    results[i].error = error;
  }
  return results;
}

}  // namespace herald::sdk
