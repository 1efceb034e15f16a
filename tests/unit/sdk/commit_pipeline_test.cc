#include "sdk/commit_pipeline.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace herald::sdk {
namespace {

// A Send that holds each commit until the test answers it.
struct FakeCoordinator {
  std::vector<std::vector<RecordPosition>> sent;
  std::vector<CommitPipeline::Answered> waiting;

  CommitPipeline::Send AsSend() {
    return [this](std::vector<RecordPosition> offsets, CommitPipeline::Answered answered) {
      sent.push_back(std::move(offsets));
      waiting.push_back(std::move(answered));
    };
  }
  void AnswerNext(std::string error = "") {
    auto answered = std::move(waiting.front());
    waiting.erase(waiting.begin());
    answered(std::move(error));
  }
};

TEST(CommitPipelineTest, OneInFlightAndTheRestMergedIntoTheNextInOrder) {
  FakeCoordinator coordinator;
  CommitPipeline pipeline(coordinator.AsSend());
  EXPECT_TRUE(pipeline.Idle());
  pipeline.Add({{"t", 0, 5}});
  ASSERT_EQ(coordinator.sent.size(), 1u);
  EXPECT_FALSE(pipeline.Idle());
  // While one is out: later offsets of a partition replace earlier ones.
  pipeline.Add({{"t", 0, 7}, {"t", 1, 3}});
  pipeline.Add({{"t", 0, 9}});
  EXPECT_EQ(coordinator.sent.size(), 1u);
  coordinator.AnswerNext();
  ASSERT_EQ(coordinator.sent.size(), 2u);
  const auto& second = coordinator.sent[1];
  ASSERT_EQ(second.size(), 2u);
  EXPECT_EQ(second[0].partition, 0);
  EXPECT_EQ(second[0].offset, 9);
  EXPECT_EQ(second[1].partition, 1);
  EXPECT_EQ(second[1].offset, 3);
  EXPECT_FALSE(pipeline.Idle());
  coordinator.AnswerNext();
  EXPECT_TRUE(pipeline.Idle());
  pipeline.WaitIdle();  // returns at once
}

TEST(CommitPipelineTest, TheFirstFailureIsKeptUntilTakenAndCommitsGoOn) {
  FakeCoordinator coordinator;
  CommitPipeline pipeline(coordinator.AsSend());
  pipeline.Add({{"t", 0, 1}});
  pipeline.Add({{"t", 0, 2}});
  coordinator.AnswerNext("coordinator moved");
  coordinator.AnswerNext("second failure");
  EXPECT_TRUE(pipeline.Idle());
  EXPECT_EQ(pipeline.TakeError(), "coordinator moved");
  EXPECT_EQ(pipeline.TakeError(), "");
}

TEST(CommitPipelineTest, ASendThatAnswersAtOnceLeavesItIdle) {
  int sends = 0;
  CommitPipeline pipeline([&](std::vector<RecordPosition>, CommitPipeline::Answered answered) {
    ++sends;
    answered("refused");
  });
  pipeline.Add({{"t", 0, 1}});
  EXPECT_EQ(sends, 1);
  EXPECT_TRUE(pipeline.Idle());
  EXPECT_EQ(pipeline.TakeError(), "refused");
}

}  // namespace
}  // namespace herald::sdk
