#include "probes/k8s_endpoints/k8s_endpoints_probe.hpp"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "../support/manual_clock.hpp"
#include "../support/probe_harness.hpp"
#include "k8s_probes_fake_client.hpp"
#include "probes/k8s_endpoints/endpoints_assessment.hpp"

using namespace runbookd;
using probes::k8s_endpoints::AssessEndpoints;
using probes::k8s_endpoints::AssessEndpointSlices;
using probes::k8s_endpoints::EndpointsSpec;
using probes::k8s_endpoints::MakeProbeFactory;

namespace {

namespace json = boost::json;

EndpointsSpec Spec(int64_t min_ready = 1) {
  EndpointsSpec spec;
  spec.service = "ecommerce-backend";
  spec.min_ready = min_ready;
  return spec;
}

// `kubectl get endpointslices -n production -l kubernetes.io/service-name=ecommerce-backend -o json`
// while both pods fail their readiness probe.
constexpr const char* kSlicesNoneReady = R"({
  "apiVersion": "discovery.k8s.io/v1",
  "kind": "EndpointSliceList",
  "metadata": {"resourceVersion": "918400"},
  "items": [{
    "addressType": "IPv4",
    "apiVersion": "discovery.k8s.io/v1",
    "endpoints": [
      {"addresses": ["10.0.1.5"], "conditions": {"ready": false, "serving": false, "terminating": false},
       "nodeName": "ip-10-0-1-23.ec2.internal",
       "targetRef": {"kind": "Pod", "name": "ecommerce-backend-7d9f8b6c5-x2k4p", "namespace": "production",
                     "uid": "8c1e2a3b-1111-4c1e-8a8e-3e2b7b1f6d20"},
       "zone": "us-east-1a"},
      {"addresses": ["10.0.1.6"], "conditions": {"ready": false, "serving": false, "terminating": false},
       "nodeName": "ip-10-0-1-23.ec2.internal",
       "targetRef": {"kind": "Pod", "name": "ecommerce-backend-7d9f8b6c5-q8w2n", "namespace": "production",
                     "uid": "8c1e2a3b-2222-4c1e-8a8e-3e2b7b1f6d20"},
       "zone": "us-east-1a"}
    ],
    "kind": "EndpointSlice",
    "metadata": {
      "annotations": {"endpoints.kubernetes.io/last-change-trigger-time": "2027-01-15T07:58:02Z"},
      "generateName": "ecommerce-backend-",
      "labels": {"app": "ecommerce-backend", "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
                 "kubernetes.io/service-name": "ecommerce-backend"},
      "name": "ecommerce-backend-h7x2q",
      "namespace": "production",
      "ownerReferences": [{"apiVersion": "v1", "blockOwnerDeletion": true, "controller": true, "kind": "Service",
                           "name": "ecommerce-backend", "uid": "1f2e3d4c-aaaa-4c1e-8a8e-3e2b7b1f6d20"}]
    },
    "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]
  }]
})";

// Two slices of a dual-stack Service (one per family); the IPv4 slice's second endpoint has no
// conditions at all, and 10.0.1.7 also appears, not ready, in a stale slice.
constexpr const char* kSlicesDualStack = R"({
  "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSliceList", "metadata": {},
  "items": [
    {"addressType": "IPv4", "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
     "metadata": {"name": "ecommerce-backend-abcde", "namespace": "production",
                  "labels": {"kubernetes.io/service-name": "ecommerce-backend"}},
     "endpoints": [
       {"addresses": ["10.0.1.5"], "conditions": {"ready": true, "serving": true, "terminating": false},
        "targetRef": {"kind": "Pod", "name": "ecommerce-backend-7d9f8b6c5-x2k4p", "namespace": "production"}},
       {"addresses": ["10.0.1.7"],
        "targetRef": {"kind": "Pod", "name": "ecommerce-backend-7d9f8b6c5-m3z7t", "namespace": "production"}}
     ],
     "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]},
    {"addressType": "IPv4", "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
     "metadata": {"name": "ecommerce-backend-fghij", "namespace": "production",
                  "labels": {"kubernetes.io/service-name": "ecommerce-backend"}},
     "endpoints": [
       {"addresses": ["10.0.1.7"], "conditions": {"ready": false},
        "targetRef": {"kind": "Pod", "name": "ecommerce-backend-7d9f8b6c5-m3z7t", "namespace": "production"}}
     ],
     "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]},
    {"addressType": "IPv6", "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
     "metadata": {"name": "ecommerce-backend-klmno", "namespace": "production",
                  "labels": {"kubernetes.io/service-name": "ecommerce-backend"}},
     "endpoints": [
       {"addresses": ["fd00:10:1::5"], "conditions": {"ready": true},
        "targetRef": {"kind": "Pod", "name": "ecommerce-backend-7d9f8b6c5-x2k4p", "namespace": "production"}},
       {"addresses": ["fd00:10:1::7"], "conditions": {"ready": true},
        "targetRef": {"kind": "Pod", "name": "ecommerce-backend-7d9f8b6c5-m3z7t", "namespace": "production"}}
     ],
     "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]}
  ]
})";

// `kubectl get endpoints ecommerce-backend -n production -o json` with both pods unready.
constexpr const char* kEndpointsNotReadyOnly = R"({
  "apiVersion": "v1",
  "kind": "Endpoints",
  "metadata": {
    "annotations": {"endpoints.kubernetes.io/last-change-trigger-time": "2027-01-15T07:58:02Z"},
    "creationTimestamp": "2026-11-02T10:15:00Z",
    "labels": {"app": "ecommerce-backend"},
    "name": "ecommerce-backend",
    "namespace": "production",
    "resourceVersion": "918402",
    "uid": "2a3b4c5d-bbbb-4c1e-8a8e-3e2b7b1f6d20"
  },
  "subsets": [{
    "notReadyAddresses": [
      {"ip": "10.0.1.5", "nodeName": "ip-10-0-1-23.ec2.internal",
       "targetRef": {"kind": "Pod", "name": "ecommerce-backend-7d9f8b6c5-x2k4p", "namespace": "production",
                     "uid": "8c1e2a3b-1111-4c1e-8a8e-3e2b7b1f6d20"}},
      {"ip": "10.0.1.6", "nodeName": "ip-10-0-1-23.ec2.internal",
       "targetRef": {"kind": "Pod", "name": "ecommerce-backend-7d9f8b6c5-q8w2n", "namespace": "production",
                     "uid": "8c1e2a3b-2222-4c1e-8a8e-3e2b7b1f6d20"}}
    ],
    "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]
  }]
})";

// A Service whose selector matches no pod: the Endpoints object exists without subsets.
constexpr const char* kEndpointsNoSubsets = R"({
  "apiVersion": "v1", "kind": "Endpoints",
  "metadata": {"creationTimestamp": "2026-11-02T10:15:00Z", "labels": {"app": "ecommerce-backend"},
               "name": "ecommerce-backend", "namespace": "production", "resourceVersion": "918410"}
})";

constexpr const char* kEndpointsReady = R"({
  "apiVersion": "v1", "kind": "Endpoints",
  "metadata": {"name": "ecommerce-backend", "namespace": "production"},
  "subsets": [
    {"addresses": [{"ip": "10.0.1.5", "targetRef": {"kind": "Pod", "name": "ecommerce-backend-7d9f8b6c5-x2k4p"}},
                   {"ip": "10.0.1.6", "targetRef": {"kind": "Pod", "name": "ecommerce-backend-7d9f8b6c5-q8w2n"}}],
     "notReadyAddresses": [{"ip": "10.0.1.7", "targetRef": {"kind": "Pod", "name": "ecommerce-backend-7d9f8b6c5-m3z7t"}}],
     "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]},
    {"addresses": [{"ip": "10.0.1.5"}], "ports": [{"name": "metrics", "port": 9090, "protocol": "TCP"}]}
  ]
})";

double Obs(const ProbeResult& r, std::string_view name) { return probetest::Observed(r, name); }

}  // namespace

TEST_CASE("k8s_endpoints: EndpointSlices whose endpoints are all ready:false", "[k8s_endpoints]") {
  const auto r = AssessEndpointSlices(json::parse(kSlicesNoneReady), "production", Spec());
  CHECK(r.status == ProbeStatus::kUnhealthy);
  CHECK(r.reason == ProbeReason::kNoEndpoints);
  CHECK(r.detail ==
        "service production/ecommerce-backend has 0 ready endpoints (2 not ready: 10.0.1.5 "
        "pod/ecommerce-backend-7d9f8b6c5-x2k4p, 10.0.1.6 pod/ecommerce-backend-7d9f8b6c5-q8w2n)");
  CHECK(Obs(r, "endpoints_ready") == 0);
  CHECK(Obs(r, "endpoints_not_ready") == 2);
}

TEST_CASE("k8s_endpoints: ready absent counts as ready, each address once per family", "[k8s_endpoints]") {
  const auto r = AssessEndpointSlices(json::parse(kSlicesDualStack), "production", Spec());
  INFO(r.detail);
  CHECK(r.status == ProbeStatus::kHealthy);
  CHECK(r.detail == "service production/ecommerce-backend has 2 ready endpoints");
  CHECK(Obs(r, "endpoints_ready") == 2);
  CHECK(Obs(r, "endpoints_not_ready") == 0);  // 10.0.1.7 is ready in the other slice
  const auto strict = AssessEndpointSlices(json::parse(kSlicesDualStack), "production", Spec(3));
  CHECK(strict.reason == ProbeReason::kNoEndpoints);
  CHECK(strict.detail == "service production/ecommerce-backend has 2 ready endpoints; need at least 3");
}

TEST_CASE("k8s_endpoints: no EndpointSlices at all", "[k8s_endpoints]") {
  const auto r = AssessEndpointSlices(
      json::parse(R"({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSliceList", "metadata": {}, "items": []})"),
      "production", Spec());
  CHECK(r.reason == ProbeReason::kNoEndpoints);
  CHECK(r.detail == "service production/ecommerce-backend has 0 ready endpoints (no EndpointSlices)");
  // A slice with `endpoints: null` (the controller's placeholder for a Service without pods).
  const auto placeholder = AssessEndpointSlices(
      json::parse(R"({"items": [{"addressType": "IPv4", "endpoints": null, "metadata": {"name": "x"}}]})"),
      "production", Spec());
  CHECK(placeholder.reason == ProbeReason::kNoEndpoints);
  CHECK(Obs(placeholder, "endpoints_ready") == 0);
}

TEST_CASE("k8s_endpoints: Endpoints with only notReadyAddresses, or no subsets", "[k8s_endpoints]") {
  const auto not_ready = AssessEndpoints(json::parse(kEndpointsNotReadyOnly), "production", Spec());
  CHECK(not_ready.reason == ProbeReason::kNoEndpoints);
  CHECK(not_ready.detail ==
        "service production/ecommerce-backend has 0 ready endpoints (2 not ready: 10.0.1.5 "
        "pod/ecommerce-backend-7d9f8b6c5-x2k4p, 10.0.1.6 pod/ecommerce-backend-7d9f8b6c5-q8w2n)");
  CHECK(Obs(not_ready, "endpoints_not_ready") == 2);

  const auto empty = AssessEndpoints(json::parse(kEndpointsNoSubsets), "production", Spec());
  CHECK(empty.status == ProbeStatus::kUnhealthy);
  CHECK(empty.reason == ProbeReason::kNoEndpoints);
  CHECK(empty.detail == "service production/ecommerce-backend has 0 ready endpoints");

  const auto ready = AssessEndpoints(json::parse(kEndpointsReady), "production", Spec(2));
  CHECK(ready.status == ProbeStatus::kHealthy);
  CHECK(ready.detail ==
        "service production/ecommerce-backend has 2 ready endpoints (1 not ready: 10.0.1.7 "
        "pod/ecommerce-backend-7d9f8b6c5-m3z7t)");
  CHECK(Obs(ready, "endpoints_ready") == 2);  // 10.0.1.5 is in two subsets (two ports): once
}

TEST_CASE("k8s_endpoints: the probe reads EndpointSlices, falling back to Endpoints", "[k8s_endpoints]") {
  testing::ManualClock clock;
  auto client = std::make_shared<k8stest::FakeClient>("production");
  const auto deps = k8stest::DepsWith(client, &clock);
  const std::string slices_path =
      "/apis/discovery.k8s.io/v1/namespaces/production/endpointslices?labelSelector="
      "kubernetes.io%2Fservice-name%3Decommerce-backend";
  const std::string endpoints_path = "/api/v1/namespaces/production/endpoints/ecommerce-backend";
  const std::string service_path = "/api/v1/namespaces/production/services/ecommerce-backend";

  SECTION("EndpointSlices") {
    client->AnswerJson(slices_path, kSlicesNoneReady);
    auto probe = probetest::BuildProbe(MakeProbeFactory(), "service: ecommerce-backend\n", deps);
    const auto out = probetest::RunOnce(*probe);
    CHECK(out.result.reason == ProbeReason::kNoEndpoints);
    CHECK(client->requests() == std::vector<std::string>{slices_path});
  }
  SECTION("discovery.k8s.io not served: Endpoints") {
    client->AnswerJson(endpoints_path, kEndpointsReady);
    auto probe = probetest::BuildProbe(MakeProbeFactory(), "service: ecommerce-backend\n", deps);
    const auto out = probetest::RunOnce(*probe);
    CHECK(out.result.status == ProbeStatus::kHealthy);
    CHECK(out.result.detail ==
          "service production/ecommerce-backend has 2 ready endpoints (1 not ready: 10.0.1.7 "
          "pod/ecommerce-backend-7d9f8b6c5-m3z7t); read from Endpoints: discovery.k8s.io/v1 is "
          "not served");
    CHECK(client->requests() == std::vector<std::string>{slices_path, endpoints_path});
  }
  SECTION("source: endpoints, and the Endpoints object is missing") {
    auto probe = probetest::BuildProbe(MakeProbeFactory(),
                                       "namespace: production\nservice: ecommerce-backend\nsource: endpoints\n", deps);
    const auto out = probetest::RunOnce(*probe);
    CHECK(out.result.status == ProbeStatus::kUnhealthy);
    CHECK(out.result.reason == ProbeReason::kNotFound);
    CHECK_THAT(out.result.detail, Catch::StartsWith("Endpoints production/ecommerce-backend not found (GET "));
    CHECK(client->requests() == std::vector<std::string>{endpoints_path});
  }
  SECTION("no slices and no Service") {
    client->AnswerJson(slices_path, R"({"kind": "EndpointSliceList", "items": []})");
    auto probe = probetest::BuildProbe(MakeProbeFactory(), "service: ecommerce-backend\n", deps);
    const auto out = probetest::RunOnce(*probe);
    CHECK(out.result.reason == ProbeReason::kNotFound);
    CHECK_THAT(out.result.detail, Catch::StartsWith("service production/ecommerce-backend not found ("));
    CHECK(client->requests() == std::vector<std::string>{slices_path, service_path});
  }
  SECTION("no slices, but the Service exists") {
    client->AnswerJson(slices_path, R"({"kind": "EndpointSliceList", "items": []})");
    client->AnswerJson(service_path, R"({"kind": "Service", "metadata": {"name": "ecommerce-backend"}})");
    auto probe = probetest::BuildProbe(MakeProbeFactory(), "service: ecommerce-backend\n", deps);
    CHECK(probetest::RunOnce(*probe).result.reason == ProbeReason::kNoEndpoints);
  }
  SECTION("forbidden") {
    client->AnswerError(slices_path, k8s::ErrorKind::kForbidden, 403,
                        "GET " + slices_path + ": 403 Forbidden: endpointslices.discovery.k8s.io is forbidden");
    auto probe = probetest::BuildProbe(MakeProbeFactory(), "service: ecommerce-backend\n", deps);
    const auto out = probetest::RunOnce(*probe);
    CHECK(out.result.status == ProbeStatus::kUnknown);
    CHECK(out.result.reason == ProbeReason::kUnauthorized);
    CHECK(client->requests().size() == 1);
  }
}

TEST_CASE("k8s_endpoints: config errors", "[k8s_endpoints]") {
  testing::ManualClock clock;
  const auto deps = k8stest::DepsWith(std::make_shared<k8stest::FakeClient>(), &clock);
  const auto factory = MakeProbeFactory();
  CHECK(k8stest::SpecErrors(factory, "namespace: production\n", deps) ==
        "t.yaml:1:1: (root): missing required key \"service\"\n");
  CHECK(k8stest::SpecErrors(factory, "", deps) ==
        "t.yaml:1:1: (root): the k8s_endpoints probe needs a spec with at least \"service\"\n");
  CHECK(k8stest::SpecErrors(factory, "service: web\n", ProbeDeps{}) ==
        "t.yaml:1:1: (root): probe type k8s_endpoints needs a connection of type kubernetes (set connection: NAME)\n");
  CHECK(k8stest::SpecErrors(factory, "service: web\nsource: slices\nmin_ready: -1\n", deps) ==
        "t.yaml:2:9: source: unknown value \"slices\"; expected one of: endpointslices, endpoints\n"
        "t.yaml:3:12: min_ready: must be between 0 and 9223372036854775807, got -1\n");
}
