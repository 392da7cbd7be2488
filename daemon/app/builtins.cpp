#include "daemon/app/builtins.hpp"

#include "probes/alb_target_health/alb_target_health_probe.hpp"
#include "probes/dns/dns_probe.hpp"
#include "probes/http/http_probe.hpp"
#include "probes/k8s_endpoints/k8s_endpoints_probe.hpp"
#include "probes/k8s_events/k8s_events_probe.hpp"
#include "probes/k8s_nodes/k8s_nodes_probe.hpp"
#include "probes/k8s_workload/k8s_workload_probe.hpp"
#include "probes/kafka/kafka_probe.hpp"
#include "probes/postgres/postgres_probe.hpp"
#include "probes/rds/rds_probe.hpp"
#include "probes/redis/redis_probe.hpp"
#include "probes/tcp/tcp_probe.hpp"
#include "probes/tls_cert/tls_cert_probe.hpp"
#include "remediations/eks_nodegroup_scale/eks_nodegroup_scale_action.hpp"
#include "remediations/k8s_delete_pod/k8s_delete_pod_action.hpp"
#include "remediations/k8s_rollout_restart/k8s_rollout_restart_action.hpp"
#include "remediations/k8s_rollout_status/k8s_rollout_status_action.hpp"
#include "remediations/k8s_rollout_undo/k8s_rollout_undo_action.hpp"
#include "remediations/k8s_scale/k8s_scale_action.hpp"
#include "remediations/rds_failover/rds_failover_action.hpp"

namespace runbookd {

Registry MakeBuiltinRegistry() {
  Registry r;
  // Probe types (`probes[].type`).
  r.AddProbeType("alb_target_health", probes::alb_target_health::MakeProbeFactory());
  r.AddProbeType("dns", probes::dns::MakeProbeFactory());
  r.AddProbeType("http", probes::http::MakeProbeFactory());
  r.AddProbeType("kafka", probes::kafka::MakeProbeFactory());
  r.AddProbeType("k8s_endpoints", probes::k8s_endpoints::MakeProbeFactory());
  r.AddProbeType("k8s_events", probes::k8s_events::MakeProbeFactory());
  r.AddProbeType("k8s_nodes", probes::k8s_nodes::MakeProbeFactory());
  r.AddProbeType("k8s_workload", probes::k8s_workload::MakeProbeFactory());
  r.AddProbeType("postgres", probes::postgres::MakeProbeFactory());
  r.AddProbeType("rds", probes::rds::MakeProbeFactory());
  r.AddProbeType("redis", probes::redis::MakeProbeFactory());
  r.AddProbeType("tcp", probes::tcp::MakeProbeFactory());
  r.AddProbeType("tls_cert", probes::tls_cert::MakeProbeFactory());
  // blackbox_exporter probers (`modules.*.prober`).
  r.AddModuleProber("dns", probes::dns::MakeModuleFactory());
  r.AddModuleProber("http", probes::http::MakeModuleFactory());
  r.AddModuleProber("tcp", probes::tcp::MakeModuleFactory());
  // Action types (`actions[].type`).
  r.AddActionType("eks_nodegroup_scale", remediations::eks_nodegroup_scale::MakeActionFactory());
  r.AddActionType("k8s_delete_pod", remediations::k8s_delete_pod::MakeActionFactory());
  r.AddActionType("k8s_rollout_restart", remediations::k8s_rollout_restart::MakeActionFactory());
  r.AddActionType("k8s_rollout_status", remediations::k8s_rollout_status::MakeActionFactory());
  r.AddActionType("k8s_rollout_undo", remediations::k8s_rollout_undo::MakeActionFactory());
  r.AddActionType("k8s_scale", remediations::k8s_scale::MakeActionFactory());
  r.AddActionType("rds_failover", remediations::rds_failover::MakeActionFactory());
  return r;
}

}  // namespace runbookd
