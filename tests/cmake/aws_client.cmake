# The AWS client: SigV4 against the official vectors and golden values, the credential sources' pure
# parts (unit); the credential chain against fake STS / container / IMDS endpoints, and no secret in
# logs or errors (integration); runbookd held to the real awscli under faketime (integration).

runbookd_add_test(unit_aws_sigv4 LABEL unit
                  SOURCES unit/aws_sigv4_vectors_test.cpp unit/aws_sigv4_test.cpp unit/aws_eks_token_test.cpp
                  LIBS runbookd_aws_client)
runbookd_add_test(unit_aws_credentials LABEL unit SOURCES unit/aws_credentials_test.cpp unit/aws_connection_test.cpp
                  LIBS runbookd_aws_client)
runbookd_add_test(integration_aws_credentials LABEL integration
                  SOURCES integration/aws_credential_chain_test.cpp integration/aws_credentials_secrets_test.cpp
                  LIBS runbookd_aws_client)

# awscli 1.45 (pip, on the default python3) and Debian's faketime. The image has both; without them
# the test fails and says which is missing rather than passing silently.
find_program(RUNBOOKD_AWS_CLI_PROGRAM aws)
find_program(RUNBOOKD_FAKETIME_PROGRAM faketime)
runbookd_add_test(integration_aws_sigv4_awscli LABEL integration SOURCES integration/aws_awscli_test.cpp
                  LIBS runbookd_aws_client Boost::json)
target_compile_definitions(integration_aws_sigv4_awscli PRIVATE RUNBOOKD_AWS_CLI="${RUNBOOKD_AWS_CLI_PROGRAM}"
                                                                RUNBOOKD_FAKETIME="${RUNBOOKD_FAKETIME_PROGRAM}")
