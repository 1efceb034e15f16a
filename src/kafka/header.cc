#include "kafka/header.h"

namespace herald::kafka {

Result<ParsedRequest> ParseRequest(ByteView frame) {
  Reader r(frame);
  ParsedRequest p;
  p.header.api_key = r.Int16();
  p.header.api_version = r.Int16();
  p.header.correlation_id = r.Int32();
  p.header.client_id = r.NullableString(/*compact=*/false);
  HERALD_RETURN_IF_ERROR(r.status(), "request header");
  p.api = FindApi(p.header.api_key);
  if (p.api != nullptr && p.header.api_version >= p.api->min_version &&
      p.header.api_version <= p.api->max_version) {
    p.flexible = p.header.api_version >= p.api->flexible_from;
    if (p.flexible) {
      r.SkipTaggedFields();
      HERALD_RETURN_IF_ERROR(r.status(), "request header tagged fields");
    }
  }
  p.body_offset = r.position();
  return p;
}

bool FlexibleResponseHeader(const ApiInfo& api, int16_t version) {
  return api.key != ApiKey::kApiVersions && version >= api.flexible_from;
}

}  // namespace herald::kafka
