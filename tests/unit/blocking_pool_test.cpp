// ThreadBlockingPool (bounded queue, Stop) and RunBlocking (result on the caller's executor,
// deadline, cancellation, late results dropped safely). Blocking work waits on a Gate the test
// opens, so nothing here depends on how long anything takes except the deadlines under test.
#include "daemon/engine/blocking_pool.hpp"

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <variant>

#include "daemon/core/blocking_pool.hpp"
#include "tests/support/subprocess.hpp"

using namespace std::chrono_literals;
using runbookd::BlockingOutcome;
using runbookd::RunBlocking;
using runbookd::ThreadBlockingPool;
using runbookd::testing::PollUntil;
namespace asio = boost::asio;

namespace {

// A one-shot barrier: work blocks in Wait until the test calls Open. Waits are bounded (10 s)
// so that a broken pool cannot hang the suite.
class Gate {
 public:
  void Open() {
    {
      std::lock_guard lock(mutex_);
      open_ = true;
    }
    opened_.notify_all();
  }
  void Wait() {
    std::unique_lock lock(mutex_);
    opened_.wait_for(lock, 10s, [this] { return open_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable opened_;
  bool open_ = false;
};

// Work that reports it started, then blocks until the gate opens.
std::function<void()> Blocker(Gate& gate, std::promise<void>& started) {
  return [&gate, &started] {
    started.set_value();
    gate.Wait();
  };
}

using IntOutcome = BlockingOutcome<int>;

struct Timed {
  IntOutcome outcome;
  std::chrono::milliseconds elapsed{0};
};

// Runs RunBlocking(work) to completion on a fresh io_context (destroyed before returning).
template <typename Work>
Timed RunToCompletion(runbookd::BlockingPool& pool, std::chrono::milliseconds timeout, Work work) {
  asio::io_context io;
  const auto start = std::chrono::steady_clock::now();
  Timed out;
  asio::co_spawn(io, RunBlocking(pool, start + timeout, std::move(work)), [&](std::exception_ptr e, IntOutcome r) {
    REQUIRE(!e);
    out.outcome = std::move(r);
  });
  io.run();
  out.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  return out;
}

}  // namespace

TEST_CASE("blocking pool: work runs on a pool thread", "[blocking_pool]") {
  ThreadBlockingPool pool(2, 2);
  std::promise<std::thread::id> ran_on;
  auto future = ran_on.get_future();
  REQUIRE(pool.Post([&ran_on] { ran_on.set_value(std::this_thread::get_id()); }));
  REQUIRE(future.wait_for(10s) == std::future_status::ready);
  CHECK(future.get() != std::this_thread::get_id());
}

TEST_CASE("blocking pool: at most threads + max_queued in flight, then Post refuses", "[blocking_pool]") {
  Gate gate;  // outlives the pool, whose threads wait on it
  std::promise<void> started;
  ThreadBlockingPool pool(1, 1);
  REQUIRE(pool.Post(Blocker(gate, started)));
  REQUIRE(started.get_future().wait_for(10s) == std::future_status::ready);

  std::atomic<bool> queued_ran{false};
  CHECK(pool.Post([&queued_ran] { queued_ran = true; }));  // waits for the busy thread
  CHECK_FALSE(pool.Post([] {}));                           // full
  CHECK(pool.in_flight() == 2);

  gate.Open();
  REQUIRE(PollUntil([&] { return pool.in_flight() == 0; }, 10s));
  CHECK(queued_ran);
  CHECK(pool.Post([] {}));  // room again
}

TEST_CASE("blocking pool: Stop drops queued work, refuses new work and joins", "[blocking_pool]") {
  Gate gate;
  std::promise<void> started;
  ThreadBlockingPool pool(1, 4);
  REQUIRE(pool.Post(Blocker(gate, started)));
  REQUIRE(started.get_future().wait_for(10s) == std::future_status::ready);
  std::atomic<bool> queued_ran{false};
  REQUIRE(pool.Post([&queued_ran] { queued_ran = true; }));

  std::thread stopper([&pool] { pool.Stop(); });  // blocks until the running work returns
  // Stop refuses new work (and drops the queue) before it joins.
  REQUIRE(PollUntil([&] { return !pool.Post([] {}); }, 10s));
  gate.Open();
  stopper.join();
  CHECK_FALSE(queued_ran);
  pool.Stop();  // idempotent
}

TEST_CASE("blocking pool: RunBlocking resumes on the caller's thread with the value", "[blocking_pool]") {
  ThreadBlockingPool pool(1, 1);
  std::atomic<std::thread::id> worker;
  asio::io_context io;
  std::optional<IntOutcome> result;
  std::thread::id resumed_on;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        auto work = [&worker] {
          worker = std::this_thread::get_id();
          return 42;
        };
        result = co_await RunBlocking(pool, std::chrono::steady_clock::now() + 10s, std::move(work));
        resumed_on = std::this_thread::get_id();
      },
      asio::detached);
  io.run();
  REQUIRE(result);
  CHECK(result->status == IntOutcome::Status::kDone);
  CHECK(result->value == 42);
  CHECK(resumed_on == std::this_thread::get_id());
  CHECK(worker.load() != std::this_thread::get_id());
}

TEST_CASE("blocking pool: the deadline wins over slow work, whose late result is dropped", "[blocking_pool]") {
  ThreadBlockingPool pool(1, 1);
  auto gate = std::make_shared<Gate>();
  auto finished = std::make_shared<std::atomic<bool>>(false);
  const Timed timed = RunToCompletion(pool, 200ms, [gate, finished] {
    gate->Wait();
    *finished = true;
    return 7;
  });
  CHECK(timed.outcome.status == IntOutcome::Status::kTimedOut);
  CHECK_FALSE(timed.outcome.value);
  CHECK(timed.elapsed >= 190ms);
  CHECK(timed.elapsed <= 300ms);
  // The io_context is gone; the work now finishes and must not touch it.
  gate->Open();
  REQUIRE(PollUntil([&] { return pool.in_flight() == 0; }, 10s));
  CHECK(*finished);
}

TEST_CASE("blocking pool: cancelling the caller stops the wait at once", "[blocking_pool]") {
  using namespace asio::experimental::awaitable_operators;
  ThreadBlockingPool pool(1, 1);
  auto gate = std::make_shared<Gate>();
  asio::io_context io;
  const auto start = std::chrono::steady_clock::now();
  asio::steady_timer give_up(io, start + 100ms);
  std::optional<IntOutcome> outcome;
  auto work = [gate] {
    gate->Wait();
    return 1;
  };
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        auto raced =
            co_await (RunBlocking(pool, start + 30s, std::move(work)) || give_up.async_wait(asio::use_awaitable));
        if (raced.index() == 0) outcome = std::get<0>(std::move(raced));
      },
      asio::detached);
  io.run();  // returns only when nothing is left pending
  const auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(elapsed < 300ms);
  CHECK_FALSE(outcome);  // the timer won the race
  gate->Open();
  REQUIRE(PollUntil([&] { return pool.in_flight() == 0; }, 10s));
}

TEST_CASE("blocking pool: a caller destroyed while waiting leaves the work harmless", "[blocking_pool]") {
  ThreadBlockingPool pool(1, 1);
  auto gate = std::make_shared<Gate>();
  auto finished = std::make_shared<std::atomic<bool>>(false);
  {
    asio::io_context io;
    asio::co_spawn(io,
                   RunBlocking(pool, std::chrono::steady_clock::now() + 30s,
                               [gate, finished] {
                                 gate->Wait();
                                 *finished = true;
                                 return 3;
                               }),
                   asio::detached);
    io.poll();  // the coroutine posts the work and suspends on its timer
    REQUIRE(pool.in_flight() == 1);
  }  // destroys the suspended coroutine frame with the io_context
  gate->Open();
  REQUIRE(PollUntil([&] { return pool.in_flight() == 0; }, 10s));
  CHECK(*finished);
}

TEST_CASE("blocking pool: a full pool is reported, not waited for", "[blocking_pool]") {
  Gate gate;
  std::promise<void> started;
  ThreadBlockingPool pool(1, 0);
  REQUIRE(pool.Post(Blocker(gate, started)));
  REQUIRE(started.get_future().wait_for(10s) == std::future_status::ready);
  const Timed timed = RunToCompletion(pool, 5s, [] { return 1; });
  CHECK(timed.outcome.status == IntOutcome::Status::kSaturated);
  CHECK(timed.elapsed < 100ms);
  gate.Open();
}

TEST_CASE("blocking pool: an exception from the work reaches the caller", "[blocking_pool]") {
  ThreadBlockingPool pool(1, 1);
  asio::io_context io;
  std::string caught;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        try {
          auto work = []() -> int { throw std::runtime_error("librdkafka exploded"); };
          (void)co_await RunBlocking(pool, std::chrono::steady_clock::now() + 10s, std::move(work));
        } catch (const std::runtime_error& e) {
          caught = e.what();
        }
      },
      asio::detached);
  io.run();
  CHECK(caught == "librdkafka exploded");
}
