// The SDK's TransactionalProducer over both transports (the embedded one, and the Kafka one
// against a real `herald serve`): events to several topics and a consumer's offsets commit
// together or not at all, consumers read committed events only, and a second producer with the
// same transactional id fences the first.
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "herald/errors.h"
#include "herald/publisher.h"
#include "herald/transactional_producer.h"
#include "herald/transport.h"
#include "testing/herald_process.h"
#include "testing/test_util.h"

namespace herald {
namespace {

using sdk::Event;
using sdk::GroupSession;
using sdk::Message;
using sdk::TransactionalProducer;
using sdk::Transport;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr auto kDeadline = std::chrono::seconds(30);

Event Data(std::string data) {
  Event e;
  e.type = "test.happened";
  e.data = std::move(data);
  return e;
}

class SdkTransactionsTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "kafka") {
      server_ = std::make_unique<testing::HeraldProcess>(
          dir_.str() + "/served",
          std::vector<std::string>{"--group-initial-rebalance-delay-ms", "0"});
      sdk::KafkaOptions options;
      options.bootstrap = server_->bootstrap();
      transport_ = sdk::ConnectKafka(options);
    } else {
      sdk::EmbeddedOptions options;
      options.data_dir = dir_.str() + "/embedded";
      transport_ = sdk::OpenEmbedded(options);
    }
  }

  std::string ServerLog() const {
    return server_ ? fmt::format("\nserver log:\n{}", server_->Log()) : std::string();
  }

  std::unique_ptr<TransactionalProducer> Producer(const std::string& id) {
    sdk::TransactionalOptions options;
    options.transactional_id = id;
    return std::make_unique<TransactionalProducer>(transport_, options);
  }

  // Polls for `window` (or until `count` came) and returns the values of what came.
  std::vector<std::string> Values(GroupSession& session, size_t count,
                                  milliseconds window = kDeadline) {
    std::vector<std::string> out;
    const auto until = Clock::now() + window;
    while (out.size() < count && Clock::now() < until) {
      for (auto& m : session.Poll(milliseconds(100), 100)) out.push_back(m.value.value_or(""));
    }
    return out;
  }

  // The values of `count` records, and of any that come within half a second after them.
  std::vector<std::string> AllValues(GroupSession& session, size_t count) {
    auto out = Values(session, count);
    for (auto& more : Values(session, 1, milliseconds(500))) out.push_back(std::move(more));
    return out;
  }

  // The first record a new member of `group` gets from `topic`.
  int64_t FirstOffsetOfNewMember(const std::string& group, const std::string& topic) {
    auto session = transport_->Join(group, {topic});
    const auto until = Clock::now() + kDeadline;
    while (Clock::now() < until) {
      auto got = session->Poll(milliseconds(100), 1);
      if (!got.empty()) {
        session->Close();
        return got.front().offset;
      }
    }
    ADD_FAILURE() << "no record of " << topic << ServerLog();
    return -1;
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::HeraldProcess> server_;
  std::shared_ptr<Transport> transport_;
};

TEST_P(SdkTransactionsTest, CommittedEventsAreSeenTogetherAndAbortedOnesNever) {
  transport_->EnsureTopic("invoices", 2);
  transport_->EnsureTopic("ledger", 1);
  auto producer = Producer("billing");
  producer->Begin();
  std::vector<std::future<sdk::Delivery>> sent;
  for (int i = 0; i < 4; ++i) {
    Event e = Data(fmt::format("invoice-{}", i));
    e.partition = i % 2;
    sent.push_back(producer->PublishAsync("invoices", std::move(e)));
  }
  sent.push_back(producer->PublishAsync("ledger", Data("ledger-0")));
  producer->Commit();
  for (auto& f : sent) EXPECT_GE(f.get().position.offset, 0);

  producer->Begin();
  producer->Publish("invoices", Data("aborted-invoice"));
  producer->PublishBatch("ledger", {Data("aborted-ledger-1"), Data("aborted-ledger-2")});
  producer->Abort();

  producer->Begin();
  producer->Publish("ledger", Data("ledger-1"));
  producer->Commit();

  auto session = transport_->Join("auditors", {"invoices", "ledger"});
  auto values = AllValues(*session, 6);
  std::multiset<std::string> got(values.begin(), values.end());
  EXPECT_EQ(got, (std::multiset<std::string>{"invoice-0", "invoice-1", "invoice-2", "invoice-3",
                                             "ledger-0", "ledger-1"}))
      << ServerLog();
  // An empty transaction commits and aborts without a word.
  producer->Begin();
  producer->Commit();
  producer->Begin();
  producer->Abort();
  session->Close();
}

TEST_P(SdkTransactionsTest, AnOpenTransactionHoldsBackItsPartitionUntilItCommits) {
  transport_->EnsureTopic("events", 1);
  auto producer = Producer("holder");
  producer->Begin();
  producer->Publish("events", Data("in-transaction"));
  // A plain record after it waits behind the open transaction (the last stable offset).
  sdk::Publisher plain(transport_);
  plain.Publish("events", Data("plain"));
  auto session = transport_->Join("readers", {"events"});
  EXPECT_TRUE(Values(*session, 1, milliseconds(1500)).empty()) << ServerLog();
  EXPECT_THROW(producer->Begin(), sdk::Error);  // one is open
  producer->Commit();
  EXPECT_EQ(Values(*session, 2), (std::vector<std::string>{"in-transaction", "plain"}))
      << ServerLog();
  session->Close();
}

TEST_P(SdkTransactionsTest, OffsetsSentToATransactionCommitWithItOnly) {
  transport_->EnsureTopic("input", 1);
  transport_->EnsureTopic("output", 1);
  sdk::Publisher plain(transport_);
  for (int i = 0; i < 4; ++i) plain.Publish("input", Data(fmt::format("in-{}", i)));
  auto producer = Producer("transformer");
  // Reads the input, writes one output and sends the input's offset `next`, then ends.
  auto transform = [&](const std::string& output, int64_t next, bool commit) {
    auto session = transport_->Join("transform", {"input"});
    ASSERT_EQ(Values(*session, 4).size(), 4u) << ServerLog();
    producer->Begin();
    producer->Publish("output", Data(output));
    producer->SendOffsets(*session, {{"input", 0, next}});
    commit ? producer->Commit() : producer->Abort();
    session->Close();
  };
  transform("out-aborted", 2, false);
  EXPECT_EQ(FirstOffsetOfNewMember("transform", "input"), 0);
  transform("out-committed", 3, true);
  EXPECT_EQ(FirstOffsetOfNewMember("transform", "input"), 3);
  auto reader = transport_->Join("output-readers", {"output"});
  EXPECT_EQ(AllValues(*reader, 1), std::vector<std::string>{"out-committed"});
  reader->Close();
}

TEST_P(SdkTransactionsTest, ANewProducerWithTheSameIdFencesTheOldOne) {
  transport_->EnsureTopic("payments", 1);
  auto zombie = Producer("payments-1");
  zombie->Begin();
  zombie->Publish("payments", Data("from-zombie"));
  auto successor = Producer("payments-1");  // aborts the zombie's transaction
  EXPECT_THROW(zombie->Commit(), sdk::ProducerFenced);
  successor->Begin();
  successor->Publish("payments", Data("from-successor"));
  successor->Commit();
  auto session = transport_->Join("payment-readers", {"payments"});
  EXPECT_EQ(AllValues(*session, 1), std::vector<std::string>{"from-successor"}) << ServerLog();
  session->Close();
  zombie.reset();  // closing a fenced producer is quiet
}

TEST_P(SdkTransactionsTest, ASendsCallbackMaySendAgain) {
  transport_->EnsureTopic("chained", 1);
  auto producer = Producer("chainer");
  auto record = [](const std::string& value) {
    std::vector<sdk::OutgoingRecord> records(1);
    records[0].topic = "chained";
    records[0].value = value;
    return records;
  };
  // Outside a transaction the answer may come before Send returns: a callback sending again
  // must not wait on the call it is inside.
  std::promise<std::vector<sdk::SendResult>> refused;
  producer->Send(record("no-transaction"), [&](std::vector<sdk::SendResult> first) {
    EXPECT_FALSE(first.front().ok());
    producer->Send(record("no-transaction-2"),
                   [&](std::vector<sdk::SendResult> second) { refused.set_value(second); });
  });
  auto second = refused.get_future();
  ASSERT_EQ(second.wait_for(kDeadline), std::future_status::ready);
  EXPECT_FALSE(second.get().front().ok());

  producer->Begin();
  std::promise<std::vector<sdk::SendResult>> chained;
  producer->Send(record("first"), [&](std::vector<sdk::SendResult> first) {
    EXPECT_TRUE(first.front().ok()) << first.front().error;
    producer->Send(record("second"),
                   [&](std::vector<sdk::SendResult> next) { chained.set_value(next); });
  });
  auto next = chained.get_future();
  ASSERT_EQ(next.wait_for(kDeadline), std::future_status::ready);
  EXPECT_TRUE(next.get().front().ok());
  producer->Commit();
  auto session = transport_->Join("chain-readers", {"chained"});
  EXPECT_EQ(AllValues(*session, 2), (std::vector<std::string>{"first", "second"})) << ServerLog();
  session->Close();
}

INSTANTIATE_TEST_SUITE_P(Transports, SdkTransactionsTest, ::testing::Values("embedded", "kafka"),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           return param.param;
                         });

TEST(SdkTransactionsEmbeddedTest, TransactionsSurviveReopeningTheDataDirectory) {
  testing::TempDir dir;
  sdk::EmbeddedOptions options;
  options.data_dir = dir.str();
  {
    auto transport = sdk::OpenEmbedded(options);
    transport->EnsureTopic("t", 1);
    sdk::TransactionalOptions to;
    to.transactional_id = "durable";
    TransactionalProducer producer(transport, to);
    producer.Begin();
    producer.Publish("t", Data("committed"));
    producer.Commit();
    producer.Begin();
    producer.Publish("t", Data("aborted"));
    producer.Abort();
  }
  auto transport = sdk::OpenEmbedded(options);
  auto session = transport->Join("g", {"t"});
  std::vector<std::string> got;
  const auto until = Clock::now() + std::chrono::seconds(2);
  while (Clock::now() < until) {
    for (auto& m : session->Poll(milliseconds(100), 10)) got.push_back(*m.value);
  }
  EXPECT_EQ(got, std::vector<std::string>{"committed"});
  // The id is known: a new producer takes it with a new epoch.
  sdk::TransactionalOptions to;
  to.transactional_id = "durable";
  TransactionalProducer again(transport, to);
  again.Begin();
  again.Publish("t", Data("after-reopen"));
  again.Commit();
  session->Close();
}

}  // namespace
}  // namespace herald
