// An engine on an in-memory file system, as unit tests open it: no background threads, one
// flusher thread, the test's clock. What was durable survives a reopen on the same file system.
#pragma once

#include <memory>

#include <gtest/gtest.h>

#include "base/clock.h"
#include "storage/engine.h"
#include "storage/mem_file_system.h"

namespace herald::testing {

// Closes `engine` when open, then opens it again on `fs` (as /data). Use with
// ASSERT_NO_FATAL_FAILURE.
inline void ReopenMemoryEngine(std::unique_ptr<storage::Engine>& engine, storage::MemFileSystem& fs,
                               Clock& clock) {
  if (engine) {
    ASSERT_TRUE(engine->Close().ok());
  }
  engine.reset();
  storage::EngineOptions o;
  o.data_dir = "/data";
  o.fs = &fs;
  o.clock = &clock;
  o.background = false;
  o.flusher_threads = 1;
  auto opened = storage::Engine::Open(o);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  engine = std::move(opened).value();
}

}  // namespace herald::testing
