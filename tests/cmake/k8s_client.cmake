# The Kubernetes API client: kubeconfig and in-cluster settings (unit), and calls, TLS and
# credentials against a TestHttpServer (integration).
runbookd_add_test(unit_k8s_kubeconfig LABEL unit SOURCES unit/k8s_kubeconfig_test.cpp unit/k8s_kubeconfig_errors_test.cpp
                  LIBS runbookd_k8s_client)
runbookd_add_test(integration_k8s_client LABEL integration
                  SOURCES integration/k8s_client_test.cpp integration/k8s_client_auth_test.cpp
                          integration/k8s_client_secrets_test.cpp
                  LIBS runbookd_k8s_client)
runbookd_add_test(unit_k8s_exec_credential LABEL unit SOURCES unit/k8s_exec_credential_test.cpp
                  LIBS runbookd_k8s_client)
