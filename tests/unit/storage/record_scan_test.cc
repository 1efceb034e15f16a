#include "storage/record_scan.h"

#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "base/clock.h"
#include "storage/mem_file_system.h"

namespace herald::storage {
namespace {

class RecordScanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto log = Log::Open({&fs_, "/p", LogConfig{}, &clock_, nullptr});
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    log_ = *log;
    // Batches of 1, 3 and 2 records: offsets 0 | 1 2 3 | 4 5.
    int key = 0;
    for (int n : {1, 3, 2}) {
      std::vector<RecordSpec> records;
      for (int i = 0; i < n; ++i) records.push_back({fmt::format("k{}", key++), "v", 1, {}});
      Buffer batch = BuildBatch(records);
      ASSERT_TRUE(log_->AppendAndWait(batch, AckLevel::kDurable).ok());
    }
  }

  std::vector<std::string> Keys(int64_t from, int64_t to, size_t stop_after = 100,
                                uint64_t read_bytes = 1 << 20) {
    std::vector<std::string> keys;
    Status s = ScanRecords(
        *log_, from, to,
        [&](const RecordView& r) {
          keys.push_back(fmt::format("{}={}", r.offset, AsString(*r.key)));
          return keys.size() < stop_after;
        },
        read_bytes);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return keys;
  }

  MemFileSystem fs_;
  ManualClock clock_;
  std::shared_ptr<Log> log_;
};

TEST_F(RecordScanTest, VisitsExactlyTheRecordsInTheRangeEvenInsideABatch) {
  EXPECT_EQ(Keys(0, 6), (std::vector<std::string>{"0=k0", "1=k1", "2=k2", "3=k3", "4=k4", "5=k5"}));
  EXPECT_EQ(Keys(2, 5), (std::vector<std::string>{"2=k2", "3=k3", "4=k4"}));
  EXPECT_TRUE(Keys(6, 100).empty());
  EXPECT_EQ(Keys(5, 100), (std::vector<std::string>{"5=k5"}));
}

TEST_F(RecordScanTest, StopsWhenTheVisitorSaysSo) {
  EXPECT_EQ(Keys(0, 6, 2), (std::vector<std::string>{"0=k0", "1=k1"}));
}

TEST_F(RecordScanTest, SmallReadsStillVisitEveryRecordOnce) {
  EXPECT_EQ(Keys(1, 6, 100, 1).size(), 5u);
}

}  // namespace
}  // namespace herald::storage
