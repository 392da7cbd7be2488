# Scenarios 5 (SIGKILL mid-action, restart) and 8 (shadow mode) of the gated-remediation issue:
# the real daemon against the fake cluster, Slack and PagerDuty.
runbookd_add_test(integration_scenario_restart LABEL integration SOURCES integration/scenario_restart_test.cpp
                  LIBS runbookd_fake_kube runbookd_store Boost::json)
add_dependencies(integration_scenario_restart runbookd runbookctl)
runbookd_add_test(integration_scenario_shadow LABEL integration SOURCES integration/scenario_shadow_test.cpp
                  LIBS runbookd_fake_kube Boost::json)
add_dependencies(integration_scenario_shadow runbookd runbookctl)
