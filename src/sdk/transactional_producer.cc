#include "herald/transactional_producer.h"

#include <algorithm>
#include <optional>
#include <thread>
#include <utility>

#include <fmt/format.h>

#include "base/mutex.h"
#include "herald/errors.h"
#include "sdk/check.h"

namespace herald::sdk {

// The session and the sends still in flight: Commit and Abort wait for them, as the session
// asks, and a transaction in which one failed is aborted instead of committed. `call_mu` makes
// calls take effect one at a time (a session is used by one thread at a time). Commit and Abort
// take it once no send is in flight, so a Send is in the transaction or after it, never half in;
// they wait for sends without it, so a `done` callback that sends again is never blocked behind
// them. `done` callbacks run outside both locks: an answer given on a thread that holds call_mu
// (the session answering while it is called, or delivering earlier answers while it waits for
// queue room) waits until that thread releases it.
struct TransactionalProducer::State {
  std::string id;
  std::unique_ptr<TransactionSession> session;  // null once the producer is destroyed
  Mutex call_mu;
  Mutex mu;
  CondVar idle;
  size_t in_flight GUARDED_BY(mu) = 0;
  bool failed GUARDED_BY(mu) = false;  // a record of the open transaction
  std::vector<std::function<void()>> deferred GUARDED_BY(mu);

  // The State whose call_mu this thread holds, if any.
  static thread_local const State* holder;

  // call_mu for a scope; answers deferred meanwhile run once it is released.
  class SCOPED_CAPABILITY Call {
   public:
    explicit Call(State& state) ACQUIRE(state.call_mu) : state_(state) {
      state_.call_mu.Lock();
      holder = &state_;
    }
    ~Call() RELEASE() {
      holder = nullptr;
      state_.call_mu.Unlock();
      std::vector<std::function<void()>> answers;
      {
        MutexLock lock(state_.mu);
        answers.swap(state_.deferred);
      }
      for (auto& answer : answers) answer();
    }
    Call(const Call&) = delete;
    Call& operator=(const Call&) = delete;

   private:
    State& state_;
  };

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
    Call call(*self);
    {
      MutexLock count(self->mu);
      ++self->in_flight;
    }
    if (!self->session) {
      return self->Defer(
          std::move(finish),
          Refused(records, fmt::format("transactional id '{}': the producer is closed", self->id)));
    }
    self->session->Send(std::move(records),
                        [self, finish](std::vector<SendResult> results) mutable {
                          if (holder == self.get()) {
                            self->Defer(std::move(finish), std::move(results));
                          } else {
                            finish(std::move(results));
                          }
                        });
  }

  template <typename Finish>
  void Defer(Finish finish, std::vector<SendResult> results) {
    MutexLock lock(mu);
    deferred.push_back([finish = std::move(finish), results = std::move(results)]() mutable {
      finish(std::move(results));
    });
  }

  // Runs `f(failed)` holding call_mu at a moment no send is in flight, `failed` saying whether
  // one of the transaction's records failed. The sends are waited for without call_mu.
  template <typename F>
  void WhenIdle(F&& f) {
    for (;;) {
      {
        MutexLock lock(mu);
        while (in_flight > 0) idle.Wait(mu);
      }
      Call call(*this);
      bool record_failed = false;
      {
        MutexLock lock(mu);
        if (in_flight > 0) continue;  // a callback sent again meanwhile
        record_failed = failed;
      }
      f(record_failed);
      return;
    }
  }
};

thread_local const TransactionalProducer::State* TransactionalProducer::State::holder = nullptr;

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
  // The session's destructor aborts an open transaction; a callback's late Send is refused.
  state_->WhenIdle([this](bool) { state_->session.reset(); });
}

void TransactionalProducer::Begin() {
  State::Call call(*state_);
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
  State::Call call(*state_);
  state_->session->SendOffsets(consumer, next_offsets);
}

void TransactionalProducer::Commit() {
  state_->WhenIdle([this](bool failed) {
    if (!failed) return state_->session->Commit();
    state_->session->Abort();
    throw TransactionAborted(
        fmt::format("transactional id '{}': an event of the transaction failed, so it was aborted",
                    state_->id));
  });
}

void TransactionalProducer::Abort() {
  state_->WhenIdle([this](bool) { state_->session->Abort(); });
}

}  // namespace herald::sdk
