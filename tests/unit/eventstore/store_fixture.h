// A fixture for the event store's unit tests: an event store on an in-memory engine (no
// background threads, a manual clock), which a test can close and open again.
#pragma once

#include <functional>
#include <memory>

#include <gtest/gtest.h>

#include "base/clock.h"
#include "eventstore/event_store.h"
#include "storage/engine.h"
#include "storage/mem_file_system.h"
#include "testing/memory_engine.h"

namespace herald::eventstore {

class StoreFixture : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  // Closes the store and the engine and opens them again; `before_store` runs on the reopened
  // engine before the store opens.
  virtual void Reopen(const std::function<void()>& before_store = {}) {
    store_.reset();
    ASSERT_NO_FATAL_FAILURE(testing::ReopenMemoryEngine(engine_, fs_, clock_));
    if (before_store) before_store();
    auto store = EventStore::Open(*engine_, {.background = false});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }

  storage::MemFileSystem fs_;
  ManualClock clock_{1'700'000'000'000};
  std::unique_ptr<storage::Engine> engine_;
  std::unique_ptr<EventStore> store_;
};

}  // namespace herald::eventstore
