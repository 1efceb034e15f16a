#include "herald/projection.h"

#include <algorithm>
#include <cstdio>
#include <memory>

#include <fmt/format.h>
#include <unistd.h>

#include "base/metrics.h"

namespace herald::sdk {
namespace {

Gauge& LagGauge(const std::string& projection) {
  static GaugeFamily& family = MetricsRegistry::Global().AddGauge(
      "projection_lag_events",
      "Positions of the event store a projection has not yet passed (events still to apply or "
      "pass over).",
      {"projection"});
  return family.WithLabels({projection});
}

}  // namespace

int64_t ReadModel::LoadCheckpoint(const std::string& name) {
  auto rows =
      Query("SELECT next_position FROM herald_projection_checkpoints WHERE name = $1", {name});
  if (rows.empty() || rows[0].empty() || !rows[0][0]) return 0;
  try {
    return std::stoll(*rows[0][0]);
  } catch (const std::exception&) {
    throw Error(
        fmt::format("projection '{}': its checkpoint '{}' is not a position", name, *rows[0][0]));
  }
}

void ReadModel::StoreCheckpoint(const std::string& name, int64_t next_position) {
  Execute(
      "INSERT INTO herald_projection_checkpoints (name, next_position) VALUES ($1, $2) "
      "ON CONFLICT (name) DO UPDATE SET next_position = excluded.next_position",
      {name, std::to_string(next_position)});
}

Projection::Projection(std::shared_ptr<EventStore> store, std::shared_ptr<ReadModel> model,
                       ProjectionOptions options)
    : store_(std::move(store)), model_(std::move(model)), options_(std::move(options)) {
  if (!store_ || !model_) throw Error("a Projection needs an EventStore and a ReadModel");
  if (options_.name.empty()) throw Error("a Projection needs a name");
  if (options_.stream.starts_with("$ce-") && options_.stream.size() > 4) {
    category_ = options_.stream.substr(4);
  } else if (options_.stream != "$all") {
    throw Error(fmt::format("projection '{}': stream '{}' is neither $all nor $ce-<category>",
                            options_.name, options_.stream));
  }
  options_.batch_size = std::max<size_t>(options_.batch_size, 1);
}

Projection& Projection::On(const std::string& type, Handler handler) {
  handlers_[type] = std::move(handler);
  return *this;
}

Projection& Projection::OnReset(std::function<void(ReadModel&)> reset) {
  reset_ = std::move(reset);
  return *this;
}

int64_t Projection::checkpoint() {
  return model_->LoadCheckpoint(options_.name);
}

void Projection::ApplyBatch(const std::vector<RecordedEvent>& events, int64_t next_position) {
  model_->InTransaction([&] {
    for (const RecordedEvent& e : events) {
      if (auto it = handlers_.find(e.type); it != handlers_.end()) it->second(e, *model_);
    }
    model_->StoreCheckpoint(options_.name, next_position);
  });
}

void Projection::ReportLag(int64_t next_position, int64_t end_position) const {
  LagGauge(options_.name)
      .Set(static_cast<double>(std::max<int64_t>(end_position - next_position, 0)));
}

int64_t Projection::CatchUp(const std::function<void(int64_t, int64_t)>& progress) {
  int64_t next = checkpoint();
  int64_t read = 0;
  for (;;) {
    ReadAllOptions page;
    page.from_position = next;
    page.max_count = options_.batch_size;
    page.category = category_;
    page.types = options_.types;
    AllSlice slice = store_->ReadAll(page);
    if (slice.next_position > next) {
      ApplyBatch(slice.events, slice.next_position);
      read += static_cast<int64_t>(slice.events.size());
      next = slice.next_position;
    }
    ReportLag(next, slice.end_position);
    if (progress) progress(next, slice.end_position);
    if (next >= slice.end_position) return read;
  }
}

void Projection::Run(const std::function<bool()>& stop, std::chrono::milliseconds poll) {
  CatchUp();
  const int64_t start = checkpoint();
  SubscribeOptions from;
  from.stream = options_.stream;
  from.types = options_.types;
  if (start > 0) from.after = start - 1;
  auto subscription = store_->Subscribe(from);
  while (!stop()) {
    auto events = subscription->Next(poll, options_.batch_size);
    if (events.empty()) {
      if (subscription->caught_up()) ReportLag(0, 0);
      continue;
    }
    const int64_t next = events.back().position + 1;
    ApplyBatch(events, next);
    ReadAllOptions end;
    end.from_position = next;
    end.max_count = 1;
    ReportLag(next, store_->ReadAll(end).end_position);
  }
}

int64_t Projection::Rebuild(const std::function<void(int64_t, int64_t)>& progress) {
  model_->InTransaction([&] {
    if (reset_) reset_(*model_);
    model_->StoreCheckpoint(options_.name, 0);
  });
  return CatchUp(progress);
}

std::function<void(int64_t, int64_t)> ConsoleProgress(std::string label) {
  const bool terminal = isatty(STDERR_FILENO) != 0;
  auto last_tenth = std::make_shared<int64_t>(-1);
  return [label = std::move(label), terminal, last_tenth](int64_t position, int64_t end) {
    const double done = end > 0 ? std::min(1.0, static_cast<double>(position) / end) : 1.0;
    const int64_t tenth = static_cast<int64_t>(done * 10);
    if (!terminal && tenth == *last_tenth && position < end) return;
    *last_tenth = tenth;
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(done * kWidth);
    const std::string bar = std::string(static_cast<size_t>(filled), '=') +
                            std::string(static_cast<size_t>(kWidth - filled), ' ');
    std::fprintf(stderr, "%s%s [%s] %3.0f%% %lld/%lld%s", terminal ? "\r" : "", label.c_str(),
                 bar.c_str(), done * 100, static_cast<long long>(position),
                 static_cast<long long>(end), terminal && position < end ? "" : "\n");
    std::fflush(stderr);
  };
}

}  // namespace herald::sdk
