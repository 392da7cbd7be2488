# AWS in the daemon: `connections:` entries of type aws read and handed to probes and actions (unit),
# and a Kubernetes connection whose kubeconfig runs `aws eks get-token` served by runbookd's own EKS
# token: the argument forms and the region (unit), and against the fake API server (integration).

runbookd_add_test(unit_aws_connection_settings LABEL unit SOURCES unit/aws_connection_settings_test.cpp
                  LIBS runbookd_app)
runbookd_add_test(unit_aws_eks_kubeconfig LABEL unit SOURCES unit/aws_eks_kubeconfig_test.cpp
                  LIBS runbookd_k8s_client)
runbookd_add_test(integration_aws_eks_auth LABEL integration SOURCES integration/aws_eks_auth_test.cpp
                  LIBS runbookd_k8s_client runbookd_fake_kube)

# The daemon with an aws connection to the fake AWS endpoint: probes, and rds-failover's dry run
# printing the plan without calling FailoverDBCluster.
runbookd_add_test(integration_aws_daemon LABEL integration SOURCES integration/aws_daemon_test.cpp LIBS Boost::json)
add_dependencies(integration_aws_daemon runbookd runbookctl)
