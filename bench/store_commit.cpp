// Durable alert upserts per second through StoreWriter (group commit, WAL, synchronous=FULL).
//
//   bench_store_commit [TOTAL_ALERTS]
//
// Closed loop on one io_context thread: each completion submits the next job, with a fixed
// number of jobs in flight. In flight = 1 shows the cost of one fsync per job; more jobs in
// flight is what concurrent webhooks look like, and shows what group commit buys.
#include <stdlib.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "daemon/store/store_writer.hpp"

namespace {

using namespace runbookd;
using namespace runbookd::store;

struct Run {
  int alerts_per_job;
  int jobs_in_flight;
};

AlertRecord MakeAlert(uint64_t n) {
  AlertRecord alert;
  alert.fingerprint = "bench" + std::to_string(n);
  alert.starts_at = WallTime(std::chrono::seconds(1'800'000'000));
  alert.labels = {{"alertname", "BenchAlert"}, {"instance", "host-" + std::to_string(n % 100)}, {"severity", "page"}};
  alert.annotations = {{"summary", "benchmark alert"}};
  alert.generator_url = "http://prometheus:9090/graph?g0.expr=up";
  alert.receiver = "runbookd";
  alert.group_key = "{}:{alertname=\"BenchAlert\"}";
  alert.seen_at = std::chrono::system_clock::now();
  return alert;
}

// One closed-loop run on a fresh store file; prints one line.
int Measure(const std::string& dir, const Run& run, uint64_t total_alerts) {
  const std::string path =
      dir + "/bench-" + std::to_string(run.alerts_per_job) + "-" + std::to_string(run.jobs_in_flight) + ".db";
  auto store = Store::Open(path);
  if (!store) return std::fprintf(stderr, "%s\n", store.error().message.c_str()), 1;

  boost::asio::io_context io;
  StoreWriter writer(std::move(store).value(), io.get_executor());
  const uint64_t jobs = total_alerts / run.alerts_per_job;
  uint64_t submitted = 0;
  uint64_t completed = 0;
  uint64_t failed = 0;
  std::function<void()> submit_next = [&] {
    const uint64_t first = submitted++ * run.alerts_per_job;
    writer.Submit(
        [first, n = run.alerts_per_job](Store& s) -> Status {
          for (int i = 0; i < n; ++i) {
            auto upserted = s.UpsertAlert(MakeAlert(first + i));
            if (!upserted) return upserted.error();
          }
          return Ok();
        },
        [&](Status status) {
          ++completed;
          if (!status) ++failed;
          if (submitted < jobs) submit_next();
        });
  };

  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < run.jobs_in_flight && submitted < jobs; ++i) submit_next();
  while (completed < jobs && io.run_one() > 0) {
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const auto stats = writer.stats();
  writer.Stop();
  std::printf("%6d alerts/job  %4d jobs in flight  %8.0f alerts/s  %7.0f jobs/s  %6llu commits  %5.1f jobs/commit%s\n",
              run.alerts_per_job, run.jobs_in_flight, static_cast<double>(jobs * run.alerts_per_job) / seconds,
              static_cast<double>(jobs) / seconds, static_cast<unsigned long long>(stats.commits),
              static_cast<double>(jobs) / static_cast<double>(std::max<uint64_t>(stats.commits, 1)),
              failed ? "  (FAILURES)" : "");
  return failed ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  const uint64_t total_alerts = argc > 1 ? std::stoull(argv[1]) : 50'000;
  const char* tmp = std::getenv("TMPDIR");
  std::string dir = std::string(tmp ? tmp : "/tmp") + "/bench-store-XXXXXX";
  if (mkdtemp(dir.data()) == nullptr) return std::perror("mkdtemp"), 1;

  std::printf("durable upserts (WAL, synchronous=FULL) on %s, %llu alerts per run\n", dir.c_str(),
              static_cast<unsigned long long>(total_alerts));
  int failures = 0;
  for (const Run run : {Run{1, 1}, Run{1, 50}, Run{1, 500}, Run{50, 1}, Run{50, 20}}) {
    // One job at a time pays one fsync per job: keep that run short.
    failures += Measure(dir, run, run.jobs_in_flight == 1 ? total_alerts / 10 : total_alerts);
  }
  std::filesystem::remove_all(dir);
  return failures == 0 ? 0 : 1;
}
