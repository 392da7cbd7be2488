# Notifiers and the retry stage: signatures, interaction payloads, templates, event and payload JSON,
# settings, and Delivery's decisions with recorded waits (unit); each notifier against fake servers
# on loopback, and no secret in any log line, detail or error (integration).
runbookd_add_test(unit_notify LABEL unit
                  SOURCES unit/notify_slack_test.cpp unit/notify_templates_test.cpp unit/notify_pagerduty_test.cpp
                          unit/notify_webhook_test.cpp unit/notify_delivery_test.cpp unit/notify_settings_test.cpp
                  LIBS runbookd_notify Boost::json Boost::url)
runbookd_add_test(integration_notify LABEL integration
                  SOURCES integration/notify_notifiers_test.cpp integration/notify_secrets_test.cpp
                  LIBS runbookd_notify Boost::json spdlog::spdlog)
# The daemon's notification hub: the escalation ladder on a manual clock, stopped by acknowledgement.
runbookd_add_test(unit_notify_hub LABEL unit SOURCES unit/notify_hub_test.cpp LIBS runbookd_app)
# Acknowledgement with the real daemon: runbookctl ack, PagerDuty's acknowledge, kept across a restart.
runbookd_add_test(integration_acknowledge LABEL integration SOURCES integration/acknowledge_test.cpp
                  LIBS runbookd_fake_kube Boost::json)
add_dependencies(integration_acknowledge runbookd runbookctl)
