# Probes and actions through the real client against the fake API server; the daemon with it.
runbookd_add_test(integration_k8s_against_fake LABEL integration
                  SOURCES integration/k8s_probes_fake_test.cpp integration/k8s_plan_binding_test.cpp
                  LIBS runbookd_fake_kube runbookd_k8s_client runbookd_probe_k8s_workload runbookd_probe_k8s_endpoints
                       runbookd_probe_k8s_nodes runbookd_action_k8s_rollout_undo runbookd_action_k8s_rollout_restart
                       runbookd_action_k8s_scale spdlog::spdlog)
runbookd_add_test(integration_k8s_daemon LABEL integration SOURCES integration/k8s_daemon_test.cpp
                  LIBS runbookd_fake_kube runbookd_store Boost::json)
add_dependencies(integration_k8s_daemon runbookd runbookctl)
