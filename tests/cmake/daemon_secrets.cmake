# Issue 6, acceptance 3: the whole daemon with every kind of secret configured at once (API tokens,
# cluster token, AWS keys, database and HTTP passwords, every notifier's secrets, the approval hook),
# driven through the error paths; no secret may show in its log, API answers, metrics, runbookctl's
# output or its store. A real PostgreSQL (runbookd_test_postgres, from postgres_probe.cmake), the fake
# cluster and the fake AWS.
runbookd_add_test(integration_daemon_secrets LABEL integration SOURCES integration/daemon_secrets_test.cpp
                  LIBS runbookd_fake_kube runbookd_test_postgres Boost::json Boost::url)
add_dependencies(integration_daemon_secrets runbookd runbookctl)
