// Projections: events of the store folded into a read model (tables to query), with the
// projection's checkpoint stored in the same database transaction as the rows each batch of
// events changed. A crash between two batches loses nothing and applies nothing twice: the
// next start resumes after the last batch committed.
//
//   auto model = herald::sdk::OpenSqliteReadModel("views.db");  // or ConnectPostgresReadModel
//   model->Execute("CREATE TABLE IF NOT EXISTS orders (id TEXT PRIMARY KEY, total INTEGER)");
//   herald::sdk::Projection view(store, model, {.name = "orders", .stream = "$ce-order"});
//   view.On("OrderPlaced", [](const herald::sdk::RecordedEvent& e, herald::sdk::ReadModel& m) {
//         m.Execute("INSERT INTO orders VALUES ($1, $2)", {e.stream, Total(e.data)});
//       })
//       .OnReset([](herald::sdk::ReadModel& m) { m.Execute("DELETE FROM orders"); });
//   view.CatchUp();                     // what is stored now
//   view.Run([&] { return stopping; });  // then live, until stopped
//
// The process-wide metric projection_lag_events{projection} (herald/observability.h) is the
// number of positions of the store the projection has not yet passed.
//
// Thread-safety: a Projection is run by one thread at a time. A ReadModel may be used from any
// thread; a transaction holds it for its thread until it ends.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "herald/event_store.h"

namespace herald::sdk {

using SqlValue = std::optional<std::string>;  // a column or parameter as text; nullopt: NULL
using SqlRow = std::vector<SqlValue>;

// A database a projection writes: its tables and the checkpoints of its projections
// (the table herald_projection_checkpoints: name, next_position).
class ReadModel {
 public:
  virtual ~ReadModel() = default;
  // Runs `work` in one transaction and commits; rolls back and rethrows what `work` throws.
  virtual void InTransaction(const std::function<void()>& work) = 0;
  // Runs `sql`, its parameters $1, $2, ... bound to `params` in order. Throws Error.
  virtual void Execute(const std::string& sql, const SqlRow& params = {}) = 0;
  // The rows `sql` answers, each column as text. Throws Error.
  virtual std::vector<SqlRow> Query(const std::string& sql, const SqlRow& params = {}) = 0;
  // The position after the last event projection `name` applied (0: none yet).
  int64_t LoadCheckpoint(const std::string& name);
  // Sets it; inside the transaction that applied the events.
  void StoreCheckpoint(const std::string& name, int64_t next_position);

 protected:
  // The checkpoints' table, which an implementation creates when it opens.
  static constexpr const char* kCheckpointTable =
      "CREATE TABLE IF NOT EXISTS herald_projection_checkpoints "
      "(name TEXT PRIMARY KEY, next_position BIGINT NOT NULL)";
};

// A read model in a SQLite file (created when missing, WAL journal, synchronous=FULL so a
// committed batch survives a power loss). Throws Error naming the path when it cannot be opened.
std::shared_ptr<ReadModel> OpenSqliteReadModel(const std::string& path);

// A read model in PostgreSQL (libpq): `conninfo` is a connection URL
// ("postgresql://user@host:5432/db") or key=value string. Each transaction commits as the
// server's synchronous_commit says (on by default: durable). Throws Error with the server's
// reason when it cannot connect.
std::shared_ptr<ReadModel> ConnectPostgresReadModel(const std::string& conninfo);

struct ProjectionOptions {
  std::string name;                // the checkpoint's key and the metric's label; required
  std::string stream = "$all";     // "$all" or "$ce-<category>"
  std::vector<std::string> types;  // only events of these types; empty: every type
  size_t batch_size = 500;         // events applied per transaction
};

class Projection {
 public:
  using Handler = std::function<void(const RecordedEvent&, ReadModel&)>;

  // Throws Error for a missing name or a stream that is not "$all" or "$ce-<category>".
  Projection(std::shared_ptr<EventStore> store, std::shared_ptr<ReadModel> model,
             ProjectionOptions options);

  // Applies events of `type` to the read model (inside the batch's transaction). Events of a
  // type with no handler are passed over.
  Projection& On(const std::string& type, Handler handler);
  // What Rebuild runs first, in the transaction that resets the checkpoint: empty the tables.
  Projection& OnReset(std::function<void(ReadModel&)> reset);

  // Applies every event stored now past the checkpoint, batch by batch; returns how many it
  // read. `progress(position, end)` is called after each batch.
  int64_t CatchUp(const std::function<void(int64_t position, int64_t end)>& progress = {});
  // Applies events past the checkpoint as they come, until `stop()` answers true (asked every
  // `poll` at most).
  void Run(const std::function<bool()>& stop,
           std::chrono::milliseconds poll = std::chrono::milliseconds(200));
  // Resets the read model (OnReset) and the checkpoint in one transaction, then catches up from
  // the store's first event.
  int64_t Rebuild(const std::function<void(int64_t position, int64_t end)>& progress = {});

  // The position after the last event applied.
  int64_t checkpoint();

 private:
  // Applies `events` and stores `next_position` in one transaction.
  void ApplyBatch(const std::vector<RecordedEvent>& events, int64_t next_position);
  void ReportLag(int64_t next_position, int64_t end_position) const;

  std::shared_ptr<EventStore> store_;
  std::shared_ptr<ReadModel> model_;
  ProjectionOptions options_;
  std::string category_;
  std::map<std::string, Handler> handlers_;
  std::function<void(ReadModel&)> reset_;
};

// A progress callback for CatchUp and Rebuild that shows `label` and how far the projection is
// through the store on stderr: a bar redrawn in place on a terminal, else a line every 10%; the
// last call (position == end) ends the line.
//   view.Rebuild(herald::sdk::ConsoleProgress("orders-view"));
std::function<void(int64_t position, int64_t end)> ConsoleProgress(std::string label);

}  // namespace herald::sdk
