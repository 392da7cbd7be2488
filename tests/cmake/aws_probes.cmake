# The AWS probe types (alb_target_health, rds): their judgements, API-error mapping and config
# errors against a scripted aws::Api (unit).
runbookd_add_test(unit_aws_probes LABEL unit
                  SOURCES unit/aws_alb_target_health_probe_test.cpp unit/aws_rds_probe_test.cpp
                  LIBS runbookd_probe_alb_target_health runbookd_probe_rds)
# Both probes through the real client (aws::MakeApi) against the fake AWS endpoint (integration).
runbookd_add_test(integration_aws_probes LABEL integration SOURCES integration/aws_probes_fake_test.cpp
                  LIBS runbookd_probe_alb_target_health runbookd_probe_rds Boost::json)
