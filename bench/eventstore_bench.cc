#include "eventstore_bench.h"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <libpq-fe.h>
#include <nlohmann/json.hpp>

#include "compare_process.h"
#include "elapsed.h"
#include "herald/event_store.h"
#include "herald/observability.h"
#include "herald/projection.h"
#include "herald/transport.h"
#include "percentile.h"

namespace herald::bench {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

// The Marten-style event store: a stream's version is checked and bumped in mt_streams, its
// events inserted in mt_events, in one call (one round trip, one transaction).
constexpr const char* kPostgresSchema = R"(
DROP TABLE IF EXISTS mt_events;
DROP TABLE IF EXISTS mt_streams;
CREATE TABLE mt_streams (id text PRIMARY KEY, version bigint NOT NULL);
CREATE TABLE mt_events (
  seq_id bigserial PRIMARY KEY,
  id uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
  stream_id text NOT NULL,
  version bigint NOT NULL,
  type text NOT NULL,
  data jsonb NOT NULL,
  timestamp timestamptz NOT NULL DEFAULT now(),
  UNIQUE (stream_id, version));
CREATE OR REPLACE FUNCTION herald_append(stream text, expected bigint, events jsonb)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint := jsonb_array_length(events);
BEGIN
  IF expected < 0 THEN
    INSERT INTO mt_streams (id, version) VALUES (stream, n - 1) ON CONFLICT DO NOTHING;
  ELSE
    UPDATE mt_streams SET version = version + n WHERE id = stream AND version = expected;
  END IF;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'wrong expected version' USING ERRCODE = '40001';
  END IF;
  INSERT INTO mt_events (stream_id, version, type, data)
    SELECT stream, expected + t.i, t.e->>'type', t.e->'data'
    FROM jsonb_array_elements(events) WITH ORDINALITY AS t(e, i);
  RETURN expected + n;
END $$;
)";

// One libpq connection; failures throw std::runtime_error.
class Postgres {
 public:
  explicit Postgres(const std::string& url) : conn_(PQconnectdb(url.c_str())) {
    if (PQstatus(conn_) != CONNECTION_OK) {
      throw std::runtime_error(fmt::format("PostgreSQL: {}", PQerrorMessage(conn_)));
    }
    PQsetNoticeProcessor(
        conn_, [](void*, const char*) {}, nullptr);
  }
  ~Postgres() { PQfinish(conn_); }
  Postgres(const Postgres&) = delete;
  Postgres& operator=(const Postgres&) = delete;

  void Exec(const char* sql) { Check(PQexec(conn_, sql), sql); }
  void Prepare(const char* name, const char* sql) {
    Check(PQprepare(conn_, name, sql, 0, nullptr), sql);
  }
  // Runs a prepared statement; answers the rows' cells read (to touch what a reader would).
  size_t Run(const char* name, const std::vector<const char*>& params) {
    PGresult* r = PQexecPrepared(conn_, name, static_cast<int>(params.size()), params.data(),
                                 nullptr, nullptr, 0);
    size_t bytes = 0;
    if (PQresultStatus(r) == PGRES_TUPLES_OK) {
      for (int row = 0; row < PQntuples(r); ++row) {
        for (int col = 0; col < PQnfields(r); ++col) bytes += PQgetlength(r, row, col);
      }
    }
    Check(r, name);
    return bytes;
  }
  std::string Value(const char* sql) {
    PGresult* r = PQexec(conn_, sql);
    std::string v = PQresultStatus(r) == PGRES_TUPLES_OK ? PQgetvalue(r, 0, 0) : "";
    Check(r, sql);
    return v;
  }

 private:
  void Check(PGresult* r, const char* what) {
    const ExecStatusType status = PQresultStatus(r);
    const bool ok = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
    std::string message = ok ? "" : PQresultErrorMessage(r);
    PQclear(r);
    if (!ok) throw std::runtime_error(fmt::format("PostgreSQL: {}: {}", what, message));
  }

  PGconn* conn_;
};

// A PostgreSQL server started by scripts/postgres.sh, stopped with this object.
class PostgresServer {
 public:
  explicit PostgresServer(std::string dir) : dir_(std::move(dir)) {
    auto r = RunToCompletion({"bash", Script(), "start", dir_}, std::chrono::seconds(120));
    if (!r.ok() || r->exit_code != 0) {
      throw std::runtime_error("cannot start PostgreSQL (scripts/postgres.sh): " +
                               (r.ok() ? r->output : r.status().ToString()));
    }
    std::ifstream in(dir_ + "/url");
    std::getline(in, url_);
  }
  ~PostgresServer() {
    (void)RunToCompletion({"bash", Script(), "stop", dir_}, std::chrono::seconds(60));
  }
  const std::string& url() const { return url_; }

 private:
  static std::string Script() { return std::string(HERALD_SOURCE_DIR) + "/scripts/postgres.sh"; }
  std::string dir_;
  std::string url_;
};

std::string EventData(int64_t n, int bytes) {
  std::string data = fmt::format(R"({{"n":{},"pad":")", n);
  data.append(static_cast<size_t>(std::max<int>(bytes - static_cast<int>(data.size()) - 2, 0)),
              'x');
  return data + "\"}";
}

// Runs `writers` threads for `seconds`, each appending batches to its own streams (stream i
// belongs to writer i % writers) with the exact revision it knows; answers appends/s.
// `append(writer, stream, expected)` returns the stream's new revision.
double RunWriters(int writers, int streams, double seconds,
                  const std::function<int64_t(int, const std::string&, int64_t)>& append,
                  const std::string& prefix) {
  std::atomic<int64_t> appends{0};
  std::vector<std::thread> threads;
  std::exception_ptr failure;
  std::mutex failure_mu;
  const auto start = Clock::now();
  const auto until = start + std::chrono::duration<double>(seconds);
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      try {
        std::vector<int64_t> revision;
        std::vector<std::string> names;
        for (int s = w; s < streams; s += writers) {
          names.push_back(fmt::format("{}-{}", prefix, s));
          revision.push_back(-1);
        }
        for (size_t i = 0; Clock::now() < until; i = (i + 1) % names.size()) {
          revision[i] = append(w, names[i], revision[i]);
          appends.fetch_add(1, std::memory_order_relaxed);
        }
      } catch (...) {
        std::lock_guard lock(failure_mu);
        failure = std::current_exception();
      }
    });
  }
  for (auto& t : threads) t.join();
  if (failure) std::rethrow_exception(failure);
  return static_cast<double>(appends.load()) / SecondsSince(start);
}

// How many fsyncs the process's logs made so far: the count of the broker's
// fsync_duration_seconds histogram in the process's metrics.
int64_t FsyncCount() {
  const std::string text = sdk::MetricsText();
  const std::string_view name = "\nfsync_duration_seconds_count ";
  size_t at = text.find(name);
  return at == std::string::npos ? 0 : std::stoll(text.substr(at + name.size()));
}

std::vector<sdk::EventData> HeraldEvents(int count, int bytes) {
  std::vector<sdk::EventData> events(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    events[static_cast<size_t>(i)].type = "Counted";
    events[static_cast<size_t>(i)].data = EventData(i, bytes);
  }
  return events;
}

std::string PostgresEvents(int count, int bytes) {
  std::string out = "[";
  for (int i = 0; i < count; ++i) {
    out += fmt::format(R"({}{{"type":"Counted","data":{}}})", i ? "," : "", EventData(i, bytes));
  }
  return out + "]";
}

AppendFigures AppendPhase(const EventStoreBenchOptions& o, int batch, sdk::EventStore& herald,
                          std::vector<std::unique_ptr<Postgres>>& postgres,
                          std::ostream& progress) {
  const auto events = HeraldEvents(batch, o.event_bytes);
  const std::string pg_events = PostgresEvents(batch, o.event_bytes);
  AppendFigures f;
  const int64_t fsyncs_before = FsyncCount();
  const auto herald_started = Clock::now();
  f.herald_appends_s = RunWriters(
      o.writers, o.streams, o.seconds,
      [&](int, const std::string& stream, int64_t expected) {
        return herald.Append(stream, sdk::ExpectedRevision::Exact(expected), events)
            .next_expected_revision;
      },
      fmt::format("b{}", batch));
  if (const int64_t fsyncs = FsyncCount() - fsyncs_before; fsyncs > 0) {
    f.herald_appends_per_fsync =
        f.herald_appends_s * SecondsSince(herald_started) / static_cast<double>(fsyncs);
  }
  f.postgres_appends_s = RunWriters(
      o.writers, o.streams, o.seconds,
      [&](int w, const std::string& stream, int64_t expected) {
        const std::string e = std::to_string(expected);
        postgres[static_cast<size_t>(w)]->Run("append",
                                              {stream.c_str(), e.c_str(), pg_events.c_str()});
        return expected + batch;
      },
      fmt::format("b{}", batch));
  progress << fmt::format(
      "  appends of {:>2} event(s), {} writers: Herald {:.0f}/s ({:.0f} events/s, {:.1f} appends "
      "per fsync), PostgreSQL {:.0f}/s ({:.0f} events/s): {:.2f}x\n",
      batch, o.writers, f.herald_appends_s, f.herald_appends_s * batch, f.herald_appends_per_fsync,
      f.postgres_appends_s, f.postgres_appends_s * batch, f.ratio());
  return f;
}

void ReadPhase(const EventStoreBenchOptions& o, sdk::EventStore& herald, Postgres& postgres,
               EventStoreBenchResult& r, std::ostream& progress) {
  herald.Append("read-1", sdk::ExpectedRevision::NoStream(),
                HeraldEvents(o.read_events, o.event_bytes));
  const std::string pg_events = PostgresEvents(o.read_events, o.event_bytes);
  postgres.Run("append", {"read-1", "-1", pg_events.c_str()});
  std::vector<int64_t> herald_ns, postgres_ns;
  const size_t want = static_cast<size_t>(o.read_events);
  for (int i = 0; i < o.reads; ++i) {  // alternating, so both meet the same machine state
    auto t0 = Clock::now();
    auto slice = herald.Read("read-1", {.from_revision = 0, .max_count = want});
    auto t1 = Clock::now();
    postgres.Run("read", {"read-1"});
    auto t2 = Clock::now();
    if (slice.events.size() != want) throw std::runtime_error("Herald read a short stream");
    herald_ns.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
    postgres_ns.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(t2 - t1).count());
  }
  std::sort(herald_ns.begin(), herald_ns.end());
  std::sort(postgres_ns.begin(), postgres_ns.end());
  r.herald_read_p50_us = PercentileUs(herald_ns, 0.50);
  r.herald_read_p99_us = PercentileUs(herald_ns, 0.99);
  r.postgres_read_p50_us = PercentileUs(postgres_ns, 0.50);
  r.postgres_read_p99_us = PercentileUs(postgres_ns, 0.99);
  progress << fmt::format(
      "  read a {}-event stream ({} times): Herald p50 {:.0f} us, p99 {:.0f} us; PostgreSQL p50 "
      "{:.0f} us, p99 {:.0f} us\n",
      o.read_events, o.reads, r.herald_read_p50_us, r.herald_read_p99_us, r.postgres_read_p50_us,
      r.postgres_read_p99_us);
}

constexpr const char* kUpsert =
    "INSERT INTO counts (stream, n, last) VALUES ($1, 1, $2) "
    "ON CONFLICT (stream) DO UPDATE SET n = n + 1, last = excluded.last";

void RebuildPhase(const EventStoreBenchOptions& o, EventStoreBenchResult& r,
                  std::ostream& progress) {
  sdk::EmbeddedOptions eo;
  eo.data_dir = o.dir + "/rebuild";
  auto store = sdk::OpenEmbeddedEventStore(sdk::OpenEmbedded(eo));
  constexpr int kStreams = 1000;
  constexpr int kBatch = 1000;
  auto events = HeraldEvents(kBatch, o.event_bytes);
  for (int64_t written = 0; written < o.rebuild_events; written += kBatch) {
    store->Append(fmt::format("item-{}", (written / kBatch) % kStreams),
                  sdk::ExpectedRevision::Any(), events);
    if ((written + kBatch) % 200000 == 0) {
      progress << fmt::format("  rebuild: {} events written\n", written + kBatch);
    }
  }
  auto model = sdk::OpenSqliteReadModel(o.dir + "/rebuild.db");
  model->Execute("CREATE TABLE counts (stream TEXT PRIMARY KEY, n INTEGER NOT NULL, last TEXT)");
  sdk::ProjectionOptions po;
  po.name = "counts";
  po.batch_size = kBatch;
  sdk::Projection projection(store, model, po);
  projection
      .On("Counted",
          [](const sdk::RecordedEvent& e, sdk::ReadModel& m) {
            m.Execute(kUpsert, {e.stream, e.id});
          })
      .OnReset([](sdk::ReadModel& m) { m.Execute("DELETE FROM counts"); });
  auto t0 = Clock::now();
  const int64_t applied = projection.Rebuild();
  r.rebuild_events_s = static_cast<double>(applied) / SecondsSince(t0);

  // The same upserts from memory, in transactions of the same size: SQLite's limit here.
  model->Execute("DELETE FROM counts");
  std::vector<std::pair<std::string, std::string>> rows;
  rows.reserve(static_cast<size_t>(o.rebuild_events));
  for (int64_t i = 0; i < o.rebuild_events; ++i) {
    rows.emplace_back(fmt::format("item-{}", (i / kBatch) % kStreams), fmt::format("id-{}", i));
  }
  t0 = Clock::now();
  for (size_t at = 0; at < rows.size(); at += kBatch) {
    model->InTransaction([&] {
      for (size_t i = at; i < std::min(rows.size(), at + kBatch); ++i) {
        model->Execute(kUpsert, {rows[i].first, rows[i].second});
      }
    });
  }
  r.sqlite_alone_events_s = static_cast<double>(rows.size()) / SecondsSince(t0);
  progress << fmt::format(
      "  rebuild a projection from {} events into SQLite: {:.0f} events/s; the same upserts "
      "from memory: {:.0f}/s ({:.2f}x)\n",
      applied, r.rebuild_events_s, r.sqlite_alone_events_s,
      r.rebuild_events_s / r.sqlite_alone_events_s);
}

}  // namespace

std::string EventStoreBenchResult::ToJson() const {
  return json{{"appends_s",
               {{"herald", single.herald_appends_s},
                {"postgres", single.postgres_appends_s},
                {"herald_appends_per_fsync", single.herald_appends_per_fsync},
                {"ratio", single.ratio()}}},
              {"batch_appends_s",
               {{"events_per_append", big_batch},
                {"herald", batch.herald_appends_s},
                {"postgres", batch.postgres_appends_s},
                {"herald_appends_per_fsync", batch.herald_appends_per_fsync},
                {"ratio", batch.ratio()}}},
              {"read_us",
               {{"herald_p50", herald_read_p50_us},
                {"herald_p99", herald_read_p99_us},
                {"postgres_p50", postgres_read_p50_us},
                {"postgres_p99", postgres_read_p99_us}}},
              {"rebuild_events_s", rebuild_events_s},
              {"sqlite_alone_events_s", sqlite_alone_events_s},
              {"postgres_version", postgres_version}}
      .dump();
}

Result<EventStoreBenchResult> RunEventStoreBench(const EventStoreBenchOptions& options,
                                                 std::ostream& progress) {
  EventStoreBenchOptions o = options;
  o.writers = std::max(o.writers, 1);
  o.streams = std::max(o.streams, o.writers);
  try {
    std::filesystem::remove_all(o.dir);
    std::filesystem::create_directories(o.dir);
    sdk::SetLogLevel(sdk::LogLevel::kWarn);
    std::unique_ptr<PostgresServer> server;
    if (o.postgres.empty()) {
      progress << "starting PostgreSQL (scripts/postgres.sh)\n";
      server = std::make_unique<PostgresServer>(o.dir + "/postgres");
      o.postgres = server->url();
    }
    EventStoreBenchResult r;
    r.big_batch = o.big_batch;
    std::vector<std::unique_ptr<Postgres>> postgres;
    for (int w = 0; w < o.writers; ++w) postgres.push_back(std::make_unique<Postgres>(o.postgres));
    postgres[0]->Exec(kPostgresSchema);
    r.postgres_version = postgres[0]->Value("SHOW server_version");
    for (auto& p : postgres) {
      p->Prepare("append", "SELECT herald_append($1, $2, $3)");
      p->Prepare("read",
                 "SELECT version, type, data, id FROM mt_events WHERE stream_id = $1 "
                 "ORDER BY version");
    }
    sdk::EmbeddedOptions eo;
    eo.data_dir = o.dir + "/herald";
    auto herald = sdk::OpenEmbeddedEventStore(sdk::OpenEmbedded(eo));
    progress << fmt::format(
        "herald bench eventstore: Herald's embedded event store beside PostgreSQL {} "
        "(synchronous_commit on), {} streams, {} s per phase\n",
        r.postgres_version, o.streams, o.seconds);
    r.single = AppendPhase(o, 1, *herald, postgres, progress);
    r.batch = AppendPhase(o, o.big_batch, *herald, postgres, progress);
    ReadPhase(o, *herald, *postgres[0], r, progress);
    herald.reset();
    postgres.clear();
    RebuildPhase(o, r, progress);
    return r;
  } catch (const std::exception& e) {
    return Internal("{}", e.what());
  }
}

}  // namespace herald::bench
