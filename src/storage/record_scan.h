// Reading a log record by record: what a process that replays a topic (the group coordinator's
// offsets, the event store's index) or serves records one at a time needs, above Log::Read's
// whole batches.
//
// Thread-safety: as Log::Read (any thread); `fn` runs on the calling thread.
#pragma once

#include <cstdint>
#include <functional>

#include "base/status.h"
#include "storage/log.h"
#include "storage/record_batch.h"

namespace herald::storage {

// Calls `fn` for each record of `log` whose offset is in [from, to), in offset order, until it
// returns false. Reads at most `read_bytes` per Log::Read. Errors: Log::Read's, and kCorruption
// for records that do not parse.
Status ScanRecords(const Log& log, int64_t from, int64_t to,
                   const std::function<bool(const RecordView&)>& fn,
                   uint64_t read_bytes = uint64_t{1} << 20);
// The same, with the header of the batch holding each record (its producer, whether it is
// transactional or a transaction's marker).
Status ScanBatchRecords(const Log& log, int64_t from, int64_t to,
                        const std::function<bool(const BatchHeader&, const RecordView&)>& fn,
                        uint64_t read_bytes = uint64_t{1} << 20);

}  // namespace herald::storage
