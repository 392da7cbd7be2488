# Issue "Gated remediation", scenarios 1 and 4 against the real daemon: a rollout undo that waits
# for approval (runbookctl, a signed Slack click), expires unanswered, or is refused as stale; with
# the fake cluster and Slack / PagerDuty fakes.
runbookd_add_test(integration_scenario_approval LABEL integration
                  SOURCES integration/scenario_approval_test.cpp integration/scenario_approval_slack_test.cpp
                          integration/scenario_approval_expiry_test.cpp
                  LIBS runbookd_fake_kube runbookd_notify Boost::json)
add_dependencies(integration_scenario_approval runbookd runbookctl)
