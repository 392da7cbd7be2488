# kubectl conformance: the real kubectl (1.29 and 1.33) and runbookd's native actions on twin fakes.
runbookd_add_test(integration_k8s_conformance LABEL integration
                  SOURCES integration/k8s_conformance_test.cpp integration/k8s_rollout_status_conformance_test.cpp
                  LIBS runbookd_fake_kube runbookd_k8s_client runbookd_action_k8s_rollout_undo
                       runbookd_action_k8s_rollout_restart runbookd_action_k8s_scale runbookd_action_k8s_delete_pod
                       runbookd_action_k8s_rollout_status spdlog::spdlog)
