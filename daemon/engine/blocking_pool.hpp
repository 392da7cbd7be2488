#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "daemon/core/blocking_pool.hpp"

namespace runbookd {

// The daemon's BlockingPool: `threads` threads and room for `max_queued` waiting items beyond
// the ones running, so at most threads + max_queued items are in flight. The owner stops it
// (Stop or the destructor) before destroying the io_context that RunBlocking callers run on.
class ThreadBlockingPool final : public BlockingPool {
 public:
  ThreadBlockingPool(std::size_t threads, std::size_t max_queued);
  ~ThreadBlockingPool() override;
  ThreadBlockingPool(const ThreadBlockingPool&) = delete;
  ThreadBlockingPool& operator=(const ThreadBlockingPool&) = delete;

  [[nodiscard]] bool Post(std::function<void()> work) override;
  // Refuses new work, drops queued work that has not started (destroying it here), and joins
  // the threads once their current work returns. Idempotent; not to be called from a pool thread.
  void Stop();

  // Items queued plus running, for tests and metrics.
  std::size_t in_flight() const;

 private:
  void Serve();

  const std::size_t capacity_;  // threads + max_queued
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> queue_;
  std::size_t running_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace runbookd
