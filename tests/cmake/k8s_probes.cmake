# The four Kubernetes probe types: their pure assessments on `kubectl get -o json`-shaped
# fixtures, their factories' config errors, and their calls against a canned client.
runbookd_add_test(unit_k8s_probes LABEL unit
                  SOURCES unit/k8s_nodes_probe_test.cpp unit/k8s_workload_probe_test.cpp
                          unit/k8s_endpoints_probe_test.cpp unit/k8s_events_probe_test.cpp
                  LIBS runbookd_probe_k8s_nodes runbookd_probe_k8s_workload runbookd_probe_k8s_endpoints
                       runbookd_probe_k8s_events Boost::json)
