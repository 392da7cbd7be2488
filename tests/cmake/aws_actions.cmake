# The AWS actions (remediations/rds_failover, remediations/eks_nodegroup_scale): Plan/Execute against
# a scripted aws::Api (unit).
runbookd_add_test(unit_aws_actions LABEL unit
                  SOURCES unit/aws_rds_failover_action_test.cpp unit/aws_eks_nodegroup_scale_action_test.cpp
                  LIBS runbookd_action_rds_failover runbookd_action_eks_nodegroup_scale)

# Both actions through the real client (aws::MakeApi) against the fake AWS endpoint.
runbookd_add_test(integration_aws_actions LABEL integration SOURCES integration/aws_actions_fake_test.cpp
                  LIBS runbookd_action_rds_failover runbookd_action_eks_nodegroup_scale Boost::json)
