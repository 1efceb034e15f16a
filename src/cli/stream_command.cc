// `herald stream append|read|tail|delete|meta STREAM`: the event store of a running
// `herald serve`, over its HTTP API (docs/http-api.md, /streams). STREAM may be `$all` or
// `$ce-CATEGORY` for read and tail.
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "base/json.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "client/http_client.h"

namespace herald::cli {
namespace {

using client::HttpAnswer;
using client::HttpClient;
using nlohmann::json;

constexpr const char* kStreamHelp =
    "Talks to herald serve's HTTP port (--url, default http://localhost:8080, or HERALD_URL; "
    "--api-key or HERALD_API_KEY when the server wants one).\n"
    "Events print as one line each: revision (or position for $all and categories), position, "
    "time, type and data; --output json prints each event as a JSON object on its own line.";

struct StreamOptions {
  HttpFlags flags;
  std::string stream;
  // append
  std::string type;
  std::optional<std::string> data;
  std::string expected = "any";
  std::string id;
  std::string metadata;
  // read and tail
  std::optional<int64_t> from;
  bool backward = false;
  bool from_beginning = false;
  int64_t limit = 100;
  std::string types;
  // delete
  bool hard = false;
  // meta
  std::optional<std::string> set;
};

bool IsGlobal(const std::string& stream) {
  return stream == "$all" || stream.starts_with("$ce-");
}

// The path of `stream` (percent-encoded, '$' too, so any proxy passes it).
std::string StreamPath(const std::string& stream) {
  return "/streams/" + client::PathSegment(stream);
}

std::string EventLine(const json& e, bool global, bool as_json) {
  if (as_json) return DumpJson(e);
  const json& data = e.contains("data") ? e["data"] : json();
  const int64_t position = e.value("position", int64_t{-1});
  return fmt::format("{}\t{}\t{}\t{}\t{}", global ? position : e.value("revision", int64_t{-1}),
                     position, e.value("created", std::string("-")),
                     e.value("type", std::string("-")),
                     data.is_string() ? data.get<std::string>() : DumpJson(data));
}

int RunAppend(const StreamOptions& o) {
  std::vector<std::string> datas;
  if (o.data) {
    datas.push_back(*o.data);
  } else {
    for (std::string line; std::getline(std::cin, line);) {
      if (!line.empty()) datas.push_back(line);
    }
  }
  if (datas.empty()) return UsageError("nothing to append: give --data or lines on stdin");
  if (!o.id.empty() && datas.size() != 1) return UsageError("--id names one event");
  json events = json::array();
  for (const std::string& text : datas) {
    auto data = ParseBoundedJson(text);
    if (!data) return UsageError(fmt::format("not JSON: {}", text.substr(0, 80)));
    json e = {{"type", o.type}, {"data", std::move(*data)}};
    if (!o.id.empty()) e["id"] = o.id;
    if (!o.metadata.empty()) {
      auto metadata = ParseBoundedJson(o.metadata);
      if (!metadata || !metadata->is_object()) return UsageError("--metadata is a JSON object");
      e["metadata"] = std::move(*metadata);
    }
    events.push_back(std::move(e));
  }
  json body = json::object();
  // A revision goes as a number; any, no_stream and stream_exists as themselves.
  auto revision = ParseBoundedJson(o.expected);
  body["expected_revision"] =
      revision && revision->is_number_integer() ? *revision : json(o.expected);
  body["events"] = std::move(events);
  HttpClient http(o.flags.http);
  auto answer = http.Call("POST", StreamPath(o.stream), body.dump());
  if (!answer.ok()) return Fail(answer.status());
  if (answer->status != 200) return Fail(AnswerError(*answer));
  json result = answer->Json();
  if (o.flags.json()) {
    std::cout << DumpJson(result) << "\n";
  } else {
    std::cout << fmt::format("appended {} event{} to '{}': revision {}, position {}\n",
                             datas.size(), datas.size() == 1 ? "" : "s", o.stream,
                             result.value("next_expected_revision", int64_t{-1}),
                             result.value("position", int64_t{-1}));
  }
  return kExitOk;
}

int RunRead(const StreamOptions& o) {
  const bool global = IsGlobal(o.stream);
  std::string target = StreamPath(o.stream) + fmt::format("?limit={}", o.limit);
  if (global) {
    target += fmt::format("&from_position={}", o.from.value_or(0));
    if (!o.types.empty()) target += "&type=" + o.types;
  } else {
    if (o.from) target += fmt::format("&from={}", *o.from);
    if (o.backward) target += "&direction=backward";
  }
  HttpClient http(o.flags.http);
  auto answer = http.Call("GET", target);
  if (!answer.ok()) return Fail(answer.status());
  if (answer->status != 200) return Fail(AnswerError(*answer));
  json page = answer->Json();
  for (const json& e : page["events"]) std::cout << EventLine(e, global, o.flags.json()) << "\n";
  if (StderrIsTerminal()) {
    const json next = global ? page["next_position"] : page["next"];
    if (!next.is_null() && (!global || next != page["end_position"])) {
      std::cerr << fmt::format("herald: more from --from {}\n", DumpJson(next));
    }
  }
  return kExitOk;
}

// Where tail starts without --from: after the last event there is now.
Result<int64_t> TailStart(HttpClient& http, const StreamOptions& o) {
  const bool global = IsGlobal(o.stream);
  const std::string target =
      StreamPath(o.stream) + (global ? "?limit=1&from_position=0" : "?direction=backward&limit=1");
  HERALD_ASSIGN_OR_RETURN(HttpAnswer answer, http.Call("GET", target));
  if (answer.status == 404 && !global) return -1;  // not yet written: from its first event
  if (answer.status != 200) return AnswerError(answer);
  json page = answer.Json();
  return global ? page.value("end_position", int64_t{0}) - 1
                : page.value("last_revision", int64_t{-1});
}

int RunTail(const StreamOptions& o) {
  const bool global = IsGlobal(o.stream);
  HttpClient http(o.flags.http);
  std::string target = StreamPath(o.stream) + "/subscribe";
  std::vector<std::string> query;
  if (o.from) {
    query.push_back(fmt::format("from={}", *o.from));
  } else if (!o.from_beginning) {
    auto start = TailStart(http, o);
    if (!start.ok()) return Fail(start.status());
    if (*start >= 0) query.push_back(fmt::format("from={}", *start));
  }
  if (global && !o.types.empty()) query.push_back("type=" + o.types);
  for (size_t i = 0; i < query.size(); ++i) target += (i == 0 ? "?" : "&") + query[i];

  CatchStopSignals();
  Status s = http.ReadEvents(
      target,
      [&](const std::string& event, const std::string&, const std::string& data) {
        if (event == "message") {
          json e = json::parse(data, nullptr, false);
          std::cout << EventLine(e, global, o.flags.json()) << std::endl;
        } else if (event == "caught-up" && StderrIsTerminal()) {
          std::cerr << "herald: caught up; waiting for new events (Ctrl-C stops)\n";
        } else if (event == "stream-deleted") {
          std::cerr << fmt::format("herald: stream '{}' was deleted\n", o.stream);
        }
        return true;
      },
      [] { return StopRequested(); });
  if (!s.ok()) return Fail(s);
  return kExitOk;
}

int RunStreamDelete(const StreamOptions& o) {
  std::string target = StreamPath(o.stream) + (o.hard ? "?hard=true" : "?hard=false");
  if (o.expected != "any") target += "&expected_revision=" + o.expected;
  HttpClient http(o.flags.http);
  auto answer = http.Call("DELETE", target);
  if (!answer.ok()) return Fail(answer.status());
  if (answer->status != 200) return Fail(AnswerError(*answer));
  if (o.flags.json()) {
    std::cout << DumpJson(answer->Json()) << "\n";
  } else {
    std::cout << fmt::format("deleted '{}'{}\n", o.stream,
                             o.hard ? " for good" : " (appending re-creates it)");
  }
  return kExitOk;
}

int RunMeta(const StreamOptions& o) {
  HttpClient http(o.flags.http);
  const std::string target = StreamPath(o.stream) + "/metadata";
  auto answer = o.set ? http.Call("PUT", target, *o.set) : http.Call("GET", target);
  if (!answer.ok()) return Fail(answer.status());
  if (answer->status != 200) return Fail(AnswerError(*answer));
  if (o.set) answer = http.Call("GET", target);
  if (!answer.ok()) return Fail(answer.status());
  std::cout << DumpJson(answer->Json(), o.flags.json() ? -1 : 2) << "\n";
  return kExitOk;
}


}  // namespace

void RegisterStream(CLI::App& app) {
  auto* stream = app.add_subcommand("stream", "Event store streams on a running herald serve");
  stream->footer(kStreamHelp);
  stream->require_subcommand(1);
  auto add = [&](const char* name, const char* help, int (*run)(const StreamOptions&)) {
    auto o = std::make_shared<StreamOptions>();
    auto* command = stream->add_subcommand(name, help);
    command->add_option("stream", o->stream, "Stream name ($all or $ce-CATEGORY to read or tail)")
        ->required();
    AddHttpFlags(command, o->flags);
    command->callback([o, run] { SetExitCode(run(*o)); });
    return std::make_pair(command, o);
  };

  auto [append, ao] =
      add("append", "Append events atomically: --data, or one JSON per stdin line", RunAppend);
  append->add_option("--type", ao->type, "Event type")->required();
  append->add_option("--data", ao->data, "The data of one event (JSON)");
  append
      ->add_option("--expected", ao->expected,
                   "Expected revision: any, no_stream, stream_exists or a revision")
      ->capture_default_str();
  append->add_option("--id", ao->id, "The event's id (a UUID; generated when absent)");
  append->add_option("--metadata", ao->metadata, "Metadata of every event (a JSON object)");

  auto [read, ro] = add("read", "Print a page of events", RunRead);
  read->add_option("--from", ro->from, "First revision (position for $all and categories)");
  read->add_flag("--backward", ro->backward, "From the end (or --from) backward");
  read->add_option("--limit", ro->limit, "Events in the page")
      ->check(CLI::Range(int64_t{1}, int64_t{10000}))
      ->capture_default_str();
  read->add_option("--type", ro->types, "Only these types, comma-separated ($all, categories)");

  auto [tail, to] = add("tail", "Follow new events until Ctrl-C", RunTail);
  auto* from = tail->add_option("--from", to->from,
                                "Start after this revision (position for $all and categories)");
  tail->add_flag("--from-beginning", to->from_beginning, "Start at the first event")
      ->excludes(from);
  tail->add_option("--type", to->types, "Only these types, comma-separated ($all, categories)");

  auto [del, dop] = add("delete", "Delete a stream: soft (re-created by the next append) or --hard",
                        RunStreamDelete);
  del->add_flag("--hard", dop->hard, "Delete for good: every later append fails");
  del->add_option("--expected", dop->expected, "Expected revision: any or a revision")
      ->capture_default_str();

  auto [meta, mo] = add("meta", "Show a stream's metadata, or --set it", RunMeta);
  meta->add_option("--set", mo->set,
                   "New metadata (JSON object: max_count, max_age seconds, truncate_before, ...)");
}

}  // namespace herald::cli
