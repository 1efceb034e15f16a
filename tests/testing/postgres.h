// The PostgreSQL server of a test run (scripts/postgres.sh): the one ctest started for the whole
// run (HERALD_POSTGRES_DIR, the PostgresStart fixture), or else one this process starts on first
// use and stops when it exits.
#pragma once

#include <string>

namespace herald::testing {

// The server's connection URL ("postgresql://herald@127.0.0.1:PORT/herald"). Throws
// std::runtime_error when no server can be started.
const std::string& PostgresUrl();

}  // namespace herald::testing
