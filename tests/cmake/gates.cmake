# Budget, freeze, dependency and exec-hook gates, the escalation ladder and `gates:`/`escalation:`.
runbookd_add_test(unit_gates LABEL unit
                  SOURCES unit/gates_budget_test.cpp unit/gates_freeze_test.cpp unit/gates_escalation_test.cpp
                          unit/gates_settings_test.cpp
                  LIBS runbookd_gates runbookd_store)
runbookd_add_test(integration_exec_hook_gate LABEL integration SOURCES integration/exec_hook_gate_test.cpp
                  LIBS runbookd_gates)
