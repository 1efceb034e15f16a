#include "herald/transactional_producer.h"

#include <algorithm>
#include <optional>
#include <thread>
#include <utility>

#include <fmt/format.h>

#include "base/mutex.h"
#include "herald/errors.h"

namespace herald::sdk {

// The session and the sends still in flight: Commit and Abort wait for them, as the session
// asks, and a transaction in which one failed is aborted instead of committed. `call_mu` makes
// calls take effect one at a time (a session is used by one thread at a time), a Commit's wait
// included, so a Send is in the transaction or after it, never half in; `done` callbacks run
// outside both locks (a callback may Send again).
struct TransactionalProducer::State {
  std::string id;
  std::unique_ptr<TransactionSession> session;
  Mutex call_mu;
  Mutex mu;
  CondVar idle;
  size_t in_flight GUARDED_BY(mu) = 0;
  bool failed GUARDED_BY(mu) = false;  // a record of the open transaction

  // `self`'s session sends; its `done` keeps `self` alive.
  static void Send(const std::shared_ptr<State>& self, std::vector<OutgoingRecord> records,
                   std::function<void(std::vector<SendResult>)> done) {
    auto finish = [self, done = std::move(done)](std::vector<SendResult> results) {
      const bool ok =
          std::all_of(results.begin(), results.end(), [](const SendResult& r) { return r.ok(); });
      {
        MutexLock lock(self->mu);
        self->failed = self->failed || !ok;
        if (--self->in_flight == 0) self->idle.NotifyAll();
      }
      done(std::move(results));
    };
    // An answer the session gives on this thread, before its Send returns, is held until
    // call_mu is released.
    struct Call {
      const std::thread::id thread = std::this_thread::get_id();
      bool inside = true;
      std::optional<std::vector<SendResult>> answer;
    };
    auto call = std::make_shared<Call>();
    {
      MutexLock lock(self->call_mu);
      {
        MutexLock count(self->mu);
        ++self->in_flight;
      }
      self->session->Send(std::move(records),
                          [call, finish](std::vector<SendResult> results) mutable {
                            if (std::this_thread::get_id() == call->thread && call->inside) {
                              call->answer = std::move(results);
                            } else {
                              finish(std::move(results));
                            }
                          });
      call->inside = false;
    }
    if (call->answer) finish(std::move(*call->answer));
  }

  // Waits for the sends in flight; whether one of the transaction's records failed.
  bool WaitIdle() {
    MutexLock lock(mu);
    while (in_flight > 0) idle.Wait(mu);
    return failed;
  }
};

TransactionalProducer::TransactionalProducer(std::shared_ptr<Transport> transport,
                                             TransactionalOptions options)
    : state_(std::make_shared<State>()),
      publisher_(
          [state = state_](std::vector<OutgoingRecord> records,
                           std::function<void(std::vector<SendResult>)> done) {
            State::Send(state, std::move(records), std::move(done));
          },
          std::move(options.publisher)) {
  if (options.transactional_id.empty()) throw Error("a transactional producer needs an id");
  state_->id = options.transactional_id;
  state_->session = transport->OpenTransactional(options.transactional_id, options.timeout);
}

TransactionalProducer::~TransactionalProducer() {
  MutexLock call(state_->call_mu);
  state_->WaitIdle();
  // The session's destructor aborts an open transaction.
  state_->session.reset();
}

void TransactionalProducer::Begin() {
  MutexLock call(state_->call_mu);
  state_->session->Begin();
  MutexLock lock(state_->mu);
  state_->failed = false;
}

Delivery TransactionalProducer::Publish(const std::string& topic, Event event) {
  return publisher_.Publish(topic, std::move(event));
}

std::future<Delivery> TransactionalProducer::PublishAsync(const std::string& topic, Event event) {
  return publisher_.PublishAsync(topic, std::move(event));
}

std::vector<Delivery> TransactionalProducer::PublishBatch(const std::string& topic,
                                                          std::vector<Event> events) {
  return publisher_.PublishBatch(topic, std::move(events));
}

void TransactionalProducer::Send(std::vector<OutgoingRecord> records,
                                 std::function<void(std::vector<SendResult>)> done) {
  State::Send(state_, std::move(records), std::move(done));
}

void TransactionalProducer::SendOffsets(GroupSession& consumer,
                                        const std::vector<RecordPosition>& next_offsets) {
  MutexLock call(state_->call_mu);
  state_->session->SendOffsets(consumer, next_offsets);
}

void TransactionalProducer::Commit() {
  MutexLock call(state_->call_mu);
  const bool failed = state_->WaitIdle();
  if (!failed) return state_->session->Commit();
  state_->session->Abort();
  throw TransactionAborted(fmt::format(
      "transactional id '{}': an event of the transaction failed, so it was aborted", state_->id));
}

void TransactionalProducer::Abort() {
  MutexLock call(state_->call_mu);
  state_->WaitIdle();
  state_->session->Abort();
}

}  // namespace herald::sdk
