# The Kubernetes actions (remediations/k8s_*): their decision logic on `kubectl get -o json`
# fixtures, and Plan/Execute against a scripted client (tests/unit/k8s_actions_harness.hpp).
runbookd_add_test(unit_k8s_actions LABEL unit
                  SOURCES unit/k8s_rollout_undo_test.cpp unit/k8s_rollout_restart_test.cpp unit/k8s_scale_test.cpp
                          unit/k8s_delete_pod_test.cpp unit/k8s_rollout_status_test.cpp
                  LIBS runbookd_action_k8s_rollout_undo runbookd_action_k8s_rollout_restart runbookd_action_k8s_scale
                       runbookd_action_k8s_delete_pod runbookd_action_k8s_rollout_status)
