#include "daemon/core/probe_result.hpp"

namespace runbookd {

std::string_view ToString(ProbeStatus status) {
  switch (status) {
    case ProbeStatus::kHealthy:
      return "healthy";
    case ProbeStatus::kUnhealthy:
      return "unhealthy";
    case ProbeStatus::kUnknown:
      return "unknown";
  }
  return "unknown";
}

std::string_view ToString(ProbeReason reason) {
  switch (reason) {
    case ProbeReason::kOk:
      return "ok";
    case ProbeReason::kTimeout:
      return "timeout";
    case ProbeReason::kConnectionRefused:
      return "connection_refused";
    case ProbeReason::kConnectionFailed:
      return "connection_failed";
    case ProbeReason::kDnsError:
      return "dns_error";
    case ProbeReason::kTlsError:
      return "tls_error";
    case ProbeReason::kCertExpired:
      return "cert_expired";
    case ProbeReason::kCertUntrusted:
      return "cert_untrusted";
    case ProbeReason::kCertHostnameMismatch:
      return "cert_hostname_mismatch";
    case ProbeReason::kCertExpiringSoon:
      return "cert_expiring_soon";
    case ProbeReason::kHttpStatus:
      return "http_status";
    case ProbeReason::kBodyMismatch:
      return "body_mismatch";
    case ProbeReason::kBodyTooLarge:
      return "body_too_large";
    case ProbeReason::kRedirect:
      return "redirect";
    case ProbeReason::kSlowResponse:
      return "slow_response";
    case ProbeReason::kProtocolError:
      return "protocol_error";
    case ProbeReason::kExpectMismatch:
      return "expect_mismatch";
    case ProbeReason::kDnsRcode:
      return "dns_rcode";
    case ProbeReason::kDnsAnswerMismatch:
      return "dns_answer_mismatch";
    case ProbeReason::kSslMismatch:
      return "ssl_mismatch";
    case ProbeReason::kMisconfigured:
      return "misconfigured";
    case ProbeReason::kApiError:
      return "api_error";
    case ProbeReason::kUnauthorized:
      return "unauthorized";
    case ProbeReason::kNotFound:
      return "not_found";
    case ProbeReason::kNodesNotReady:
      return "nodes_not_ready";
    case ProbeReason::kReplicasUnavailable:
      return "replicas_unavailable";
    case ProbeReason::kProgressDeadline:
      return "progress_deadline";
    case ProbeReason::kCrashLoop:
      return "crash_loop";
    case ProbeReason::kImagePull:
      return "image_pull";
    case ProbeReason::kOomKilled:
      return "oom_killed";
    case ProbeReason::kContainerError:
      return "container_error";
    case ProbeReason::kNoEndpoints:
      return "no_endpoints";
    case ProbeReason::kWarningEvents:
      return "warning_events";
    case ProbeReason::kAuthFailed:
      return "auth_failed";
    case ProbeReason::kLoading:
      return "loading";
    case ProbeReason::kMasterDown:
      return "master_down";
    case ProbeReason::kReplicationBroken:
      return "replication_broken";
    case ProbeReason::kRoleMismatch:
      return "role_mismatch";
    case ProbeReason::kTooManyConnections:
      return "too_many_connections";
    case ProbeReason::kStarting:
      return "starting";
    case ProbeReason::kReplicaLag:
      return "replica_lag";
    case ProbeReason::kBrokersDown:
      return "brokers_down";
    case ProbeReason::kOfflinePartitions:
      return "offline_partitions";
    case ProbeReason::kUnderReplicated:
      return "under_replicated";
    case ProbeReason::kTopicMissing:
      return "topic_missing";
    case ProbeReason::kTargetsUnhealthy:
      return "targets_unhealthy";
    case ProbeReason::kLoadBalancerState:
      return "load_balancer_state";
    case ProbeReason::kDbStatus:
      return "db_status";
    case ProbeReason::kDbTransitioning:
      return "db_transitioning";
    case ProbeReason::kFailingOver:
      return "failing_over";
    case ProbeReason::kNoWriter:
      return "no_writer";
    case ProbeReason::kInternalError:
      return "internal_error";
  }
  return "internal_error";
}

const std::vector<ProbeReason>& AllProbeReasons() {
  static const std::vector<ProbeReason> kAll = [] {
    std::vector<ProbeReason> v;
    for (int i = 0; i <= static_cast<int>(ProbeReason::kInternalError); ++i) v.push_back(static_cast<ProbeReason>(i));
    return v;
  }();
  return kAll;
}

void ProbeResult::Observe(std::string name, double value) {
  for (auto& [n, v] : observations) {
    if (n == name) {
      v = value;
      return;
    }
  }
  observations.emplace_back(std::move(name), value);
}

const double* ProbeResult::Find(std::string_view name) const {
  for (const auto& [n, v] : observations) {
    if (n == name) return &v;
  }
  return nullptr;
}

ProbeResult ProbeResult::Healthy(std::string detail) {
  ProbeResult r;
  r.status = ProbeStatus::kHealthy;
  r.reason = ProbeReason::kOk;
  r.detail = std::move(detail);
  return r;
}

ProbeResult ProbeResult::Unhealthy(ProbeReason reason, std::string detail) {
  ProbeResult r;
  r.status = ProbeStatus::kUnhealthy;
  r.reason = reason;
  r.detail = std::move(detail);
  return r;
}

ProbeResult ProbeResult::Unknown(ProbeReason reason, std::string detail) {
  ProbeResult r;
  r.status = ProbeStatus::kUnknown;
  r.reason = reason;
  r.detail = std::move(detail);
  return r;
}

}  // namespace runbookd
