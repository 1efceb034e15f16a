// Request and response headers.
//
//   request header v1 := api_key:int16 api_version:int16 correlation_id:int32 client_id:NULLABLE_STRING
//   request header v2 := v1 + tagged fields      (for flexible request versions)
//   response header v0 := correlation_id:int32
//   response header v1 := v0 + tagged fields     (for flexible response versions, but never
//                                                 for ApiVersions, which always answers with v0)
// client_id stays a classic (int16-length) string even in v2 so any broker can read ApiVersions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/bytes.h"
#include "base/status.h"
#include "kafka/api.h"
#include "kafka/wire.h"

namespace herald::kafka {

struct RequestHeader {
  int16_t api_key = 0;
  int16_t api_version = 0;
  int32_t correlation_id = 0;
  std::optional<std::string> client_id;
};

struct ParsedRequest {
  RequestHeader header;
  const ApiInfo* api = nullptr;  // null when Herald does not serve the key
  bool flexible = false;         // the request's version is a flexible one
  size_t body_offset = 0;        // where the body starts in the frame
};

// Parses a request frame (the bytes after the 4-byte size). kInvalidArgument when the header is
// malformed. An unknown API key or an unsupported version is not an error here: `api` is null or
// the version lies outside the api's range, for the caller to answer.
Result<ParsedRequest> ParseRequest(ByteView frame);

// Whether the response to `api` at `version` carries header v1 (tagged fields).
bool FlexibleResponseHeader(const ApiInfo& api, int16_t version);

}  // namespace herald::kafka
