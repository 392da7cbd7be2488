# recent_rollout: the rule condition, ComputeRolloutFacts, the watcher (its deciding half and its
# polling loop against a scripted client), and rule tests with rollout inputs. The rule-test code is
# runbookctl's own, compiled in, so these tests do not wait for the whole runbookctl to build.
runbookd_add_test(unit_rules_rollout LABEL unit
                  SOURCES unit/rules_rollout_test.cpp unit/rollout_facts_test.cpp unit/rollout_tracker_test.cpp
                          unit/rollout_watcher_test.cpp unit/rule_tests_rollout_test.cpp
                          ${PROJECT_SOURCE_DIR}/daemon/ctl/rule_tests.cpp
                          ${PROJECT_SOURCE_DIR}/daemon/ctl/rule_test_inputs.cpp
                          ${PROJECT_SOURCE_DIR}/daemon/ctl/rule_test_parser.cpp
                          ${PROJECT_SOURCE_DIR}/daemon/ctl/rule_test_report.cpp
                          ${PROJECT_SOURCE_DIR}/daemon/ctl/rule_test_runner.cpp
                  LIBS runbookd_engine runbookd_rules runbookd_config Boost::json spdlog::spdlog)
