// `herald bench eventstore`: Herald's event store (the SDK's embedded EventStore) side by side
// with PostgreSQL as event stores are built on it (a Marten-style schema: mt_streams with each
// stream's version, mt_events unique on (stream_id, version), appends through one function that
// checks the expected version; synchronous_commit on), in one run:
//   appends  writers append to their own streams with exact expected revisions, batches of 1 and
//            of `big_batch` events: appends/s and events/s of each;
//   read     one stream of `read_events` events read whole, again and again: p50 and p99;
//   rebuild  a projection rebuilt from `rebuild_events` events into a SQLite read model
//            (Projection::Rebuild), beside the same upserts fed to SQLite from memory: the limit.
// PostgreSQL is the one scripts/postgres.sh starts (from the source tree herald-bench was built
// from), or the server at --postgres.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "base/status.h"

namespace herald::bench {

struct EventStoreBenchOptions {
  int writers = 8;
  int streams = 10000;
  double seconds = 5;  // per append phase and system
  int big_batch = 10;
  int event_bytes = 100;  // of each event's JSON data
  int read_events = 1000;
  int reads = 500;
  int64_t rebuild_events = 1000000;
  std::string postgres;  // a connection URL; empty: start one
  std::string dir = "/tmp/herald-bench-eventstore";
};

struct AppendFigures {
  double herald_appends_s = 0;
  double postgres_appends_s = 0;
  double herald_appends_per_fsync = 0;  // how many appends each of Herald's fsyncs covered
  double ratio() const {
    return postgres_appends_s > 0 ? herald_appends_s / postgres_appends_s : 0;
  }
};

struct EventStoreBenchResult {
  AppendFigures single;  // batches of 1 event
  AppendFigures batch;   // batches of big_batch events
  int big_batch = 0;
  double herald_read_p50_us = 0, herald_read_p99_us = 0;
  double postgres_read_p50_us = 0, postgres_read_p99_us = 0;
  double rebuild_events_s = 0;
  double sqlite_alone_events_s = 0;
  std::string postgres_version;
  std::string ToJson() const;
};

Result<EventStoreBenchResult> RunEventStoreBench(const EventStoreBenchOptions& options,
                                                 std::ostream& progress);

}  // namespace herald::bench
