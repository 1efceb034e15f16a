// What the SDK's embedded pieces share beyond the Transport interface: the event store that
// lives on an embedded transport's data directory.
#pragma once

#include <memory>

#include "eventstore/event_store.h"
#include "herald/transport.h"

namespace herald::sdk {

// The event store of `transport`'s data directory, opened on first use and closed with the
// transport (one per transport: it alone may append to its topic). The pointer keeps the
// transport alive. nullptr when `transport` is not embedded; throws Error when the store cannot
// be opened.
std::shared_ptr<eventstore::EventStore> EmbeddedEventStoreOf(
    const std::shared_ptr<Transport>& transport);

}  // namespace herald::sdk
