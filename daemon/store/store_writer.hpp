#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "daemon/store/error.hpp"
#include "daemon/store/store.hpp"

namespace runbookd::store {

struct WriterOptions {
  size_t max_queued_jobs = 10000;  // beyond this Submit fails with kQueueFull (the webhook answers 503)
  size_t max_batch_jobs = 1000;    // jobs per transaction; bounds the latency of one commit
};

struct WriterStats {
  uint64_t commits = 0;         // transactions committed (one per batch)
  uint64_t failed_batches = 0;  // batches whose transaction could not begin or commit
  uint64_t jobs_succeeded = 0;
  uint64_t jobs_failed = 0;    // the job's own error, or its batch's
  uint64_t jobs_rejected = 0;  // queue full or shutting down
};

// Owns the Store on a thread of its own, so that no SQLite call blocks the core's io_context.
// Group commit: the thread takes every queued job (up to max_batch_jobs), runs them in ONE
// transaction, each inside its own savepoint, commits once (one fsync), then posts the
// completions to the executor given at construction.
//
// A job that returns an error (or throws) is rolled back to its savepoint and fails alone; the
// other jobs of its batch are unaffected. If the transaction itself fails (begin, commit, or an
// I/O error that makes SQLite abandon it), every job of the batch fails and none is visible.
class StoreWriter {
 public:
  using Job = std::function<Status(Store&)>;       // runs on the writer thread
  using Completion = std::function<void(Status)>;  // runs on the executor

  StoreWriter(Store store, boost::asio::any_io_executor completions, WriterOptions options = {});
  ~StoreWriter();  // Stop()
  StoreWriter(const StoreWriter&) = delete;
  StoreWriter& operator=(const StoreWriter&) = delete;

  // Thread-safe. `done` is posted exactly once (the executor's io_context counts the job as
  // outstanding work until then): Ok once the job's batch is committed (durably),
  // or the error (kQueueFull, kShuttingDown, the job's error, the transaction's error).
  void Submit(Job job, Completion done);

  // Stops accepting jobs, runs and commits those already queued, posts their completions and
  // closes the store. Idempotent. Call it while the executor's io_context still exists.
  void Stop();

  WriterStats stats() const;

 private:
  struct Pending {
    Job job;
    Completion done;
    // Counts as outstanding work on the executor until the completion is posted, so that
    // io_context::run() does not return while a job is in flight.
    boost::asio::any_io_executor work;
  };

  void Run();
  std::vector<Pending> TakeBatch();
  void RunBatch(std::vector<Pending>& batch);
  Status RunJob(const Job& job);
  void Complete(std::vector<Pending>& batch, std::vector<Status>& results);
  void Reject(Completion done, Error error);

  std::optional<Store> store_;  // touched only by thread_; reset (closed) when it ends
  boost::asio::any_io_executor completions_;
  const WriterOptions options_;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Pending> queue_;
  bool stopping_ = false;

  std::atomic<uint64_t> commits_{0};
  std::atomic<uint64_t> failed_batches_{0};
  std::atomic<uint64_t> jobs_succeeded_{0};
  std::atomic<uint64_t> jobs_failed_{0};
  std::atomic<uint64_t> jobs_rejected_{0};

  std::thread thread_;  // last, so it starts after every other member is ready
};

}  // namespace runbookd::store
