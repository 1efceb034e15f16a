// A fixture over the SDK's two event stores, for tests that must hold for both: a parameter
// starting "embedded" (the event store of a data directory in this process) or "remote" (HTTP to
// a `herald serve` the fixture starts).
#pragma once

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "herald/event_store.h"
#include "herald/transport.h"
#include "testing/herald_process.h"
#include "testing/test_util.h"

namespace herald::testing {

class EventStoreFixture : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (remote()) server_ = std::make_unique<HeraldProcess>(dir_.str() + "/served");
    store_ = Open();
  }
  void TearDown() override {
    if (HasFailure() && server_) server_->PrintLogTail();
  }

  bool remote() const { return GetParam().starts_with("remote"); }

  // A store on the same data (the embedded one: after store_ was released).
  std::shared_ptr<sdk::EventStore> Open() {
    if (remote()) {
      sdk::RemoteOptions options;
      options.url = server_->http_url();
      return sdk::ConnectEventStore(options);
    }
    sdk::EmbeddedOptions options;
    options.data_dir = dir_.str() + "/embedded";
    return sdk::OpenEmbeddedEventStore(sdk::OpenEmbedded(options));
  }

  TempDir dir_;
  std::unique_ptr<HeraldProcess> server_;
  std::shared_ptr<sdk::EventStore> store_;
};

}  // namespace herald::testing
