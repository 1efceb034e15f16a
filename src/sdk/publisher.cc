#include "herald/publisher.h"

#include <ctime>

#include <fmt/format.h>

#include "base/clock.h"
#include "base/uuid.h"
#include "herald/errors.h"

namespace herald::sdk {
namespace {

// "2026-11-30T09:04:50.966Z" (RFC 3339, UTC).
std::string Rfc3339(int64_t ms) {
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms % 1000);
}

bool IsLowerWord(std::string_view s) {
  if (s.empty() || s[0] < 'a' || s[0] > 'z') return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

// "<entity>.<action>" with lower-case words: order.placed, payment.captured, user_profile.updated.
bool IsEventType(std::string_view type) {
  size_t dot = type.find('.');
  if (dot == std::string_view::npos) return false;
  size_t at = 0;
  while (at <= type.size()) {
    size_t end = type.find('.', at);
    if (end == std::string_view::npos) end = type.size();
    if (!IsLowerWord(type.substr(at, end - at))) return false;
    at = end + 1;
  }
  return true;
}

// A W3C traceparent continuing `parent`'s trace with a new span (a new trace when `parent` is
// not a valid version-00 traceparent).
std::string ChildTraceparent(std::string_view parent) {
  if (parent.size() == 55 && parent.substr(0, 3) == "00-" && parent[35] == '-' &&
      parent[52] == '-') {
    return fmt::format("00-{}-{}-{}", parent.substr(3, 32), RandomHex(8), parent.substr(53, 2));
  }
  return fmt::format("00-{}-{}-01", RandomHex(16), RandomHex(8));
}

}  // namespace

std::string NewUuid() { return herald::NewUuid(); }

Event Event::CausedBy(const Message& cause, std::string type, std::string data) {
  Event e;
  e.type = std::move(type);
  e.data = std::move(data);
  const auto cause_id = cause.Header("ce_id");
  e.causation_id = cause_id ? std::string(*cause_id) : "";
  if (auto correlation = cause.Header("ce_correlationid")) {
    e.correlation_id = std::string(*correlation);
  } else {
    e.correlation_id = e.causation_id;
  }
  if (auto trace = cause.Header("traceparent")) e.traceparent = ChildTraceparent(*trace);
  return e;
}

Publisher::Publisher(std::shared_ptr<Transport> transport, PublisherOptions options)
    : Publisher(
          [transport = std::move(transport)](std::vector<OutgoingRecord> records,
                                             std::function<void(std::vector<SendResult>)> done) {
            transport->Send(std::move(records), std::move(done));
          },
          std::move(options)) {}

Publisher::Publisher(SendFunction send, PublisherOptions options)
    : send_(std::move(send)), options_(std::move(options)) {}

OutgoingRecord Publisher::ToRecord(const std::string& topic, Event e) const {
  if (!IsEventType(e.type)) {
    throw Error(fmt::format(
        "event type '{}' is not '<entity>.<action>' in lower case, the action in the past tense "
        "(e.g. order.placed)",
        e.type));
  }
  if (e.data.size() > options_.max_payload_bytes) {
    throw PayloadTooLarge(fmt::format(
        "event {} carries {} bytes, over the {}-byte limit: store the payload elsewhere and "
        "publish a reference to it (the claim-check pattern)",
        e.type, e.data.size(), options_.max_payload_bytes));
  }
  if (e.id.empty()) e.id = NewUuid();
  if (e.time_ms == 0) e.time_ms = Clock::System().NowMs();
  if (e.correlation_id.empty()) e.correlation_id = e.id;
  e.traceparent = e.traceparent.empty() ? ChildTraceparent("") : e.traceparent;
  OutgoingRecord r;
  r.topic = topic;
  r.partition = e.partition;
  r.key = std::move(e.key);
  r.value = std::move(e.data);
  r.timestamp_ms = e.time_ms;
  r.headers = {{"ce_specversion", "1.0"},
               {"ce_id", e.id},
               {"ce_source", options_.source},
               {"ce_type", e.type},
               {"ce_time", Rfc3339(e.time_ms)},
               {"content-type", e.content_type},
               {"ce_correlationid", e.correlation_id},
               {"traceparent", e.traceparent}};
  if (!e.subject.empty()) r.headers.emplace_back("ce_subject", e.subject);
  if (!e.causation_id.empty()) r.headers.emplace_back("ce_causationid", e.causation_id);
  for (auto& h : e.headers) r.headers.push_back(std::move(h));
  return r;
}

std::future<Delivery> Publisher::PublishAsync(const std::string& topic, Event event) {
  auto promise = std::make_shared<std::promise<Delivery>>();
  auto future = promise->get_future();
  OutgoingRecord record;
  try {
    record = ToRecord(topic, std::move(event));
  } catch (...) {
    promise->set_exception(std::current_exception());
    return future;
  }
  std::string id(*record.Header("ce_id"));
  std::vector<OutgoingRecord> records;
  records.push_back(std::move(record));
  send_(std::move(records), [promise, id](std::vector<SendResult> results) {
    const SendResult& r = results.front();
    if (r.ok()) {
      promise->set_value({r.position, id});
    } else {
      promise->set_exception(std::make_exception_ptr(
          Error(fmt::format("publishing {} to {}: {}", id, r.position.topic, r.error))));
    }
  });
  return future;
}

Delivery Publisher::Publish(const std::string& topic, Event event) {
  return PublishAsync(topic, std::move(event)).get();
}

std::vector<Delivery> Publisher::PublishBatch(const std::string& topic, std::vector<Event> events) {
  std::vector<OutgoingRecord> records;
  std::vector<std::string> ids;
  for (auto& e : events) {
    records.push_back(ToRecord(topic, std::move(e)));
    ids.emplace_back(*records.back().Header("ce_id"));
  }
  std::promise<std::vector<SendResult>> done;
  send_(std::move(records),
        [&done](std::vector<SendResult> results) { done.set_value(std::move(results)); });
  std::vector<SendResult> results = done.get_future().get();
  std::vector<Delivery> out;
  for (size_t i = 0; i < results.size(); ++i) {
    if (!results[i].ok()) {
      throw Error(fmt::format("publishing {} to {}: {}", ids[i], topic, results[i].error));
    }
    out.push_back({results[i].position, ids[i]});
  }
  return out;
}

}  // namespace herald::sdk
