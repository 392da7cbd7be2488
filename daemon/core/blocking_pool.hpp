#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <type_traits>
#include <utility>

#include "daemon/core/clock.hpp"

namespace runbookd {

// Where libraries that only block (librdkafka's metadata call, exec hooks) run, so that the
// event loop never waits on them. Bounded on purpose: when every thread is busy and the queue
// is full, Post refuses instead of letting work pile up behind a hung peer.
class BlockingPool {
 public:
  virtual ~BlockingPool() = default;
  // Queues `work` for one of the pool's threads. False when the queue is full or the pool is
  // stopping; the work is then dropped and the caller reports that it could not run.
  [[nodiscard]] virtual bool Post(std::function<void()> work) = 0;
};

// How a RunBlocking call ended. `value` is set only for kDone.
template <typename T>
struct BlockingOutcome {
  enum class Status {
    kDone,       // the work finished before the deadline
    kTimedOut,   // the deadline passed first; the work's late result will be dropped
    kCancelled,  // the awaiting coroutine was cancelled (its caller gave up)
    kSaturated,  // the pool refused the work
  };
  Status status = Status::kTimedOut;
  std::optional<T> value;
};

namespace blocking_detail {

// What the pool thread and the awaiting coroutine share. The coroutine's frame may be gone by
// the time the work finishes (deadline, cancellation, or its io_context destroyed), so the
// thread only touches the frame (through `wake`, on the coroutine's executor) while
// `abandoned` is false, and it checks that under the mutex.
template <typename T>
struct Handoff {
  std::mutex mutex;
  bool abandoned = false;
  std::optional<T> value;
  std::exception_ptr error;
  boost::asio::any_io_executor executor;
  boost::asio::steady_timer* wake = nullptr;  // lives in the coroutine's frame
};

// Marks the handoff abandoned however the coroutine's frame ends, including being destroyed
// while suspended (its io_context shut down).
template <typename T>
class AbandonOnExit {
 public:
  explicit AbandonOnExit(std::shared_ptr<Handoff<T>> handoff) : handoff_(std::move(handoff)) {}
  ~AbandonOnExit() {
    std::lock_guard lock(handoff_->mutex);
    handoff_->abandoned = true;
  }
  AbandonOnExit(const AbandonOnExit&) = delete;
  AbandonOnExit& operator=(const AbandonOnExit&) = delete;

 private:
  std::shared_ptr<Handoff<T>> handoff_;
};

// Runs on the pool thread: does the work, then wakes the coroutine if it is still waiting. The
// wake-up is posted to the coroutine's executor, so the timer is only touched there.
template <typename T, typename Work>
void RunAndHandOver(const std::shared_ptr<Handoff<T>>& handoff, Work& work) {
  std::optional<T> value;
  std::exception_ptr error;
  try {
    value.emplace(work());
  } catch (...) {
    error = std::current_exception();
  }
  std::lock_guard lock(handoff->mutex);
  if (handoff->abandoned) return;  // too late: the result is dropped here, on the pool thread
  handoff->value = std::move(value);
  handoff->error = error;
  boost::asio::post(handoff->executor, [handoff] {
    std::lock_guard wake_lock(handoff->mutex);
    if (!handoff->abandoned) handoff->wake->cancel();
  });
}

}  // namespace blocking_detail

// Runs `work()` (a blocking function returning a value) on `pool` and resumes the calling
// coroutine on its own executor with the result, or at `deadline`, whichever comes first. A
// result that arrives after the deadline or after cancellation is dropped on the pool thread.
// `work` is moved to the pool and may outlive the caller: it must own everything it touches
// (no references into the caller's frame). An exception thrown by `work` is rethrown here. The
// caller's executor must not run this coroutine on several threads at once (one io_context
// thread, or a strand), and the pool must be stopped before that executor's io_context is
// destroyed.
template <typename Work>
boost::asio::awaitable<BlockingOutcome<std::invoke_result_t<Work&>>> RunBlocking(BlockingPool& pool,
                                                                                 SteadyTime deadline, Work work) {
  using T = std::invoke_result_t<Work&>;
  using Outcome = BlockingOutcome<T>;
  const boost::asio::any_io_executor executor = co_await boost::asio::this_coro::executor;
  // Waiting on a timer that expires at the deadline: the pool's wake-up cancels it early.
  boost::asio::steady_timer wake(executor, deadline);
  auto handoff = std::make_shared<blocking_detail::Handoff<T>>();
  // Untracked: the pool thread's copy must neither keep the io_context running nor touch it
  // when it is released after the io_context is gone.
  handoff->executor = boost::asio::prefer(executor, boost::asio::execution::outstanding_work.untracked);
  handoff->wake = &wake;
  const blocking_detail::AbandonOnExit<T> abandon_on_exit(handoff);

  if (!pool.Post([handoff, work = std::move(work)]() mutable { blocking_detail::RunAndHandOver(handoff, work); })) {
    co_return Outcome{Outcome::Status::kSaturated, std::nullopt};
  }
  boost::system::error_code ec;
  co_await wake.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));

  Outcome outcome;
  {
    std::lock_guard lock(handoff->mutex);
    handoff->abandoned = true;
    if (handoff->error) std::rethrow_exception(handoff->error);
    if (handoff->value) {
      outcome.status = Outcome::Status::kDone;
      outcome.value = std::move(handoff->value);
    } else {
      // Aborted without a value: our own cancellation slot fired, not the pool's wake-up.
      outcome.status = ec ? Outcome::Status::kCancelled : Outcome::Status::kTimedOut;
    }
  }
  co_return outcome;
}

}  // namespace runbookd
