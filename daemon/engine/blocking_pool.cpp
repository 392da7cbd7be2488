#include "daemon/engine/blocking_pool.hpp"

#include <pthread.h>

#include <utility>

namespace runbookd {

ThreadBlockingPool::ThreadBlockingPool(std::size_t threads, std::size_t max_queued)
    : capacity_((threads == 0 ? 1 : threads) + max_queued) {
  const std::size_t count = threads == 0 ? 1 : threads;
  threads_.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    threads_.emplace_back([this] { Serve(); });
    // Named so that a stuck blocking call is easy to find in a thread dump.
    pthread_setname_np(threads_.back().native_handle(), "runbookd-block");
  }
}

ThreadBlockingPool::~ThreadBlockingPool() { Stop(); }

bool ThreadBlockingPool::Post(std::function<void()> work) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() + running_ >= capacity_) return false;
    queue_.push_back(std::move(work));
  }
  ready_.notify_one();
  return true;
}

void ThreadBlockingPool::Stop() {
  std::deque<std::function<void()>> dropped;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    dropped.swap(queue_);
  }
  ready_.notify_all();
  dropped.clear();  // outside the lock: destroying work may release what it captured
  for (std::thread& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
}

std::size_t ThreadBlockingPool::in_flight() const {
  std::lock_guard lock(mutex_);
  return queue_.size() + running_;
}

void ThreadBlockingPool::Serve() {
  while (true) {
    std::function<void()> work;
    {
      std::unique_lock lock(mutex_);
      ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping
      work = std::move(queue_.front());
      queue_.pop_front();
      ++running_;
    }
    // RunBlocking hands exceptions to its caller; other work that throws must not take the
    // thread down with it.
    try {
      work();
    } catch (...) {
    }
    work = nullptr;  // release captures before counting the slot free
    std::lock_guard lock(mutex_);
    --running_;
  }
}

}  // namespace runbookd
