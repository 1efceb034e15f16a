// A projection's read model in PostgreSQL through libpq: one connection under a recursive mutex
// (a projection's handlers run SQL inside the transaction that holds it), each SQL text
// prepared once on the connection, parameters and columns as text.
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>
#include <libpq-fe.h>

#include "herald/errors.h"
#include "herald/projection.h"

namespace herald::sdk {
namespace {

// A result, cleared when the scope ends.
class PgResult {
 public:
  explicit PgResult(PGresult* result) : result_(result) {}
  ~PgResult() { PQclear(result_); }
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;
  PGresult* get() const { return result_; }

 private:
  PGresult* result_;
};

class PostgresReadModel : public ReadModel {
 public:
  explicit PostgresReadModel(const std::string& conninfo) {
    conn_ = PQconnectdb(conninfo.c_str());
    if (PQstatus(conn_) != CONNECTION_OK) {
      const std::string reason = PQerrorMessage(conn_);
      PQfinish(conn_);
      throw Error(fmt::format("PostgresReadModel: cannot connect: {}", Trimmed(reason)));
    }
    // The server's notices ("relation ... already exists, skipping") are not errors: dropped.
    PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
    try {
      Exec(kCheckpointTable);
    } catch (...) {
      PQfinish(conn_);
      throw;
    }
  }

  ~PostgresReadModel() override { PQfinish(conn_); }

  void InTransaction(const std::function<void()>& work) override {
    std::lock_guard lock(mu_);
    Exec("BEGIN");
    try {
      work();
    } catch (...) {
      PQclear(PQexec(conn_, "ROLLBACK"));  // what `work` threw matters
      throw;
    }
    Exec("COMMIT");
  }

  void Execute(const std::string& sql, const SqlRow& params) override {
    std::lock_guard lock(mu_);
    Run(sql, params, PGRES_COMMAND_OK);
  }

  std::vector<SqlRow> Query(const std::string& sql, const SqlRow& params) override {
    std::lock_guard lock(mu_);
    PgResult result(Run(sql, params, PGRES_TUPLES_OK));
    std::vector<SqlRow> rows;
    const int count = PQntuples(result.get());
    const int columns = PQnfields(result.get());
    rows.reserve(static_cast<size_t>(count));
    for (int r = 0; r < count; ++r) {
      SqlRow row;
      for (int c = 0; c < columns; ++c) {
        if (PQgetisnull(result.get(), r, c)) {
          row.emplace_back(std::nullopt);
        } else {
          row.emplace_back(std::string(PQgetvalue(result.get(), r, c),
                                       static_cast<size_t>(PQgetlength(result.get(), r, c))));
        }
      }
      rows.push_back(std::move(row));
    }
    return rows;
  }

 private:
  static std::string Trimmed(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return text;
  }

  // Runs the statement prepared for `sql` (preparing it on first use) with `params`; the result
  // when its status is `want` (or, for a statement, one that answers rows), else throws Error.
  PGresult* Run(const std::string& sql, const SqlRow& params, ExecStatusType want) {
    auto it = statements_.find(sql);
    if (it == statements_.end()) {
      const std::string name = fmt::format("herald_{}", statements_.size());
      PgResult prepared(PQprepare(conn_, name.c_str(), sql.c_str(), 0, nullptr));
      Check(prepared.get(), PGRES_COMMAND_OK, "cannot prepare");
      it = statements_.emplace(sql, name).first;
    }
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const SqlValue& p : params) values.push_back(p ? p->c_str() : nullptr);
    PGresult* result = PQexecPrepared(conn_, it->second.c_str(), static_cast<int>(values.size()),
                                      values.data(), nullptr, nullptr, 0);
    const ExecStatusType status = PQresultStatus(result);
    if (status == want || (want == PGRES_COMMAND_OK && status == PGRES_TUPLES_OK)) {
      if (want == PGRES_COMMAND_OK) {
        PQclear(result);
        return nullptr;
      }
      return result;
    }
    PgResult failed(result);
    Check(failed.get(), want, "cannot run");
    return nullptr;  // (Check threw)
  }

  void Exec(const char* sql) {
    PgResult result(PQexec(conn_, sql));
    Check(result.get(), PGRES_COMMAND_OK, sql);
  }

  void Check(PGresult* result, ExecStatusType want, const char* what) const {
    if (result != nullptr && PQresultStatus(result) == want) return;
    const char* reason = result != nullptr ? PQresultErrorMessage(result) : PQerrorMessage(conn_);
    throw Error(fmt::format("PostgresReadModel: {}: {}", what, Trimmed(reason)));
  }

  std::recursive_mutex mu_;  // held by a transaction across the SQL its work runs
  PGconn* conn_ = nullptr;
  std::unordered_map<std::string, std::string> statements_;  // SQL text -> prepared name
};

}  // namespace

std::shared_ptr<ReadModel> ConnectPostgresReadModel(const std::string& conninfo) {
  return std::make_shared<PostgresReadModel>(conninfo);
}

}  // namespace herald::sdk
