# The fake Kubernetes API server (held to the real kubectl), its fixtures and the kubectl runner.
add_library(runbookd_fake_kube STATIC
  support/fake_kube.cpp
  support/fake_kube_controller.cpp
  support/fake_kube_discovery.cpp
  support/fake_kube_fixtures.cpp
  support/fake_kube_fixtures_cluster.cpp
  support/fake_kube_normalize.cpp
  support/fake_kube_patch.cpp
  support/fake_kube_rest.cpp
  support/fake_kube_selectors.cpp
  support/fake_kube_writes.cpp
  support/kubectl.cpp)
target_link_libraries(runbookd_fake_kube PUBLIC runbookd_test_support Boost::json)

runbookd_add_test(integration_fake_kube LABEL integration
                  SOURCES integration/fake_kube_kubectl_test.cpp integration/fake_kube_rollout_test.cpp
                          integration/fake_kube_api_test.cpp
                  LIBS runbookd_fake_kube)
