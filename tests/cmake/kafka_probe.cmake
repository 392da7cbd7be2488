# The kafka probe and the blocking pool it runs on.

# The pool's bounded queue, deadline, cancellation and late results; the pure metadata
# assessment (ISR < replicas is only reachable here: librdkafka's mock reports ISR = replicas);
# statistics parsing; spec errors.
runbookd_add_test(unit_kafka_probe LABEL unit
                  SOURCES unit/blocking_pool_test.cpp unit/kafka_assessment_test.cpp unit/kafka_config_test.cpp
                  LIBS runbookd_engine runbookd_probe_kafka)
# The probe against librdkafka's mock cluster (in-process, on loopback) and a blackholed port.
runbookd_add_test(integration_kafka_probe LABEL integration SOURCES integration/kafka_probe_test.cpp
                  LIBS runbookd_engine runbookd_probe_kafka)
