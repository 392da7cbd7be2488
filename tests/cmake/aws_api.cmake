# The AWS API client (Query and REST-JSON calls, retries, error classification) and the fake AWS
# endpoint (tests/support/fake_aws/) that the AWS probes and actions are tested against: pure parts
# (unit), the client against the fake (integration), the fake held to the real awscli (integration).

# The harness is built into runbookd_test_support and finds its script through the source tree.
set_source_files_properties(support/fake_aws.cpp PROPERTIES COMPILE_DEFINITIONS
                            "RUNBOOKD_SOURCE_DIR=\"${PROJECT_SOURCE_DIR}\"")

runbookd_add_test(unit_aws_api LABEL unit SOURCES unit/aws_api_protocol_test.cpp unit/aws_api_retry_test.cpp
                  LIBS runbookd_aws_client Boost::json)
runbookd_add_test(integration_aws_api LABEL integration
                  SOURCES integration/aws_api_calls_test.cpp integration/aws_api_failures_test.cpp
                  LIBS runbookd_aws_client Boost::json)

# awscli 1.45 (pip, on the default python3). Without it the test fails and says so.
find_program(RUNBOOKD_AWS_CLI_PROGRAM aws)
runbookd_add_test(integration_fake_aws LABEL integration SOURCES integration/fake_aws_awscli_test.cpp
                  LIBS Boost::json)
target_compile_definitions(integration_fake_aws PRIVATE RUNBOOKD_AWS_CLI="${RUNBOOKD_AWS_CLI_PROGRAM}")
