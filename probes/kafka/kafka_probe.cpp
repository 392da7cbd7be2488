#include "probes/kafka/kafka_probe.hpp"

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <utility>

#include "daemon/core/blocking_pool.hpp"
#include "daemon/core/probe_guard.hpp"
#include "probes/kafka/kafka_config.hpp"
#include "probes/kafka/metadata_assessment.hpp"
#include "probes/kafka/metadata_fetch.hpp"

namespace runbookd::probes::kafka {

namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

// librdkafka's work must end a little before the run's deadline, so that its (more telling)
// answer reaches the probe before the deadline does.
SteadyTime BudgetEnd(SteadyTime deadline) {
  const auto timeout = deadline - std::chrono::steady_clock::now();
  const std::chrono::steady_clock::duration margin = std::clamp<std::chrono::steady_clock::duration>(
      timeout / 10, std::chrono::milliseconds(5), std::chrono::milliseconds(100));
  return deadline - margin;
}

class KafkaProbe final : public Probe {
 public:
  KafkaProbe(std::shared_ptr<const KafkaCheck> check, BlockingPool* pool, std::shared_ptr<spdlog::logger> logger)
      : check_(std::move(check)), pool_(pool), logger_(std::move(logger)) {}

  asio::awaitable<ProbeResult> Run(const ProbeContext& ctx) const override {
    co_return co_await RunGuarded([this, &ctx](ProbeResult& result) { return Check(ctx, result); });
  }

 private:
  asio::awaitable<void> Check(const ProbeContext& ctx, ProbeResult& result) const {
    if (pool_ == nullptr) {
      result = ProbeResult::Unknown(ProbeReason::kInternalError, "no blocking pool to run librdkafka on");
      co_return;
    }
    // The work owns what it uses: after a timeout it finishes on its own, maybe after this
    // probe was replaced by a reload.
    auto fetch = [check = check_, logger = logger_, budget_end = BudgetEnd(ctx.deadline)] {
      return FetchMetadata(*check, budget_end, logger);
    };
    auto outcome = co_await RunBlocking(*pool_, ctx.deadline, std::move(fetch));
    using Status = decltype(outcome)::Status;
    switch (outcome.status) {
      case Status::kSaturated:
        result = ProbeResult::Unknown(ProbeReason::kInternalError, "blocking pool saturated");
        break;
      case Status::kCancelled:
        result = ProbeResult::Unknown(ProbeReason::kTimeout, "cancelled");
        break;
      case Status::kTimedOut:
        result = ProbeResult::Unhealthy(ProbeReason::kTimeout,
                                        "no Metadata answer from " + check_->bootstrap + " within the timeout");
        break;
      case Status::kDone:
        result = outcome.value->metadata ? AssessMetadata(*outcome.value->metadata, check_->assessment)
                                         : std::move(outcome.value->failure);
        break;
    }
  }

  std::shared_ptr<const KafkaCheck> check_;
  BlockingPool* pool_;
  std::shared_ptr<spdlog::logger> logger_;
};

}  // namespace

ProbeFactory MakeProbeFactory() {
  return [](const config::Node& spec, const ProbeDeps& deps) -> std::unique_ptr<Probe> {
    auto check = ReadKafkaProbeSpec(spec);
    if (!check) return nullptr;
    return std::make_unique<KafkaProbe>(std::make_shared<const KafkaCheck>(std::move(*check)), deps.blocking,
                                        deps.logger);
  };
}

}  // namespace runbookd::probes::kafka
