// orders-es: the orders of the storefront, event-sourced on the Herald C++ SDK, run to
// completion.
//
//   commands -> Order aggregate (Repository, expected revisions, snapshots) -> events in the
//   event store -> a projection into read models (SQLite, and PostgreSQL when given) -> a query;
//   then each read model is rebuilt from the events and must match what it was.
//
// Usage: orders-es (--embedded DIR | --url URL) --sqlite FILE [--postgres URL] [--orders N]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <herald/aggregate.h>
#include <herald/errors.h>
#include <herald/event_store.h>
#include <herald/observability.h>
#include <herald/projection.h>
#include <herald/transport.h>

namespace sdk = herald::sdk;

namespace {

// ---- The aggregate: one order, decided by its events ------------------------------------

// Events' data are small JSON objects: {"total":N}, {"amount":N}, {}.
int Field(const std::string& json, const std::string& name) {
  const auto at = json.find("\"" + name + "\":");
  return at == std::string::npos ? 0 : std::atoi(json.c_str() + at + name.size() + 3);
}

class Order : public sdk::Aggregate {
 public:
  void Place(int total) {
    if (placed_) throw sdk::NonRetryableError("already_placed", "the order exists");
    if (total <= 0) throw sdk::NonRetryableError("invalid_total", "a total is positive");
    Raise({.type = "OrderPlaced", .data = "{\"total\":" + std::to_string(total) + "}"});
  }
  void Pay(int amount) {
    if (!placed_ || paid_) throw sdk::NonRetryableError("not_payable", "not placed, or paid");
    if (amount != total_) throw sdk::NonRetryableError("wrong_amount", "pay the total");
    Raise({.type = "OrderPaid", .data = "{\"amount\":" + std::to_string(amount) + "}"});
  }
  void Ship() {
    if (!paid_ || shipped_) throw sdk::NonRetryableError("not_shippable", "unpaid, or shipped");
    Raise({.type = "OrderShipped", .data = "{}"});
  }

  std::optional<std::string> SaveState() const override {
    return "{\"total\":" + std::to_string(total_) + ",\"placed\":" + std::to_string(placed_) +
           ",\"paid\":" + std::to_string(paid_) + ",\"shipped\":" + std::to_string(shipped_) + "}";
  }
  void LoadState(const std::string& state) override {
    total_ = Field(state, "total");
    placed_ = Field(state, "placed") != 0;
    paid_ = Field(state, "paid") != 0;
    shipped_ = Field(state, "shipped") != 0;
  }

 protected:
  void Apply(const sdk::EventData& e) override {
    if (e.type == "OrderPlaced") {
      placed_ = true;
      total_ = Field(e.data, "total");
    } else if (e.type == "OrderPaid") {
      paid_ = true;
    } else if (e.type == "OrderShipped") {
      shipped_ = true;
    }
  }

 private:
  int total_ = 0;
  bool placed_ = false, paid_ = false, shipped_ = false;
};

// ---- The read model: one row per order -----------------------------------------------------

sdk::Projection OrdersView(std::shared_ptr<sdk::EventStore> store,
                           std::shared_ptr<sdk::ReadModel> model) {
  model->Execute(
      "CREATE TABLE IF NOT EXISTS orders_view (id TEXT PRIMARY KEY, total INTEGER NOT NULL, "
      "status TEXT NOT NULL)");
  sdk::Projection view(std::move(store), std::move(model),
                       {.name = "orders-view", .stream = "$ce-order", .batch_size = 25});
  auto status = [](const char* to) {
    return [to](const sdk::RecordedEvent& e, sdk::ReadModel& m) {
      m.Execute("UPDATE orders_view SET status = $1 WHERE id = $2", {to, e.stream});
    };
  };
  view.On("OrderPlaced",
          [](const sdk::RecordedEvent& e, sdk::ReadModel& m) {
            m.Execute("INSERT INTO orders_view (id, total, status) VALUES ($1, $2, 'placed')",
                      {e.stream, std::to_string(Field(e.data, "total"))});
          })
      .On("OrderPaid", status("paid"))
      .On("OrderShipped", status("shipped"))
      .OnReset([](sdk::ReadModel& m) { m.Execute("DELETE FROM orders_view"); });
  return view;
}

constexpr const char* kSummary =
    "SELECT status, COUNT(*), SUM(total) FROM orders_view GROUP BY status ORDER BY status";

std::string Cell(const sdk::SqlValue& v) {
  return v ? *v : "NULL";
}

// ---- The run -------------------------------------------------------------------------------

struct Expected {
  std::map<std::string, int> count, total;  // by status
};

// Order n: placed with total 10 n; paid unless n % 3 == 0; shipped when also n % 2 == 0. Each
// paid order is paid from two threads at once: one wins, the other's retry finds it paid.
Expected Commands(sdk::Repository<Order>& orders, int n_orders, int& refused) {
  Expected want;
  for (int n = 1; n <= n_orders; ++n) {
    const std::string id = std::to_string(n);
    orders.Execute(id, [n](Order& o) { o.Place(10 * n); });
    std::string status = "placed";
    if (n % 3 != 0) {
      std::vector<std::thread> payers;
      int rejected = 0;
      std::mutex mu;
      for (int t = 0; t < 2; ++t) {
        payers.emplace_back([&, n] {
          try {
            orders.Execute(id, [n](Order& o) { o.Pay(10 * n); });
          } catch (const sdk::NonRetryableError&) {  // the other payer won
            std::lock_guard lock(mu);
            ++rejected;
          }
        });
      }
      for (auto& t : payers) t.join();
      refused += rejected;
      status = "paid";
      if (n % 2 == 0) {
        orders.Execute(id, [](Order& o) { o.Ship(); });
        status = "shipped";
      }
    }
    ++want.count[status];
    want.total[status] += 10 * n;
  }
  return want;
}

bool Check(const char* name, sdk::Projection& view, sdk::ReadModel& model, const Expected& want) {
  const auto t0 = std::chrono::steady_clock::now();
  const int64_t applied = view.CatchUp();
  const auto rows = model.Query(kSummary);
  bool ok = rows.size() == want.count.size();
  std::printf(
      "%s read model: %lld events applied in %.1f ms\n", name, static_cast<long long>(applied),
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  for (const auto& row : rows) {
    const std::string status = Cell(row[0]);
    const bool match = want.count.count(status) &&
                       Cell(row[1]) == std::to_string(want.count.at(status)) &&
                       Cell(row[2]) == std::to_string(want.total.at(status));
    ok = ok && match;
    std::printf("  %-8s %4s orders  total %6s%s\n", status.c_str(), Cell(row[1]).c_str(),
                Cell(row[2]).c_str(), match ? "" : "  (expected otherwise)");
  }
  const auto before = model.Query("SELECT id, total, status FROM orders_view ORDER BY id");
  view.Rebuild(sdk::ConsoleProgress(std::string("  rebuilding ") + name));
  const bool same = model.Query("SELECT id, total, status FROM orders_view ORDER BY id") == before;
  std::printf("  rebuilt from the events: %s\n", same ? "the same rows" : "DIFFERENT ROWS");
  return ok && same;
}

int Run(std::shared_ptr<sdk::EventStore> store, const std::string& sqlite,
        const std::string& postgres, int n_orders) {
  sdk::Repository<Order> orders(store, {.category = "order", .snapshot_every = 2});
  int refused = 0;
  const Expected want = Commands(orders, n_orders, refused);
  // A command the aggregate refuses writes nothing.
  bool ok = refused == n_orders - n_orders / 3;
  try {
    orders.Execute("3", [](Order& o) { o.Ship(); });  // unpaid
    ok = false;
  } catch (const sdk::NonRetryableError& e) {
    std::printf("order-3: ship refused (%s), nothing written\n", e.error_class().c_str());
  }
  const Order three = orders.Load("3");
  ok = ok && three.revision() == 0;
  std::printf("%d orders: %d second payments refused; order-3 still at revision %lld\n", n_orders,
              refused, static_cast<long long>(three.revision()));

  auto sqlite_model = sdk::OpenSqliteReadModel(sqlite);
  auto sqlite_view = OrdersView(store, sqlite_model);
  ok = Check("SQLite", sqlite_view, *sqlite_model, want) && ok;
  if (!postgres.empty()) {
    auto pg_model = sdk::ConnectPostgresReadModel(postgres);
    auto pg_view = OrdersView(store, pg_model);
    ok = Check("PostgreSQL", pg_view, *pg_model, want) && ok;
  }
  std::printf("%s\n", ok ? "orders-es: every number adds up" : "orders-es: FAILED");
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string embedded, url, sqlite, postgres;
  int n_orders = 30;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--embedded")
      embedded = argv[i + 1];
    else if (flag == "--url")
      url = argv[i + 1];
    else if (flag == "--sqlite")
      sqlite = argv[i + 1];
    else if (flag == "--postgres")
      postgres = argv[i + 1];
    else if (flag == "--orders")
      n_orders = std::atoi(argv[i + 1]);
  }
  if (embedded.empty() == url.empty() || sqlite.empty() || n_orders <= 0) {
    std::fprintf(stderr,
                 "usage: %s (--embedded DIR | --url URL) --sqlite FILE [--postgres URL] "
                 "[--orders N]\n",
                 argv[0]);
    return 2;
  }
  try {
    sdk::SetLogLevel(sdk::LogLevel::kWarn);
    auto store = embedded.empty()
                     ? sdk::ConnectEventStore({.url = url})
                     : sdk::OpenEmbeddedEventStore(sdk::OpenEmbedded({.data_dir = embedded}));
    return Run(std::move(store), sqlite, postgres, n_orders);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "orders-es: %s\n", e.what());
    return 1;
  }
}
