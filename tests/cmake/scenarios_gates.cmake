# Gated remediation scenarios 2, 3 and 6 (issue 6) against the real daemon: the fake cluster,
# Slack and PagerDuty fakes; scenario 2 also a real PostgreSQL 15 and the fake AWS.
runbookd_add_test(e2e_scenario_gates_dependency LABEL e2e SOURCES integration/scenario_gates_dependency_test.cpp
                  LIBS runbookd_fake_kube runbookd_test_postgres Boost::json)
add_dependencies(e2e_scenario_gates_dependency runbookd runbookctl)
runbookd_add_test(integration_scenario_gates_budget LABEL integration SOURCES integration/scenario_gates_budget_test.cpp
                  LIBS runbookd_fake_kube Boost::json)
add_dependencies(integration_scenario_gates_budget runbookd runbookctl)
runbookd_add_test(integration_scenario_gates_freeze LABEL integration SOURCES integration/scenario_gates_freeze_test.cpp
                  LIBS runbookd_fake_kube Boost::json)
add_dependencies(integration_scenario_gates_freeze runbookd runbookctl)
