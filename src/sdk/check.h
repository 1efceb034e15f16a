// The results of the layers below (Status, Result) as the SDK's exception, for the embedded
// pieces: `what` names the operation, the status says why.
#pragma once

#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "base/status.h"
#include "herald/errors.h"

namespace herald::sdk {

template <typename T>
T Check(Result<T> r, std::string_view what) {
  if (!r.ok()) throw Error(fmt::format("{}: {}", what, r.status().ToString()));
  return std::move(r).value();
}

inline void Check(const Status& s, std::string_view what) {
  if (!s.ok()) throw Error(fmt::format("{}: {}", what, s.ToString()));
}

}  // namespace herald::sdk
