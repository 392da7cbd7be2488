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
#include "probes/rds/rds_assessment.hpp"
#include "probes/rds/rds_spec.hpp"

namespace runbookd::probes::rds {

namespace {

namespace asio = boost::asio;
constexpr std::string_view kType = "rds";
constexpr std::size_t kMaxMessage = 300;

// The client always writes a message; the fallback covers an error made by hand.
std::string KindText(aws::ApiErrorKind kind) {
  switch (kind) {
    case aws::ApiErrorKind::kCredentials:
      return "no usable AWS credentials";
    case aws::ApiErrorKind::kTimeout:
    case aws::ApiErrorKind::kCancelled:
      return "no answer before the deadline";
    case aws::ApiErrorKind::kTransport:
      return "no answer from the endpoint";
    default:
      return "failed";
  }
}

// "DescribeDBClusters: 404 DBClusterNotFoundFault: DBCluster prod-db not found."
std::string Describe(const aws::QueryReply& reply, std::string_view action) {
  const aws::ApiError& error = reply.error;
  std::string out = std::string(action) + ": ";
  if (error.http_status != 0) out += std::to_string(error.http_status) + " ";
  if (!error.code.empty()) out += error.code + ": ";
  std::string message = error.message.empty() ? KindText(error.kind) : error.message;
  for (char& c : message) c = (c == '\n' || c == '\r') ? ' ' : c;
  if (message.size() > kMaxMessage) message = message.substr(0, kMaxMessage) + "...";
  out += message;
  if (reply.attempts > 1) out += " (after " + std::to_string(reply.attempts) + " attempts)";
  return out;
}

// The mapping of a failed call to the probe's result (table in the README); the same as
// alb_target_health's. `object` names what the call asked for, for a not_found.
ProbeResult ResultOfApiError(const aws::QueryReply& reply, std::string_view action, std::string_view object) {
  std::string detail = Describe(reply, action);
  switch (reply.error.kind) {
    case aws::ApiErrorKind::kTimeout:
    case aws::ApiErrorKind::kCancelled:
      return ProbeResult::Unknown(ProbeReason::kTimeout, std::move(detail));
    case aws::ApiErrorKind::kTransport:
      return ProbeResult::Unknown(ProbeReason::kConnectionFailed, std::move(detail));
    case aws::ApiErrorKind::kCredentials:
    case aws::ApiErrorKind::kAuth:
      return ProbeResult::Unknown(ProbeReason::kUnauthorized, std::move(detail));
    case aws::ApiErrorKind::kNotFound:
      return ProbeResult::Unhealthy(ProbeReason::kNotFound, std::string(object) + " not found (" + detail + ")");
    default:
      return ProbeResult::Unknown(ProbeReason::kApiError, std::move(detail));
  }
}

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
