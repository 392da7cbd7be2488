#include "daemon/store/store_writer.hpp"

#include <catch2/catch.hpp>
#include <future>
#include <thread>

#include "tests/unit/store_fault_vfs.hpp"
#include "tests/unit/store_test_support.hpp"

using namespace runbookd;
using namespace runbookd::store;
using namespace runbookd::testing;
using namespace std::chrono_literals;

namespace {

Store OpenStore(const std::string& path, const OpenOptions& options = {}) {
  auto store = Store::Open(path, options);
  REQUIRE(store.ok());
  return std::move(store).value();
}

StoreWriter::Job UpsertJob(const std::string& fingerprint) {
  return [fingerprint](Store& store) -> Status {
    auto upserted = store.UpsertAlert(FiringAlert(fingerprint, At(0), At(1)));
    if (!upserted) return upserted.error();
    return Ok();
  };
}

// Holds the writer thread inside a job until released, so that the jobs submitted meanwhile
// are all waiting when it comes back: they form the next batch, deterministically.
class WriterGate {
 public:
  StoreWriter::Job Job() {
    return [this](Store&) -> Status {
      entered_.set_value();
      release_.get_future().wait();
      return Ok();
    };
  }
  bool WaitEntered() { return entered_.get_future().wait_for(30s) == std::future_status::ready; }
  void Release() { release_.set_value(); }

 private:
  std::promise<void> entered_;
  std::promise<void> release_;
};

// Completion results, in the order the completions ran.
struct Completions {
  std::vector<Status> results;
  StoreWriter::Completion Record() {
    return [this](Status status) { results.push_back(std::move(status)); };
  }
  size_t size() const { return results.size(); }
};

bool HasAlert(Store& store, const std::string& fingerprint) {
  auto alert = store.GetAlert(fingerprint, At(0));
  REQUIRE(alert.ok());
  return alert->has_value();
}

}  // namespace

TEST_CASE("jobs submitted from another thread are group-committed", "[store][writer]") {
  TempDir dir;
  const std::string path = dir.path() + "/runbookd.db";
  boost::asio::io_context io;
  Completions done;
  constexpr int kJobs = 500;
  {
    StoreWriter writer(OpenStore(path), io.get_executor());
    WriterGate gate;
    writer.Submit(gate.Job(), done.Record());
    REQUIRE(gate.WaitEntered());
    std::thread producer([&] {
      for (int i = 0; i < kJobs; ++i) writer.Submit(UpsertJob("fp" + std::to_string(i)), done.Record());
    });
    producer.join();
    gate.Release();

    REQUIRE(RunUntil(io, [&] { return done.size() == kJobs + 1; }));
    for (const auto& result : done.results) CHECK(result.ok());
    const WriterStats stats = writer.stats();
    CHECK(stats.commits == 2);  // the gate's batch, then all 500 at once
    CHECK(stats.jobs_succeeded == kJobs + 1);
  }
  Store store = OpenStore(path);
  for (int i = 0; i < kJobs; ++i) CHECK(HasAlert(store, "fp" + std::to_string(i)));
}

TEST_CASE("a failing job is undone alone and the others of its batch commit", "[store][writer]") {
  TempDir dir;
  const std::string path = dir.path() + "/runbookd.db";
  boost::asio::io_context io;
  Completions done;
  {
    StoreWriter writer(OpenStore(path), io.get_executor());
    WriterGate gate;
    writer.Submit(gate.Job(), done.Record());
    REQUIRE(gate.WaitEntered());
    writer.Submit(UpsertJob("before"), done.Record());
    writer.Submit(
        [](Store& store) -> Status {
          // Writes, then fails: its write must be undone. (No REQUIRE here: not the test thread.)
          auto upserted = store.UpsertAlert(FiringAlert("failed", At(0), At(1)));
          if (!upserted) return upserted.error();
          return Error{ErrorCode::kInvalidArgument, "this job changed its mind"};
        },
        done.Record());
    writer.Submit([](Store&) -> Status { throw std::runtime_error("boom"); }, done.Record());
    writer.Submit(UpsertJob("after"), done.Record());
    gate.Release();

    REQUIRE(RunUntil(io, [&] { return done.size() == 5; }));
    CHECK(done.results[1].ok());
    REQUIRE_FALSE(done.results[2].ok());
    CHECK(done.results[2].error().message == "this job changed its mind");
    REQUIRE_FALSE(done.results[3].ok());
    CHECK(done.results[3].error().code == ErrorCode::kJobFailed);
    CHECK(done.results[4].ok());
    CHECK(writer.stats().commits == 2);
    CHECK(writer.stats().jobs_failed == 2);
  }
  Store store = OpenStore(path);
  CHECK(HasAlert(store, "before"));
  CHECK(HasAlert(store, "after"));
  CHECK_FALSE(HasAlert(store, "failed"));
}

TEST_CASE("a full queue rejects jobs, and stopping drains what is queued", "[store][writer]") {
  TempDir dir;
  const std::string path = dir.path() + "/runbookd.db";
  boost::asio::io_context io;
  Completions done;
  {
    StoreWriter writer(OpenStore(path), io.get_executor(), WriterOptions{.max_queued_jobs = 3, .max_batch_jobs = 2});
    WriterGate gate;
    writer.Submit(gate.Job(), done.Record());
    REQUIRE(gate.WaitEntered());
    for (int i = 0; i < 4; ++i) writer.Submit(UpsertJob("fp" + std::to_string(i)), done.Record());
    REQUIRE(RunUntil(io, [&] { return done.size() == 1; }));  // the 4th was rejected at once
    CHECK(done.results[0].error().code == ErrorCode::kQueueFull);

    std::thread stopper([&] { writer.Stop(); });
    gate.Release();
    stopper.join();
    writer.Submit(UpsertJob("late"), done.Record());
    REQUIRE(RunUntil(io, [&] { return done.size() == 6; }));
    CHECK(done.results.back().error().code == ErrorCode::kShuttingDown);
    CHECK(writer.stats().commits == 3);  // gate, then 2 + 1 (max_batch_jobs = 2)
    CHECK(writer.stats().jobs_rejected == 2);
  }
  Store store = OpenStore(path);
  for (int i = 0; i < 3; ++i) CHECK(HasAlert(store, "fp" + std::to_string(i)));
  CHECK_FALSE(HasAlert(store, "fp3"));
}

TEST_CASE("while writes fail, commits fail with an error and nothing is visible, then they succeed",
          "[store][writer][unwritable]") {
  TempDir dir;
  const std::string path = dir.path() + "/runbookd.db";
  const OpenOptions faulty{.vfs = FaultVfsName()};

  SECTION("the Store itself") {
    Store store = OpenStore(path, faulty);
    SetStoreWritesFail(true);
    REQUIRE(store.Begin().ok());
    REQUIRE(store.UpsertAlert(FiringAlert("lost", At(0), At(1))).ok());  // still in memory
    auto committed = store.Commit();
    SetStoreWritesFail(false);
    REQUIRE_FALSE(committed.ok());
    CHECK(committed.error().code == ErrorCode::kIo);
    store.Rollback();
    CHECK_FALSE(HasAlert(store, "lost"));

    REQUIRE(store.Begin().ok());
    REQUIRE(store.UpsertAlert(FiringAlert("kept", At(0), At(1))).ok());
    REQUIRE(store.Commit().ok());
  }
  SECTION("through StoreWriter") {
    boost::asio::io_context io;
    Completions done;
    StoreWriter writer(OpenStore(path, faulty), io.get_executor());
    SetStoreWritesFail(true);
    for (int i = 0; i < 3; ++i) writer.Submit(UpsertJob("lost" + std::to_string(i)), done.Record());
    REQUIRE(RunUntil(io, [&] { return done.size() == 3; }));
    SetStoreWritesFail(false);
    for (const auto& result : done.results) {
      REQUIRE_FALSE(result.ok());
      CHECK(result.error().code == ErrorCode::kIo);
    }
    CHECK(writer.stats().failed_batches >= 1);
    writer.Submit(UpsertJob("kept"), done.Record());
    REQUIRE(RunUntil(io, [&] { return done.size() == 4; }));
    CHECK(done.results.back().ok());
    writer.Stop();
  }
  SetStoreWritesFail(false);
  Store store = OpenStore(path);
  CHECK(HasAlert(store, "kept"));
  for (const char* lost : {"lost", "lost0", "lost1", "lost2"}) CHECK_FALSE(HasAlert(store, lost));
}
