// A projection's read model in a SQLite file: one connection under a recursive mutex (a
// projection's handlers run SQL inside the transaction that holds it), statements prepared once
// per SQL text.
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include <fmt/format.h>

#include "herald/errors.h"
#include "herald/projection.h"
#include "sdk/sqlite_db.h"

namespace herald::sdk {
namespace {

constexpr const char* kOwner = "SqliteReadModel";

class SqliteReadModel : public ReadModel {
 public:
  explicit SqliteReadModel(std::string path) : path_(std::move(path)) {
    db_ = OpenSqliteWal(path_, "FULL", kOwner);
    try {
      Exec(kCheckpointTable);
    } catch (...) {
      sqlite3_close(db_);
      throw;
    }
  }

  ~SqliteReadModel() override {
    for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
    sqlite3_close(db_);  // closing last checkpoints the WAL
  }

  void InTransaction(const std::function<void()>& work) override {
    std::lock_guard lock(mu_);
    Exec("BEGIN IMMEDIATE");
    try {
      work();
    } catch (...) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);  // what `work` threw matters
      throw;
    }
    Exec("COMMIT");
  }

  void Execute(const std::string& sql, const SqlRow& params) override {
    std::lock_guard lock(mu_);
    sqlite3_stmt* stmt = Prepare(sql, params);
    StatementScope scope(stmt);
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    }
    if (rc != SQLITE_DONE) Fail("cannot run a statement on", rc);
  }

  std::vector<SqlRow> Query(const std::string& sql, const SqlRow& params) override {
    std::lock_guard lock(mu_);
    sqlite3_stmt* stmt = Prepare(sql, params);
    StatementScope scope(stmt);
    std::vector<SqlRow> rows;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      SqlRow row;
      const int columns = sqlite3_column_count(stmt);
      for (int c = 0; c < columns; ++c) {
        if (sqlite3_column_type(stmt, c) == SQLITE_NULL) {
          row.emplace_back(std::nullopt);
        } else {
          const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
          row.emplace_back(std::string(text, static_cast<size_t>(sqlite3_column_bytes(stmt, c))));
        }
      }
      rows.push_back(std::move(row));
    }
    if (rc != SQLITE_DONE) Fail("cannot run a query on", rc);
    return rows;
  }

 private:
  // The statement for `sql` (prepared on first use), with `params` bound to $1, $2, ... (or to
  // ?-parameters in order).
  sqlite3_stmt* Prepare(const std::string& sql, const SqlRow& params) {
    sqlite3_stmt*& stmt = statements_[sql];
    if (stmt == nullptr) {
      if (int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
          rc != SQLITE_OK) {
        statements_.erase(sql);
        Fail("cannot prepare a statement on", rc);
      }
    }
    for (size_t i = 0; i < params.size(); ++i) {
      const std::string name = fmt::format("${}", i + 1);
      int index = sqlite3_bind_parameter_index(stmt, name.c_str());
      if (index == 0) index = static_cast<int>(i + 1);
      const int rc = params[i]
                         ? sqlite3_bind_text(stmt, index, params[i]->data(),
                                             static_cast<int>(params[i]->size()), SQLITE_TRANSIENT)
                         : sqlite3_bind_null(stmt, index);
      if (rc != SQLITE_OK) {
        sqlite3_reset(stmt);
        sqlite3_clear_bindings(stmt);
        Fail("cannot bind a parameter on", rc);
      }
    }
    return stmt;
  }

  void Exec(const char* sql) {
    char* message = nullptr;
    const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
    sqlite3_free(message);
    if (rc != SQLITE_OK) Fail(sql, rc);
  }

  [[noreturn]] void Fail(const char* what, int rc) const {
    SqliteFail(db_, kOwner, what, path_, rc);
  }

  const std::string path_;
  std::recursive_mutex mu_;  // held by a transaction across the SQL its work runs
  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

}  // namespace

std::shared_ptr<ReadModel> OpenSqliteReadModel(const std::string& path) {
  return std::make_shared<SqliteReadModel>(path);
}

}  // namespace herald::sdk
