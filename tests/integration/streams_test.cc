// The event store through a real `herald serve`, driven with curl and kcat: appends with expected
// revisions (racing writers, idempotent retries), reads, metadata, deletion, bad input, and a
// kill -9 in the middle of appends.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <unistd.h>

#include "base/uuid.h"
#include "testing/clients.h"
#include "testing/curl.h"
#include "testing/herald_process.h"
#include "testing/test_util.h"

namespace herald {
namespace {

using nlohmann::json;
using testing::HttpAnswer;

class StreamsTest : public ::testing::Test {
 protected:
  void SetUp() override { Start(); }
  void TearDown() override {
    if (HasFailure() && server_) server_->PrintLogTail();
  }

  void Start() { server_ = std::make_unique<testing::HeraldProcess>(dir_.str() + "/data"); }

  HttpAnswer Call(const std::string& method, const std::string& path, const std::string& body = "",
                  const std::string& extra = "") {
    return testing::Curl(method, server_->http_url() + path, body,
                         body.empty() ? "" : "application/json", extra);
  }

  HttpAnswer Append(const std::string& stream, const json& expected,
                    const std::vector<json>& events) {
    json body = json::object();
    body["expected_revision"] = expected;
    body["events"] = events;
    return Call("POST", "/streams/" + stream, body.dump());
  }

  // {"expected_revision": expected, "events": [event]}
  static std::string Body(const json& expected, const json& event) {
    json body = json::object();
    body["expected_revision"] = expected;
    body["events"] = json::array({event});
    return body.dump();
  }

  static json Event(const std::string& type, json data = json::object(), std::string id = "") {
    json e = {{"type", type}, {"data", std::move(data)}};
    if (!id.empty()) e["id"] = id;
    return e;
  }

  json Read(const std::string& path) {
    auto a = Call("GET", path);
    EXPECT_EQ(a.status, 200) << path << ": " << a.body;
    return a.Json();
  }

  int64_t EndPosition() { return Read("/streams/$all?limit=1").value("end_position", -1); }

  testing::TempDir dir_;
  std::unique_ptr<testing::HeraldProcess> server_;
};

TEST_F(StreamsTest, AppendsAndReadsWithExpectedRevisionsAndKafkaConsumersSeeTheEvents) {
  auto first = Append("order-1", "no_stream",
                      {Event("OrderPlaced", {{"total", 42}}), Event("ItemAdded", {{"sku", "A"}})});
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.Json()["next_expected_revision"], 1);
  EXPECT_EQ(first.Json()["position"], 1);

  auto conflict = Append("order-1", 0, {Event("Late")});
  EXPECT_EQ(conflict.status, 409);
  EXPECT_EQ(conflict.Json()["error_code"], "wrong_expected_version");
  EXPECT_EQ(conflict.Json()["current_revision"], 1);
  auto missing = Append("order-2", "stream_exists", {Event("X")});
  EXPECT_EQ(missing.status, 409);
  EXPECT_EQ(missing.Json()["current_revision"], -1);

  // EventStoreDB's header works too.
  json no_expected = json::object();
  no_expected["events"] = json::array({Event("OrderShipped")});
  auto shipped = Call("POST", "/streams/order-1", no_expected.dump(), "-H 'ES-ExpectedVersion: 1'");
  ASSERT_EQ(shipped.status, 200) << shipped.body;
  EXPECT_EQ(shipped.Json()["next_expected_revision"], 2);

  json stream = Read("/streams/order-1");
  ASSERT_EQ(stream["events"].size(), 3u);
  EXPECT_EQ(stream["events"][0]["type"], "OrderPlaced");
  EXPECT_EQ(stream["events"][0]["data"]["total"], 42);
  EXPECT_EQ(stream["events"][2]["revision"], 2);
  EXPECT_TRUE(stream["next"].is_null());
  json back = Read("/streams/order-1?direction=backward&limit=2");
  ASSERT_EQ(back["events"].size(), 2u);
  EXPECT_EQ(back["events"][0]["revision"], 2);
  EXPECT_EQ(back["next"], 0);

  const std::string out =
      testing::RunCommand(fmt::format("timeout 30 kcat -b {} -t herald.events -C -e -o beginning "
                                      "-f '%o %k %h\\n'",
                                      server_->bootstrap()))
          .out;
  EXPECT_NE(out.find("0 order-1 ce_specversion=1.0,ce_id="), std::string::npos) << out;
  EXPECT_NE(out.find("ce_type=OrderShipped"), std::string::npos) << out;
  EXPECT_NE(out.find("ce_streamrevision=2"), std::string::npos) << out;
}

TEST_F(StreamsTest, RacingWritersGetExactlyOneWinnerPerRevisionWithNoGap) {
  HERALD_REQUIRE_CLIENT(testing::HasCommand("curl"), "curl");
  constexpr int kWriters = 8, kAttempts = 25;
  std::mutex mu;
  std::map<int64_t, std::string> winners;  // revision -> event id
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kAttempts; ++i) {
        auto head =
            testing::Curl("GET", server_->http_url() + "/streams/race?direction=backward&limit=1");
        const int64_t last = head.status == 200 ? head.Json().value("last_revision", -1) : -1;
        const std::string id = NewUuid();
        auto r = testing::Curl("POST", server_->http_url() + "/streams/race",
                               Body(last < 0 ? json("no_stream") : json(last),
                                    Event(fmt::format("W{}", w), json::object(), id)),
                               "application/json");
        if (r.status == 200) {
          std::lock_guard lock(mu);
          const int64_t revision = r.Json()["next_expected_revision"];
          EXPECT_TRUE(winners.emplace(revision, id).second) << "two winners at " << revision;
        } else {
          EXPECT_EQ(r.status, 409) << r.body;
        }
      }
    });
  }
  for (auto& t : writers) t.join();
  json all = Read("/streams/race?limit=10000");
  ASSERT_EQ(all["events"].size(), winners.size());
  for (size_t i = 0; i < all["events"].size(); ++i) {
    EXPECT_EQ(all["events"][i]["revision"], static_cast<int64_t>(i));
    EXPECT_EQ(all["events"][i]["id"], winners[static_cast<int64_t>(i)]);
  }
  EXPECT_GE(winners.size(), static_cast<size_t>(kAttempts));
}

TEST_F(StreamsTest, RetriesAreIdempotentAndDeletionsAndMetadataAreObeyed) {
  const std::string a = NewUuid(), b = NewUuid();
  const std::vector<json> events = {Event("A", 1, a), Event("B", 2, b)};
  auto first = Append("cart-1", "no_stream", events);
  ASSERT_EQ(first.status, 200) << first.body;
  auto retry = Append("cart-1", "no_stream", events);
  ASSERT_EQ(retry.status, 200) << retry.body;
  EXPECT_EQ(retry.Json(), first.Json());
  auto reused = Append("cart-2", "any", {Event("A", 1, a)});
  EXPECT_EQ(reused.status, 409);
  EXPECT_EQ(reused.Json()["error_code"], "duplicate_event_id");
  EXPECT_EQ(Read("/streams/cart-1")["events"].size(), 2u);

  ASSERT_EQ(Append("cart-1", 1, {Event("C"), Event("D")}).status, 200);
  ASSERT_EQ(Call("PUT", "/streams/cart-1/metadata", R"({"max_count":2,"owner":"shop"})").status,
            200);
  EXPECT_EQ(Read("/streams/cart-1/metadata")["owner"], "shop");
  json truncated = Read("/streams/cart-1");
  ASSERT_EQ(truncated["events"].size(), 2u);
  EXPECT_EQ(truncated["events"][0]["type"], "C");

  ASSERT_EQ(Append("user-1", "any", {Event("Joined")}).status, 200);
  json category = Read("/streams/$ce-cart");
  EXPECT_EQ(category["events"].size(), 4u);
  json joined = Read("/streams/$all?type=Joined");
  ASSERT_EQ(joined["events"].size(), 1u);
  EXPECT_EQ(joined["events"][0]["stream"], "user-1");

  EXPECT_EQ(Call("DELETE", "/streams/user-1?expected_revision=5").status, 409);
  ASSERT_EQ(Call("DELETE", "/streams/user-1").status, 200);
  EXPECT_EQ(Call("GET", "/streams/user-1").status, 404);
  auto recreated = Append("user-1", "no_stream", {Event("Rejoined")});
  ASSERT_EQ(recreated.status, 200) << recreated.body;
  EXPECT_EQ(recreated.Json()["next_expected_revision"], 1);

  ASSERT_EQ(Call("DELETE", "/streams/user-1?hard=true").status, 200);
  EXPECT_EQ(Call("GET", "/streams/user-1").status, 410);
  auto after = Append("user-1", "any", {Event("Ghost")});
  EXPECT_EQ(after.status, 410);
  EXPECT_EQ(after.Json()["error_code"], "stream_deleted");
  EXPECT_EQ(Call("GET", "/streams/never").status, 404);

  EXPECT_EQ(Call("GET", "/streams/cart-1/snapshot").status, 404);
  ASSERT_EQ(Call("PUT", "/streams/cart-1/snapshot", R"({"revision":3,"data":{"items":4}})").status,
            200);
  EXPECT_EQ(Call("PUT", "/streams/cart-1/snapshot", R"({"revision":9,"data":{}})").status, 400);
  EXPECT_EQ(Call("PUT", "/streams/cart-1/snapshot", R"({"data":{}})").status, 400);
  json snapshot = Read("/streams/cart-1/snapshot");
  EXPECT_EQ(snapshot["revision"], 3);
  EXPECT_EQ(snapshot["data"]["items"], 4);
}

TEST_F(StreamsTest, BadInputIsAClearClientErrorAndWritesNothing) {
  ASSERT_EQ(Append("ok", "any", {Event("A")}).status, 200);
  const int64_t end = EndPosition();
  struct Case {
    std::string path, body, extra;
    int status;
    std::string code;
  };
  const std::vector<Case> cases = {
      {"/streams/s", "{not json", "", 400, "invalid_json"},
      {"/streams/s", R"({"events":[{"type":"A"}]})", "", 400, "invalid_expected_revision"},
      {"/streams/s", R"({"expected_revision":-3,"events":[{"type":"A"}]})", "", 400,
       "invalid_expected_revision"},
      {"/streams/s", R"({"expected_revision":"some","events":[{"type":"A"}]})", "", 400,
       "invalid_expected_revision"},
      {"/streams/s", R"({"expected_revision":"any","events":[{"type":"A"}]})",
       "-H 'ES-ExpectedVersion: x'", 400, "invalid_expected_revision"},
      {"/streams/s", R"({"expected_revision":"any"})", "", 400, "invalid_request"},
      {"/streams/s", R"({"expected_revision":"any","events":[]})", "", 400, "invalid_request"},
      {"/streams/s", R"({"expected_revision":"any","events":[{"data":1}]})", "", 400,
       "invalid_request"},
      {"/streams/s", R"({"expected_revision":"any","events":[{"type":"A","id":"nope"}]})", "", 400,
       "invalid_request"},
      {"/streams/s", R"({"expected_revision":"any","events":[{"type":"A","metadata":[1]}]})", "",
       400, "invalid_request"},
      {"/streams/s", R"({"expected_revision":"any","events":[{"type":"A","data_base64":"*"}]})", "",
       400, "invalid_request"},
      {"/streams/s",
       R"({"expected_revision":"any","events":[{"type":"A","data_base64":"AA==","data":1}]})", "",
       400, "invalid_request"},
      {"/streams/s",
       R"({"expected_revision":"any","events":[{"type":"A","data_base64":"AA==",)"
       R"("content_type":"application/json"}]})",
       "", 400, "invalid_request"},
      {"/streams/$s", R"({"expected_revision":"any","events":[{"type":"A"}]})", "", 400,
       "invalid_stream_name"},
      {"/streams/s", Body("any", Event("Big", std::string(2 << 20, 'x'))), "", 400,
       "invalid_request"},
  };
  for (const Case& c : cases) {
    auto a = Call("POST", c.path, c.body, c.extra);
    EXPECT_EQ(a.status, c.status) << c.body.substr(0, 100) << ": " << a.body;
    EXPECT_EQ(a.Json().value("error_code", ""), c.code) << a.body;
    EXPECT_TRUE(a.Json().value("message", "").size() > 0) << a.body;
  }
  auto wrong_type = testing::Curl("POST", server_->http_url() + "/streams/s", "x=1",
                                  "application/x-www-form-urlencoded");
  EXPECT_EQ(wrong_type.status, 415);
  EXPECT_EQ(Call("GET", "/streams/s?limit=-1").status, 400);
  EXPECT_EQ(Call("GET", "/streams/s?direction=sideways").status, 400);
  EXPECT_EQ(EndPosition(), end);
  EXPECT_TRUE(server_->Alive());
}

TEST_F(StreamsTest, TheStreamCommandAppendsReadsTailsAndDeletes) {
  const std::string herald = fmt::format("HERALD_URL={} {}", server_->http_url(), HERALD_BINARY);
  auto run = [&](const std::string& args) { return testing::RunCommand(herald + " " + args); };
  auto placed =
      run("stream append order-7 --type Placed --data '{\"total\":42}' --expected no_stream");
  ASSERT_EQ(placed.exit_code, 0) << placed.err;
  EXPECT_NE(placed.out.find("revision 0, position 0"), std::string::npos) << placed.out;
  auto two = testing::RunCommand(fmt::format(
      "printf '{{\"sku\":\"A\"}}\\n{{\"sku\":\"B\"}}\\n' | {} stream append order-7 --type "
      "ItemAdded --expected 0 --output json",
      herald));
  ASSERT_EQ(two.exit_code, 0) << two.err;
  EXPECT_EQ(json::parse(two.out)["next_expected_revision"], 2);
  auto stale = run("stream append order-7 --type Late --data 1 --expected 0");
  EXPECT_EQ(stale.exit_code, 1);
  EXPECT_NE(stale.err.find("wrong_expected_version"), std::string::npos) << stale.err;

  auto read = run("stream read order-7");
  ASSERT_EQ(read.exit_code, 0) << read.err;
  EXPECT_NE(read.out.find("0\t0\t"), std::string::npos) << read.out;
  EXPECT_NE(read.out.find("\tItemAdded\t{\"sku\":\"B\"}"), std::string::npos) << read.out;
  auto all = run("stream read '$all' --type ItemAdded --output json");
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_EQ(std::count(all.out.begin(), all.out.end(), '\n'), 2) << all.out;

  auto tail = testing::RunCommand(
      fmt::format("({} stream tail order-7 --from 0 & sleep 2; kill $!; wait)", herald));
  EXPECT_NE(tail.out.find("\tItemAdded\t{\"sku\":\"A\"}"), std::string::npos) << tail.out;
  EXPECT_EQ(tail.out.find("\tPlaced\t"), std::string::npos) << tail.out;

  ASSERT_EQ(run("stream meta order-7 --set '{\"max_count\":1}'").exit_code, 0);
  EXPECT_NE(run("stream meta order-7 --output json").out.find("\"max_count\":1"),
            std::string::npos);
  ASSERT_EQ(run("stream delete order-7 --hard").exit_code, 0);
  auto gone = run("stream read order-7");
  EXPECT_EQ(gone.exit_code, 1);
  EXPECT_NE(gone.err.find("stream_deleted"), std::string::npos) << gone.err;
}

// A curl reading a subscription's Server-Sent Events, line by line, until it is stopped. The URL
// goes through a shell: spell '$' as %24.
class SseReader {
 public:
  explicit SseReader(const std::string& url) {
    pipe_ = ::popen(fmt::format("sh -c 'echo $$; exec curl -sN \"{}\"'", url).c_str(), "r");
    if (pipe_ != nullptr) pid_ = std::atoi(ReadLine().c_str());
  }
  ~SseReader() {
    if (pid_ > 0) ::kill(pid_, SIGTERM);
    if (pipe_ != nullptr) ::pclose(pipe_);
  }

  // The next line without its newline; empty at the end of the stream.
  std::string ReadLine() {
    std::string line;
    for (int c; (c = std::fgetc(pipe_)) != EOF && c != '\n';) line.push_back(static_cast<char>(c));
    return line;
  }

  // Reads events until `count` data events arrived; their ids, and whether caught-up came and
  // after how many.
  struct Seen {
    std::vector<int64_t> ids;
    std::vector<std::string> types;
    int caught_up_after = -1;
    int caught_up_count = 0;
  };
  Seen Read(size_t count) {
    Seen seen;
    std::string event, id, data;
    while (seen.ids.size() < count) {
      std::string line = ReadLine();
      if (line.empty()) {
        if (std::feof(pipe_)) break;
        if (event == "caught-up") {
          seen.caught_up_after = static_cast<int>(seen.ids.size());
          ++seen.caught_up_count;
        } else if (!data.empty()) {
          seen.ids.push_back(std::atoll(id.c_str()));
          seen.types.push_back(json::parse(data, nullptr, false).value("type", ""));
        }
        event.clear();
        id.clear();
        data.clear();
      } else if (line.starts_with("event: ")) {
        event = line.substr(7);
      } else if (line.starts_with("id: ")) {
        id = line.substr(4);
      } else if (line.starts_with("data: ")) {
        data = line.substr(6);
      }
    }
    return seen;
  }

 private:
  FILE* pipe_ = nullptr;
  pid_t pid_ = -1;
};

TEST_F(StreamsTest, ACatchUpSubscriptionHandsOverToLiveWithEveryEventOnceInOrder) {
  constexpr int kBefore = 150, kDuring = 250;
  auto append_range = [&](int from, int to) {
    for (int i = from; i < to; i += 10) {
      std::vector<json> events;
      for (int k = i; k < std::min(to, i + 10); ++k) events.push_back(Event(fmt::format("E{}", k)));
      auto r = Append("feed", i == 0 ? json("no_stream") : json(i - 1), events);
      ASSERT_EQ(r.status, 200) << r.body;
    }
  };
  append_range(0, kBefore);
  SseReader stream(server_->http_url() + "/streams/feed/subscribe");
  SseReader all(server_->http_url() + "/streams/%24all/subscribe?from=9&type=E10,E11,E200,E399");
  std::thread writer([&] { append_range(kBefore, kBefore + kDuring); });
  SseReader::Seen seen = stream.Read(kBefore + kDuring);
  writer.join();

  ASSERT_EQ(seen.ids.size(), static_cast<size_t>(kBefore + kDuring));
  for (size_t i = 0; i < seen.ids.size(); ++i) {
    ASSERT_EQ(seen.ids[i], static_cast<int64_t>(i));
    ASSERT_EQ(seen.types[i], fmt::format("E{}", i));
  }
  EXPECT_EQ(seen.caught_up_count, 1);
  EXPECT_GE(seen.caught_up_after, kBefore);

  SseReader::Seen filtered = all.Read(4);
  EXPECT_EQ(filtered.ids, (std::vector<int64_t>{10, 11, 200, 399}));
  EXPECT_EQ(filtered.caught_up_count, 1);

  // A subscription open on shutdown does not hold the broker up.
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(server_->Stop(), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
}

TEST_F(StreamsTest, KillNineMidAppendsLosesNothingAcknowledgedAndTheNextAppendFits) {
  constexpr int kWriters = 4;
  std::mutex mu;
  std::map<std::string, std::map<int64_t, std::string>> acked;  // stream -> revision -> id
  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      const std::string stream = fmt::format("acct-{}", w);
      int64_t next = 0;
      while (!stop) {
        const std::string id = NewUuid();
        auto r = testing::Curl("POST", server_->http_url() + "/streams/" + stream,
                               Body(next == 0 ? json("no_stream") : json(next - 1),
                                    Event("Deposited", {{"n", next}}, id)),
                               "application/json", "--max-time 5");
        if (r.status != 200) continue;  // the broker died mid-call: not acknowledged
        std::lock_guard lock(mu);
        acked[stream][next] = id;
        ++next;
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // appends in flight
  server_->Kill();
  stop = true;
  for (auto& t : writers) t.join();

  Start();
  for (const auto& [stream, revisions] : acked) {
    ASSERT_FALSE(revisions.empty());
    json read = Read("/streams/" + stream + "?limit=10000");
    const json& events = read["events"];
    ASSERT_GE(events.size(), revisions.size()) << stream;
    for (const auto& [revision, id] : revisions) {
      EXPECT_EQ(events[static_cast<size_t>(revision)]["id"], id) << stream << "@" << revision;
    }
    const int64_t last = read["last_revision"];
    auto next = Append(stream, last, {Event("AfterRestart")});
    EXPECT_EQ(next.status, 200) << next.body;
    EXPECT_EQ(next.Json()["next_expected_revision"], last + 1);
  }
}

// Persistent subscriptions through a real `herald serve`: two consumers share a category's
// events, an unacked event comes back after the timeout, a nacked one is parked, listed and
// replayed; the group, its checkpoint and its parked event survive a kill -9.
TEST_F(StreamsTest, PersistentSubscriptionsShareRetryParkAndSurviveAKill) {
  for (int i = 0; i < 6; ++i) {
    ASSERT_EQ(Append(fmt::format("order-{}", i), "any", {Event("Placed")}).status, 200);
  }
  ASSERT_EQ(Append("user-1", "any", {Event("Seen")}).status, 200);
  const std::string group = "/subscriptions/%24ce-order/billing";
  auto created = Call("PUT", group, R"({"message_timeout_ms": 300, "max_retry_count": 5})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(Call("PUT", group, "{}").status, 409);
  EXPECT_EQ(Call("PUT", "/subscriptions/s/g", R"({"max_retry_count": "x"})").status, 400);

  auto ids = [](const json& page) {
    std::vector<std::string> out;
    for (const auto& e : page["events"]) out.push_back(e["id"]);
    return out;
  };
  json first = Read(group + "/messages?count=4");
  json second = Read(group + "/messages?count=4");
  ASSERT_EQ(first["events"].size(), 4u);
  ASSERT_EQ(second["events"].size(), 2u);  // the other consumer gets the rest, none twice
  EXPECT_EQ(first["events"][0]["stream"], "order-0");
  EXPECT_EQ(first["events"][0]["retry_count"], 0);

  // Ack all but order-1 (left to time out) and order-2 (parked).
  std::vector<std::string> all = ids(first);
  for (const auto& id : ids(second)) all.push_back(id);
  const std::string late = all[1], poison = all[2];
  all.erase(all.begin() + 1, all.begin() + 3);
  EXPECT_EQ(Call("POST", group + "/ack", json{{"ids", all}}.dump()).status, 200);
  EXPECT_EQ(
      Call("POST", group + "/nack", json{{"ids", {poison}}, {"action", "park"}}.dump()).status,
      200);
  EXPECT_EQ(Call("POST", group + "/nack", json{{"ids", {poison}}, {"action", "x"}}.dump()).status,
            400);
  json again;
  for (int i = 0; i < 100; ++i) {  // the 300 ms timeout, polled
    again = Read(group + "/messages?count=10");
    if (!again["events"].empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(again["events"].size(), 1u) << again;
  EXPECT_EQ(again["events"][0]["id"], late);
  EXPECT_EQ(again["events"][0]["retry_count"], 1);
  EXPECT_EQ(Call("POST", group + "/ack", json{{"ids", {late}}}.dump()).status, 200);
  json parked = Read(group + "/parked");
  ASSERT_EQ(parked["events"].size(), 1u);
  EXPECT_EQ(parked["events"][0]["id"], poison);
  json info = Read(group);
  EXPECT_EQ(info["parked"], 1);
  EXPECT_EQ(info["in_flight"], 0);

  server_->Kill();
  Start();
  json listed = Read("/subscriptions");
  ASSERT_EQ(listed["subscriptions"].size(), 1u) << listed;
  EXPECT_EQ(listed["subscriptions"][0]["settings"]["message_timeout_ms"], 300);
  EXPECT_EQ(Read(group + "/parked")["events"].size(), 1u);
  EXPECT_EQ(Call("POST", group + "/replay-parked").status, 200);
  json replayed = Read(group + "/messages?count=10");
  std::vector<std::string> after = ids(replayed);
  EXPECT_NE(std::find(after.begin(), after.end(), poison), after.end()) << replayed;
  EXPECT_EQ(Call("DELETE", group).status, 200);
  EXPECT_EQ(Call("GET", group).status, 404);
  EXPECT_EQ(Call("GET", group + "/messages").Json()["error_code"], "subscription_not_found");
}

}  // namespace
}  // namespace herald
