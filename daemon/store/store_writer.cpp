#include "daemon/store/store_writer.hpp"

#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <exception>
#include <utility>

namespace runbookd::store {

StoreWriter::StoreWriter(Store store, boost::asio::any_io_executor completions, WriterOptions options)
    : store_(std::move(store)), completions_(std::move(completions)), options_(options), thread_([this] { Run(); }) {}

StoreWriter::~StoreWriter() { Stop(); }

void StoreWriter::Submit(Job job, Completion done) {
  std::unique_lock lock(mutex_);
  if (stopping_) {
    lock.unlock();
    return Reject(std::move(done), Error{ErrorCode::kShuttingDown, "store writer is shutting down"});
  }
  if (queue_.size() >= options_.max_queued_jobs) {
    lock.unlock();
    return Reject(std::move(done),
                  Error{ErrorCode::kQueueFull,
                        "store writer queue is full (" + std::to_string(options_.max_queued_jobs) + " jobs waiting)"});
  }
  queue_.push_back(Pending{std::move(job), std::move(done),
                           boost::asio::prefer(completions_, boost::asio::execution::outstanding_work.tracked)});
  lock.unlock();
  wake_.notify_one();
}

void StoreWriter::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

WriterStats StoreWriter::stats() const {
  return WriterStats{commits_.load(), failed_batches_.load(), jobs_succeeded_.load(), jobs_failed_.load(),
                     jobs_rejected_.load()};
}

void StoreWriter::Run() {
  while (true) {
    std::vector<Pending> batch = TakeBatch();
    if (batch.empty()) break;  // stopping, and the queue is drained
    RunBatch(batch);
  }
  store_.reset();  // the last connection closes: SQLite checkpoints the WAL into the main file
}

// Waits for work; then takes everything queued (up to max_batch_jobs) as one batch.
std::vector<StoreWriter::Pending> StoreWriter::TakeBatch() {
  std::unique_lock lock(mutex_);
  wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
  std::vector<Pending> batch;
  const size_t n = std::min(queue_.size(), options_.max_batch_jobs);
  batch.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    batch.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  return batch;
}

void StoreWriter::RunBatch(std::vector<Pending>& batch) {
  std::vector<Status> results(batch.size());
  Status transaction = store_->Begin();
  for (size_t i = 0; transaction && i < batch.size(); ++i) {
    results[i] = RunJob(batch[i].job);
    // After an I/O error or disk full SQLite may abandon the whole transaction by itself.
    if (!results[i] && !store_->InTransaction()) {
      transaction = Error{results[i].error().code, "transaction abandoned: " + results[i].error().message};
    }
  }
  if (transaction) transaction = store_->Commit();
  if (transaction) {
    commits_.fetch_add(1);
  } else {
    store_->Rollback();
    failed_batches_.fetch_add(1);
    for (auto& result : results) {
      if (result) result = transaction;  // nothing of the batch is visible
    }
  }
  Complete(batch, results);
}

// Runs one job inside its own savepoint; a failed job leaves no trace in the transaction.
Status StoreWriter::RunJob(const Job& job) {
  if (auto s = store_->Savepoint(); !s) return s;
  Status result;
  try {
    result = job(*store_);
  } catch (const std::exception& e) {
    result = Error{ErrorCode::kJobFailed, std::string("store job threw: ") + e.what()};
  } catch (...) {
    result = Error{ErrorCode::kJobFailed, "store job threw a non-exception"};
  }
  if (result) result = store_->ReleaseSavepoint();
  if (!result && store_->InTransaction()) (void)store_->RollbackToSavepoint();
  return result;
}

// One post per batch: the completions run on the executor in submission order. The batch's
// tracked executors are released after the post, when the caller drops the batch.
void StoreWriter::Complete(std::vector<Pending>& batch, std::vector<Status>& results) {
  std::vector<std::pair<Completion, Status>> completions;
  completions.reserve(batch.size());
  for (size_t i = 0; i < batch.size(); ++i) {
    (results[i] ? jobs_succeeded_ : jobs_failed_).fetch_add(1);
    completions.emplace_back(std::move(batch[i].done), std::move(results[i]));
  }
  boost::asio::post(completions_, [completions = std::move(completions)]() mutable {
    for (auto& [done, status] : completions) done(std::move(status));
  });
}

void StoreWriter::Reject(Completion done, Error error) {
  jobs_rejected_.fetch_add(1);
  boost::asio::post(completions_, [done = std::move(done), error = std::move(error)]() { done(error); });
}

}  // namespace runbookd::store
