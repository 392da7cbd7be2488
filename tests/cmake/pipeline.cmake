# The gated action pipeline: its stages with a scripted action, a real store and gate lambdas.
runbookd_add_test(unit_action_pipeline LABEL unit SOURCES unit/action_pipeline_test.cpp LIBS runbookd_engine)
