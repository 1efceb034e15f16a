// `herald txn list|describe`: the transactional ids of a running `herald serve` and their
// transactions, over its admin API (GET /admin/transactions), so that a transaction left open
// (holding read_committed consumers back) can be found: its state, producer, age and partitions.
#include <iostream>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/output.h"
#include "client/http_client.h"

namespace herald::cli {
namespace {

using client::HttpClient;
using nlohmann::json;

struct TxnOptions {
  HttpFlags flags;
  bool open = false;
  std::string state;
  std::string id;
};

std::string Age(const json& t) {
  if (t["age_ms"].is_null()) return "-";
  return fmt::format("{:.1f}s", t["age_ms"].get<double>() / 1000.0);
}

std::string Partitions(const json& t) {
  std::string out;
  for (const auto& p : t["partitions"]) {
    if (!out.empty()) out += ",";
    out += fmt::format("{}-{}", p["topic"].get<std::string>(), p["partition"].get<int>());
  }
  return out.empty() ? "-" : out;
}

int RunList(const TxnOptions& o) {
  std::string target = "/admin/transactions?open=" + std::string(o.open ? "true" : "false");
  if (!o.state.empty()) target += "&state=" + client::PathSegment(o.state);
  HttpClient http(o.flags.http);
  auto answer = http.Call("GET", target);
  if (!answer.ok()) return Fail(answer.status());
  if (answer->status != 200) return Fail(AnswerError(*answer));
  const json list = answer->Json();
  if (o.flags.json()) {
    PrintJson(list);
    return kExitOk;
  }
  Table table({"TRANSACTIONAL ID", "STATE", "PRODUCER ID", "EPOCH", "AGE", "PARTITIONS"});
  for (const auto& t : list) {
    table.AddRow({t["transactional_id"].get<std::string>(), t["state"].get<std::string>(),
                  std::to_string(t["producer_id"].get<int64_t>()),
                  std::to_string(t["producer_epoch"].get<int>()), Age(t), Partitions(t)});
  }
  table.Print(std::cout);
  return kExitOk;
}

int RunTxnDescribe(const TxnOptions& o) {
  HttpClient http(o.flags.http);
  auto answer = http.Call("GET", "/admin/transactions/" + client::PathSegment(o.id));
  if (!answer.ok()) return Fail(answer.status());
  if (answer->status != 200) return Fail(AnswerError(*answer));
  const json t = answer->Json();
  if (o.flags.json()) {
    PrintJson(t);
    return kExitOk;
  }
  std::cout << fmt::format(
      "transactional id  {}\nstate             {}\nproducer          {} (epoch {})\n"
      "timeout           {} ms\nopen for          {}\npartitions        {}\n",
      t["transactional_id"].get<std::string>(), t["state"].get<std::string>(),
      t["producer_id"].get<int64_t>(), t["producer_epoch"].get<int>(),
      t["timeout_ms"].get<int64_t>(), Age(t), Partitions(t));
  return kExitOk;
}

}  // namespace

void RegisterTxn(CLI::App& app) {
  auto* txn = app.add_subcommand("txn", "Transactions on a running herald serve");
  txn->footer(
      "Talks to herald serve's HTTP port (--url, default http://localhost:8080, or HERALD_URL; "
      "--api-key or HERALD_API_KEY when the server wants one). AGE is how long a transaction "
      "has been open; one older than its timeout is aborted by the broker within a second.");
  txn->require_subcommand(1);

  auto lo = std::make_shared<TxnOptions>();
  auto* list = txn->add_subcommand("list", "Every transactional id and its transaction");
  list->add_flag("--open", lo->open, "Only transactions begun and not yet complete");
  list->add_option("--state", lo->state,
                   "Only this state (Empty, Ongoing, PrepareCommit, PrepareAbort, "
                   "CompleteCommit, CompleteAbort, PrepareEpochFence)");
  AddHttpFlags(list, lo->flags);
  list->callback([lo] { SetExitCode(RunList(*lo)); });

  auto dop = std::make_shared<TxnOptions>();
  auto* describe = txn->add_subcommand("describe", "One transactional id and its transaction");
  describe->add_option("id", dop->id, "The transactional id")->required();
  AddHttpFlags(describe, dop->flags);
  describe->callback([dop] { SetExitCode(RunTxnDescribe(*dop)); });
}

}  // namespace herald::cli
