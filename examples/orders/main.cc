// orders: an order-processing service on the Herald C++ SDK, run to completion.
//
// A storefront publishes order.placed events to `orders`; three routers (consumer groups) in
// this one process handle them:
//   payments       orders -> charge -> payment.captured to `payments`; transient failures are
//                  retried in place, then through orders.retry.1; the poison order -> orders.dlq
//   notifications  payments -> one email per payment (dedup), paused while email is down
//   ops            orders.dlq -> the dead letters, with their failure headers
//
// The failures are scripted by order number (FateOf), so every run tells the same story and the
// totals can be checked. Herald's logs are quieted to warnings (sdk::SetLogLevel); the SDK's
// Prometheus metrics (sdk::MetricsText) are checked against the totals and partly printed.
//
// Usage: orders (--embedded DIR | --bootstrap HOST:PORT) [--orders N]
#include <herald/errors.h>
#include <herald/observability.h>
#include <herald/publisher.h>
#include <herald/router.h>
#include <herald/sqlite_dedup_store.h>
#include <herald/transport.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace sdk = herald::sdk;
using namespace std::chrono_literals;

namespace {

// ---- The script: what happens to order n --------------------------------------------------

enum class Fate {
  kPaid,          // charged at the first attempt
  kTimeoutOnce,   // the gateway times out once: retried in place
  kTimeoutTwice,  // times out twice: in-place attempts run out, orders.retry.1 succeeds
  kAckLost,       // charged and published, then "crashes" before its offset is committed
  kPoison,        // a negative amount: NonRetryableError, straight to orders.dlq
};

Fate FateOf(int n) {
  if (n == 13) return Fate::kPoison;
  switch (n % 10) {
    case 4: return Fate::kTimeoutOnce;
    case 7: return Fate::kTimeoutTwice;
    case 9: return Fate::kAckLost;
    default: return Fate::kPaid;
  }
}

std::string OrderId(int n) {
  char id[32];
  std::snprintf(id, sizeof id, "order-%03d", n);
  return id;
}

// "order-013" -> 13; `name` of {"name":123} -> 123 (enough JSON for these payloads).
int64_t NumberAfter(std::string_view text, std::string_view marker) {
  int64_t n = 0;
  if (size_t at = text.find(marker); at != std::string_view::npos) {
    std::from_chars(text.data() + at + marker.size(), text.data() + text.size(), n);
  }
  return n;
}
int OrderNumber(std::string_view order) { return static_cast<int>(NumberAfter(order, "order-")); }

// ---- The dependencies, simulated ------------------------------------------------------------

// Times out on the orders the script says; charges each order at most once (an idempotency key
// per order, as real gateways offer), so a redelivered order is not charged twice.
class PaymentGateway {
 public:
  void Charge(const std::string& order, int64_t cents) {
    std::lock_guard lock(mu_);
    const Fate fate = FateOf(OrderNumber(order));
    const int timeouts = fate == Fate::kTimeoutOnce ? 1 : fate == Fate::kTimeoutTwice ? 2 : 0;
    if (++calls_[order] <= timeouts) {
      throw sdk::RetryableError("gateway_timeout", order + ": the payment gateway timed out");
    }
    charged_.emplace(order, cents);
  }
  size_t captured() {
    std::lock_guard lock(mu_);
    return charged_.size();
  }

 private:
  std::mutex mu_;
  std::map<std::string, int> calls_;
  std::map<std::string, int64_t> charged_;
};

// Down for its first kOutage calls, then fine.
class EmailProvider {
 public:
  static constexpr int kOutage = 3;
  void Send(const std::string& order) {
    std::lock_guard lock(mu_);
    if (++calls_ <= kOutage) {
      ++failures_;
      throw sdk::RetryableError("email_unavailable", "the SMTP relay does not answer");
    }
    ++sent_[order];
  }
  int failures() { std::lock_guard lock(mu_); return failures_; }
  std::map<std::string, int> sent() { std::lock_guard lock(mu_); return sent_; }

 private:
  std::mutex mu_;
  int calls_ = 0;
  int failures_ = 0;
  std::map<std::string, int> sent_;  // order -> emails sent
};

// ---- Bookkeeping --------------------------------------------------------------------------

// What a router's chain answered, attempt by attempt ("ok", "retry gateway_timeout", ...). The
// SDK's metrics (MetricsText) count each record once, by its final outcome, without the error
// class; a middleware sees every attempt and every pause, so it counts those itself.
struct Tally {
  std::mutex mu;
  std::map<std::string, int> counts;
  int operator[](const std::string& outcome) { std::lock_guard lock(mu); return counts[outcome]; }
};

sdk::Middleware Count(Tally& tally) {
  return [&tally](const sdk::Message& m, const sdk::Next& next) {
    sdk::HandlerResult r = next(m);
    using Kind = sdk::HandlerResult::Kind;
    std::string outcome = r.kind == Kind::kSuccess   ? "ok"
                          : r.kind == Kind::kSkipped ? "skipped"
                          : r.kind == Kind::kPaused  ? "paused"
                          : r.kind == Kind::kRetryable ? "retry " + r.error_class
                                                       : "failed " + r.error_class;
    std::lock_guard lock(tally.mu);
    ++tally.counts[outcome];
    return r;
  };
}

// The lines of `metrics` (the Prometheus text of sdk::MetricsText) that start with `prefix`.
std::vector<std::string> MetricLines(const std::string& metrics, std::string_view prefix) {
  std::vector<std::string> lines;
  std::istringstream in(metrics);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with(prefix)) lines.push_back(line);
  }
  return lines;
}

// The value of the sample `series` ("name{labels}" as rendered) in `metrics`; 0 when absent.
double MetricValue(const std::string& metrics, const std::string& series) {
  const std::vector<std::string> lines = MetricLines(metrics, series + " ");
  return lines.empty() ? 0 : std::strtod(lines[0].c_str() + series.size() + 1, nullptr);
}

struct Books {
  std::mutex mu;
  std::map<std::string, std::string> placed;       // order -> ce_id of its order.placed
  int from_retry_topic = 0;                         // orders handled from orders.retry.N
  int payment_events = 0;                           // payment.captured records published
  std::map<std::string, std::string> notified;     // order -> "correlation causation" ids
  std::vector<sdk::Message> dead_letters;          // from orders.dlq
};

// Runs a router on its own thread; Stop() returns what Run threw, if anything.
class Running {
 public:
  explicit Running(sdk::Router& router) : router_(router), thread_([this] {
    try {
      router_.Run();
    } catch (const std::exception& e) {
      std::lock_guard lock(mu_);
      error_ = e.what();
    }
  }) {}
  ~Running() { Stop(); }
  std::string error() { std::lock_guard lock(mu_); return error_; }
  std::string Stop() {
    router_.Stop();
    if (thread_.joinable()) thread_.join();
    return error();
  }

 private:
  sdk::Router& router_;
  std::mutex mu_;
  std::string error_;
  std::thread thread_;
};

int Run(std::shared_ptr<sdk::Transport> transport, int orders) {
  const auto started = std::chrono::steady_clock::now();
  Books books;
  transport->EnsureTopic("orders", 3);    // per-key order, partitions handled concurrently
  transport->EnsureTopic("payments", 3);

  // payments: charges each order and publishes payment.captured, caused by the order.
  PaymentGateway gateway;
  Tally payment_tally;
  std::set<std::string> lost_acks;
  sdk::Publisher payments_out(transport, {.source = "/services/payments"});
  sdk::Router payments(transport, {
      .group = "payments",
      .retry = {.max_attempts = 2, .initial_backoff = 50ms, .max_backoff = 1s, .jitter = 0.2},
      .retry_topics = {.enabled = true, .delays = {500ms, 2s}},  // orders.retry.1, .retry.2
  });
  payments.Use(Count(payment_tally));
  payments.Handle("orders", [&](const sdk::Message& order) {
    const std::string id = order.key.value_or("");
    if (order.topic != "orders") {  // orders.retry.1: its due time came
      std::lock_guard lock(books.mu);
      ++books.from_retry_topic;
    }
    const int64_t cents = NumberAfter(order.value.value_or(""), "\"amount_cents\":");
    if (cents <= 0) {
      throw sdk::NonRetryableError("invalid_amount",
                                   id + ": amount " + std::to_string(cents) + " is not positive");
    }
    gateway.Charge(id, cents);  // may throw RetryableError
    sdk::Event captured = sdk::Event::CausedBy(
        order, "payment.captured", R"({"order":")" + id + R"(","amount_cents":)" +
                                       std::to_string(cents) + "}");
    captured.key = id;
    // The same id each time this order is handled, so a redelivery republishes the same event
    // and the consumers' dedup recognises it.
    captured.id = "payment-" + std::string(order.Header("ce_id").value_or(id));
    payments_out.Publish("payments", std::move(captured));
    {
      std::lock_guard lock(books.mu);
      ++books.payment_events;
      // Simulates a crash after publishing, before the commit: the order comes again.
      if (FateOf(OrderNumber(id)) == Fate::kAckLost && lost_acks.insert(id).second) {
        throw sdk::RetryableError("ack_lost", id + ": connection lost before the commit");
      }
    }
    return sdk::HandlerResult::Success();
  });

  // notifications: one email per captured payment, even when payment.captured comes twice.
  EmailProvider email;
  Tally notification_tally;
  auto breaker = std::make_shared<sdk::CircuitBreaker>(
      sdk::CircuitBreaker::Options{.failure_threshold = 3, .reset_timeout = 300ms});
  const auto state_dir = std::filesystem::temp_directory_path() / ("orders-" + sdk::NewUuid());
  std::filesystem::create_directories(state_dir);
  struct RemoveDir {
    std::filesystem::path path;
    ~RemoveDir() {
      std::error_code ignored;
      std::filesystem::remove_all(path, ignored);
    }
  } remove_state{state_dir};
  auto dedup = sdk::SqliteDedupStore::Open((state_dir / "notifications-dedup.db").string());
  sdk::Router notifications(transport, {
      .group = "notifications",
      .retry = {.max_attempts = 5, .initial_backoff = 20ms, .jitter = 0.2},
      .concurrency = 1,  // one SMTP connection
  });
  notifications.Use(Count(notification_tally))  // outermost: sees every answer
      .Use(sdk::Deduplicate(dedup))               // an event id seen before is skipped
      .Use(sdk::Guard(breaker));                  // an email outage pauses, not fails
  notifications.Handle("payments", [&](const sdk::Message& payment) {
    const std::string order = payment.key.value_or("");
    email.Send(order);
    std::lock_guard lock(books.mu);
    books.notified[order] = std::string(payment.Header("ce_correlationid").value_or("")) + " " +
                            std::string(payment.Header("ce_causationid").value_or(""));
    return sdk::HandlerResult::Success();
  });

  // ops: reads the dead letters (an alert or a ticket, in real life).
  sdk::Router ops(transport, {.group = "ops"});
  ops.Handle("orders.dlq", [&](const sdk::Message& dead) {
    std::lock_guard lock(books.mu);
    books.dead_letters.push_back(dead);
    return sdk::HandlerResult::Success();
  });

  Running running[] = {Running(payments), Running(notifications), Running(ops)};

  // The storefront: a third of the orders in one batch, most of the rest asynchronously, the
  // last one synchronously.
  sdk::Publisher storefront(transport, {.source = "/services/storefront"});
  auto order_placed = [](int n) {
    const int64_t cents = FateOf(n) == Fate::kPoison ? -500 : 1000 + 37 * n;
    return sdk::Event{.type = "order.placed", .key = OrderId(n),
                      .data = R"({"order":")" + OrderId(n) + R"(","amount_cents":)" +
                              std::to_string(cents) + "}"};
  };
  std::vector<sdk::Delivery> deliveries;
  std::vector<sdk::Event> batch;
  const int batched = orders / 3;
  for (int n = 1; n <= batched; ++n) batch.push_back(order_placed(n));
  if (!batch.empty()) deliveries = storefront.PublishBatch("orders", std::move(batch));
  std::vector<std::future<sdk::Delivery>> pending;
  for (int n = batched + 1; n < orders; ++n) {
    pending.push_back(storefront.PublishAsync("orders", order_placed(n)));
  }
  for (auto& f : pending) deliveries.push_back(f.get());  // throws what Publish would
  deliveries.push_back(storefront.Publish("orders", order_placed(orders)));
  {
    std::lock_guard lock(books.mu);
    for (int n = 1; n <= orders; ++n) books.placed[OrderId(n)] = deliveries[n - 1].id;
  }

  // What the script promises.
  int poison = 0, timeouts = 0, via_retry_topic = 0, acks_lost = 0;
  for (int n = 1; n <= orders; ++n) {
    switch (FateOf(n)) {
      case Fate::kPoison: ++poison; break;
      case Fate::kTimeoutOnce: ++timeouts; break;
      case Fate::kTimeoutTwice: timeouts += 2; ++via_retry_topic; break;
      case Fate::kAckLost: ++acks_lost; break;
      case Fate::kPaid: break;
    }
  }

  // Until every order is notified or dead-lettered and every duplicate was skipped.
  const auto deadline = started + 60s;
  std::string failure;
  for (;;) {
    {
      std::lock_guard lock(books.mu);
      if (books.notified.size() + books.dead_letters.size() >= static_cast<size_t>(orders) &&
          notification_tally["skipped"] >= acks_lost) {
        break;
      }
    }
    for (auto& r : running) {
      if (auto e = r.error(); !e.empty()) failure = "a router failed: " + e;
    }
    if (failure.empty() && std::chrono::steady_clock::now() > deadline) {
      failure = "not done within 60 s";
    }
    if (!failure.empty()) break;
    std::this_thread::sleep_for(20ms);
  }
  for (auto& r : running) {
    if (auto e = r.Stop(); !e.empty() && failure.empty()) failure = "a router failed: " + e;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  // The summary, then the checks.
  std::lock_guard lock(books.mu);
  const auto sent = email.sent();
  std::printf("orders placed        %3zu  (%d in one batch, %d async, 1 sync)\n",
              deliveries.size(), batched, orders - batched - 1);
  std::printf("payments captured    %3zu  (retried attempts: %d gateway_timeout, %d ack_lost; "
              "%d via orders.retry.1)\n",
              gateway.captured(), payment_tally["retry gateway_timeout"],
              payment_tally["retry ack_lost"], books.from_retry_topic);
  std::printf("dead-lettered        %3zu\n", books.dead_letters.size());
  for (const auto& d : books.dead_letters) {
    std::printf("  %s -> %s:", d.key.value_or("?").c_str(), d.topic.c_str());
    for (const auto& [name, value] : d.headers) {
      if (name.starts_with("herald_")) std::printf(" %s=%s", name.c_str(), value.c_str());
    }
    std::printf("\n");
  }
  std::printf("notifications sent   %3zu  (email outage: %d failures, notifications paused %d "
              "time(s) by the circuit breaker)\n",
              sent.size(), email.failures(), notification_tally["paused"]);
  std::printf("duplicates skipped   %3d  (payment.captured redelivered, SQLite dedup store)\n",
              notification_tally["skipped"]);
  std::printf("took %.1f s\n", seconds);
  // What an application's GET /metrics would serve: the SDK's non-zero counts of `payments`
  // (embedded, the broker's status="committed" is there too; left out so both runs print alike).
  const std::string metrics = sdk::MetricsText();
  const std::string payments_consumed = R"(messages_consumed_total{topic="payments",)";
  std::printf("metrics (sdk::MetricsText):\n");
  for (const auto& line : MetricLines(metrics, payments_consumed)) {
    if (!line.ends_with(" 0") && line.find(R"(status="committed")") == std::string::npos) {
      std::printf("  %s\n", line.c_str());
    }
  }

  std::vector<std::string> problems;
  auto expect = [&](bool ok, const std::string& what) { if (!ok) problems.push_back(what); };
  if (!failure.empty()) problems.push_back(failure);
  expect(books.placed.size() == static_cast<size_t>(orders), "orders placed");
  expect(gateway.captured() == static_cast<size_t>(orders - poison), "payments captured");
  expect(books.payment_events == orders - poison + acks_lost, "payment.captured events published");
  expect(payment_tally["retry gateway_timeout"] == timeouts, "gateway timeouts retried");
  expect(payment_tally["retry ack_lost"] == acks_lost, "lost acks retried");
  expect(books.from_retry_topic == via_retry_topic, "orders handled from orders.retry.1");
  expect(books.dead_letters.size() == static_cast<size_t>(poison), "dead letters");
  for (const auto& d : books.dead_letters) {
    expect(d.Header("herald_error_class") == "invalid_amount" &&
               d.Header("herald_original_topic") == "orders" && d.Header("herald_attempts") == "1",
           "the failure headers of " + d.key.value_or("?"));
    expect(!books.notified.contains(d.key.value_or("")), d.key.value_or("?") + " was notified");
  }
  expect(books.notified.size() + books.dead_letters.size() == static_cast<size_t>(orders),
         "every order notified or dead-lettered");
  for (const auto& [order, times] : sent) {
    expect(times == 1, order + " notified " + std::to_string(times) + " times");
  }
  expect(notification_tally["skipped"] == acks_lost, "duplicates skipped");
  expect(email.failures() == EmailProvider::kOutage && notification_tally["paused"] >= 1,
         "the circuit breaker paused notifications during the email outage");
  expect(breaker->state() == sdk::CircuitBreaker::State::kClosed, "the breaker closed again");
  // The SDK's metrics: each record counted once, by its final outcome.
  const std::string emailed = payments_consumed + R"(consumer_group="notifications",status=")";
  expect(MetricValue(metrics, emailed + R"(success"})") == static_cast<double>(sent.size()),
         "the metric of payments handled");
  expect(MetricValue(metrics, emailed + R"(skipped"})") == notification_tally["skipped"],
         "the metric of duplicates skipped");
  expect(MetricValue(metrics,
                     R"(dlq_messages_total{topic="orders",error_type="invalid_amount"})") == poison,
         "the metric of dead letters");
  // Correlation and causation: each payment.captured continues its order's conversation.
  for (const auto& [order, ids] : books.notified) {
    const std::string& placed = books.placed[order];
    expect(ids == placed + " " + placed, order + ": correlation/causation ids " + ids);
  }

  if (!problems.empty()) {
    std::fprintf(stderr, "FAILED: the numbers do not add up:\n");
    for (const auto& p : problems) std::fprintf(stderr, "  - %s\n", p.c_str());
    return 1;
  }
  std::printf("OK: %d orders = %zu notified + %zu dead-lettered; every payment.captured carries "
              "its order's id as correlation and causation id\n",
              orders, books.notified.size(), books.dead_letters.size());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Warnings and errors only (the default, info, also logs recovery, topics created, ...).
  sdk::SetLogLevel(sdk::LogLevel::kWarn);
  std::string embedded, bootstrap;
  int orders = 50;
  bool usage = argc % 2 == 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--embedded") {
      embedded = argv[i + 1];
    } else if (flag == "--bootstrap") {
      bootstrap = argv[i + 1];
    } else if (flag == "--orders") {
      orders = std::atoi(argv[i + 1]);
    } else {
      usage = true;
    }
  }
  if (usage || embedded.empty() == bootstrap.empty() || orders < 1) {
    std::fprintf(stderr, "usage: %s (--embedded DIR | --bootstrap HOST:PORT) [--orders N]\n",
                 argv[0]);
    return 2;
  }
  try {
    auto transport = embedded.empty()
                         ? sdk::ConnectKafka({.bootstrap = bootstrap, .client_id = "orders-example"})
                         : sdk::OpenEmbedded({.data_dir = embedded});
    return Run(std::move(transport), orders);
  } catch (const std::exception& e) {  // sdk::Error and friends
    std::fprintf(stderr, "FAILED: %s\n", e.what());
    return 1;
  }
}
