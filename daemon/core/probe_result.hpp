#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace runbookd {

// unknown means the probe could not decide (misconfiguration, an internal error); it is never
// treated as healthy.
enum class ProbeStatus { kHealthy, kUnhealthy, kUnknown };

// Why a probe ended as it did. Closed: it is a metric label and rules may match on it.
enum class ProbeReason {
  kOk,
  kTimeout,               // the target did not answer within the probe's timeout
  kConnectionRefused,     // RST on connect
  kConnectionFailed,      // other network errors: unreachable, reset, closed early
  kDnsError,              // the target's name did not resolve
  kTlsError,              // TLS handshake failed for a reason other than the certificate
  kCertExpired,           // the peer's certificate (or one in its chain) is past notAfter
  kCertUntrusted,         // chain does not verify against the configured CAs
  kCertHostnameMismatch,  // certificate does not cover the name asked for
  kCertExpiringSoon,      // valid, but fewer days left than min_days_left
  kHttpStatus,            // status code not in expect_status
  kBodyMismatch,          // body regex failed (or a fail_if regex matched)
  kBodyTooLarge,          // body exceeded max_body_bytes
  kRedirect,              // redirect not allowed, or too many
  kSlowResponse,          // answered, but slower than the latency threshold
  kProtocolError,         // the peer spoke, but not the expected protocol
  kExpectMismatch,        // tcp send/expect dialogue did not match
  kDnsRcode,              // DNS answered with an rcode not in expect_rcode
  kDnsAnswerMismatch,     // DNS answers did not satisfy the expectations
  kSslMismatch,           // blackbox fail_if_ssl / fail_if_not_ssl
  kMisconfigured,         // the probe cannot run as configured (bad target, ...)
  // Kubernetes (probes/k8s_*). The API answered; what it said is the problem.
  kApiError,             // the API server refused the call (4xx/5xx other than auth), or its answer was unusable
  kUnauthorized,         // 401/403, or the credential could not be obtained (token file, exec plugin)
  kNotFound,             // the object to check does not exist
  kNodesNotReady,        // more nodes than allowed are not Ready
  kReplicasUnavailable,  // fewer available replicas than desired
  kProgressDeadline,     // Progressing=False with ProgressDeadlineExceeded
  kCrashLoop,            // a container waits in CrashLoopBackOff (whatever the pod's phase)
  kImagePull,            // ImagePullBackOff / ErrImagePull / InvalidImageName
  kOomKilled,            // a container's last termination was OOMKilled
  kContainerError,       // a container terminated with reason Error, or restarts too often
  kNoEndpoints,          // a Service has fewer ready addresses than min_ready
  kWarningEvents,        // Warning events in the window reached the threshold
  // Redis (probes/redis).
  kAuthFailed,         // the server refused our credentials, or wants some and none are configured
  kLoading,            // the server is loading its dataset (-LOADING) and answers no commands yet
  kMasterDown,         // a replica refuses commands while its master link is down (-MASTERDOWN)
  kReplicationBroken,  // a replica's link to its master is down
  kRoleMismatch,       // the server's role (master/replica) is not the expected one
  // PostgreSQL (probes/postgres); it reports kAuthFailed too.
  kTooManyConnections,  // no connection slot left (SQLSTATE 53300), or fewer free than connection_headroom
  kStarting,            // up but refusing connections: startup, shutdown, recovery (57P03, PQPING_REJECT)
  kReplicaLag,          // a standby's replay is further behind than max_replica_lag
  // Kafka (probes/kafka); it reports kAuthFailed (SASL) and kUnauthorized (ACLs) too.
  kBrokersDown,        // fewer brokers reachable than min_brokers
  kOfflinePartitions,  // a partition has no leader (leader -1), or its topic is unavailable
  kUnderReplicated,    // more partitions with ISR < replicas than max_under_replicated
  kTopicMissing,       // a topic listed in `topics` does not exist
  // AWS (probes/alb_target_health, probes/rds); they report kUnauthorized, kNotFound, kApiError too.
  kTargetsUnhealthy,   // fewer healthy targets in the target group than min_healthy
  kLoadBalancerState,  // the load balancer is not active (provisioning, active_impaired, failed)
  kDbStatus,           // a DB instance or cluster is failed, stopped or out of storage (or in a status not known)
  kDbTransitioning,    // a DB instance or cluster is changing state (modifying, rebooting, upgrading, ...)
  kFailingOver,        // a DB cluster (or instance) is failing over
  kNoWriter,           // a DB cluster has no writer member
  kInternalError,
};

std::string_view ToString(ProbeStatus status);
std::string_view ToString(ProbeReason reason);
// Every reason, in declaration order (for docs and for pre-creating metric series).
const std::vector<ProbeReason>& AllProbeReasons();

struct ProbeResult {
  ProbeStatus status = ProbeStatus::kUnknown;
  ProbeReason reason = ProbeReason::kInternalError;
  std::string detail;  // for humans; never contains a secret
  std::chrono::nanoseconds duration{0};
  // Numbers the probe measured. Names follow blackbox_exporter without the `probe_` prefix
  // (http_status_code, ssl_earliest_cert_expiry, dns_lookup_time_seconds, ...), so /probe
  // exposes each as probe_<name>.
  std::vector<std::pair<std::string, double>> observations;

  void Observe(std::string name, double value);
  // Sets the outcome of a run, keeping the observations made so far.
  void Conclude(ProbeStatus s, ProbeReason r, std::string why) {
    status = s;
    reason = r;
    detail = std::move(why);
  }
  const double* Find(std::string_view name) const;

  static ProbeResult Healthy(std::string detail = {});
  static ProbeResult Unhealthy(ProbeReason reason, std::string detail);
  static ProbeResult Unknown(ProbeReason reason, std::string detail);
};

}  // namespace runbookd
