#include "probes/rds/rds_probe.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>

#include "daemon/clients/aws/aws_api.hpp"
#include "daemon/core/probe_guard.hpp"
#include "probes/aws_common/aws_probe_errors.hpp"
#include "probes/rds/rds_assessment.hpp"
#include "probes/rds/rds_spec.hpp"

namespace runbookd::probes::rds {

namespace {

namespace asio = boost::asio;
constexpr std::string_view kType = "rds";

using aws_common::ResultOfApiError;

ProbeResult NoResult(std::string_view action) {
  return ProbeResult::Unknown(ProbeReason::kApiError,
                              "unexpected answer from RDS: " + std::string(action) + " returned no result element");
}

class RdsProbe final : public Probe {
 public:
  RdsProbe(std::shared_ptr<const aws::Api> api, RdsSpec spec) : api_(std::move(api)), spec_(std::move(spec)) {}

  asio::awaitable<ProbeResult> Run(const ProbeContext& ctx) const override {
    co_return co_await RunGuarded([this, &ctx](ProbeResult& result) { return Check(ctx, result); });
  }

 private:
  asio::awaitable<ProbeResult> DescribeInstance(const ProbeContext& ctx) const {
    const std::string& id = spec_.db_instance_identifier;
    auto call = api_->Query(ctx.executor, aws::AwsService::kRds, "DescribeDBInstances", {{"DBInstanceIdentifier", id}},
                            ctx.deadline);
    const aws::QueryReply reply = co_await std::move(call);
    if (!reply.error.ok()) co_return ResultOfApiError(reply, "DescribeDBInstances", "DB instance " + id);
    if (!reply.result) co_return NoResult("DescribeDBInstances");
    co_return AssessInstance(reply.result, id);
  }

  asio::awaitable<ProbeResult> DescribeCluster(const ProbeContext& ctx) const {
    const std::string& id = spec_.db_cluster_identifier;
    auto call = api_->Query(ctx.executor, aws::AwsService::kRds, "DescribeDBClusters", {{"DBClusterIdentifier", id}},
                            ctx.deadline);
    const aws::QueryReply reply = co_await std::move(call);
    if (!reply.error.ok()) co_return ResultOfApiError(reply, "DescribeDBClusters", "DB cluster " + id);
    if (!reply.result) co_return NoResult("DescribeDBClusters");
    co_return AssessCluster(reply.result, id);
  }

  asio::awaitable<void> Check(const ProbeContext& ctx, ProbeResult& result) const {
    using namespace asio::experimental::awaitable_operators;
    if (spec_.db_instance_identifier.empty()) {
      result = co_await DescribeCluster(ctx);
    } else if (spec_.db_cluster_identifier.empty()) {
      result = co_await DescribeInstance(ctx);
    } else {
      // Both at once: the run's deadline bounds the pair, not each call.
      auto cluster = DescribeCluster(ctx);
      auto instance = DescribeInstance(ctx);
      auto both = std::move(cluster) && std::move(instance);
      auto [cluster_result, instance_result] = co_await std::move(both);
      result = Combine(std::move(cluster_result), std::move(instance_result));
    }
  }

  std::shared_ptr<const aws::Api> api_;
  RdsSpec spec_;
};

}  // namespace

ProbeFactory MakeProbeFactory() {
  return [](const config::Node& spec, const ProbeDeps& deps) -> std::unique_ptr<Probe> {
    const bool connected = deps.aws != nullptr;
    if (!connected) {
      spec.Error("probe type " + std::string(kType) + " needs a connection of type aws (set connection: NAME)");
    }
    if (!spec.defined() || !spec.is_map()) {
      spec.Error(
          spec.defined()
              ? "the rds probe's spec must be a mapping"
              : "the rds probe needs a spec with \"db_instance_identifier\", \"db_cluster_identifier\", or both");
      return nullptr;
    }
    const std::size_t errors_before = spec.diagnostics().items().size();
    RdsSpec parsed = ReadSpec(spec);
    if (!connected || spec.diagnostics().items().size() != errors_before) return nullptr;
    return std::make_unique<RdsProbe>(deps.aws, std::move(parsed));
  };
}

}  // namespace runbookd::probes::rds
