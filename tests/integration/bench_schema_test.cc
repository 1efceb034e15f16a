// `herald bench schema` end to end with a tiny count, for Avro and JSON Schema records: both topics
// produced to, the validated one checked to refuse an unframed record (the bench fails otherwise).
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "testing/test_util.h"

namespace herald {
namespace {

TEST(BenchSchemaTest, ReportsBothTopicsForEachType) {
  for (const char* type : {"avro", "json"}) {
    testing::TempDir dir;
    auto r = testing::RunCommand(fmt::format(
        "{} bench schema --json --type {} --count 500 --rounds 1 --partitions 2 --dir {}",
        HERALD_BINARY, type, dir.str() + "/bench"));
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["type"], type);
    EXPECT_GT(j["plain_msgs_s"].get<double>(), 0) << r.out;
    EXPECT_GT(j["validated_msgs_s"].get<double>(), 0) << r.out;
    EXPECT_GT(j["record_bytes"].get<int>(), 900) << r.out;
  }
}

}  // namespace
}  // namespace herald
