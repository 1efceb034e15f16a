// A Router running on its own thread for as long as a test needs it.
#pragma once

#include <exception>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "herald/router.h"

namespace herald::testing {

class RunningRouter {
 public:
  explicit RunningRouter(sdk::Router& router) : router_(router), thread_([this] {
    try {
      router_.Run();
    } catch (const std::exception& e) {
      error_ = e.what();
    }
  }) {}
  ~RunningRouter() { StopAndJoin(); }
  RunningRouter(const RunningRouter&) = delete;
  RunningRouter& operator=(const RunningRouter&) = delete;

  // Stops the router, waits for Run to return and expects it to have thrown nothing.
  void StopAndJoin() {
    router_.Stop();
    if (thread_.joinable()) thread_.join();
    EXPECT_EQ(error_, "");
  }

 private:
  sdk::Router& router_;
  std::string error_;
  std::thread thread_;
};

}  // namespace herald::testing
