#include "probes/k8s_events/k8s_events_probe.hpp"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "../support/manual_clock.hpp"
#include "../support/probe_harness.hpp"
#include "k8s_probes_fake_client.hpp"
#include "probes/k8s_common/k8s_common.hpp"
#include "probes/k8s_events/events_assessment.hpp"

using namespace runbookd;
using probes::k8s_events::AssessEvents;
using probes::k8s_events::EventsSpec;
using probes::k8s_events::MakeProbeFactory;

namespace {

namespace json = boost::json;

const WallTime kNow = *probes::k8s_common::ParseTime("2027-01-15T08:00:00Z");

// `kubectl get events -n production --field-selector type=Warning -o json` during the outage:
// a crash-looping pod (BackOff, folded into one event with count 5), a pod that cannot be
// scheduled, an old FailedMount from yesterday, a new-style event (eventTime and series, no
// lastTimestamp), and an Unhealthy event whose message is very long.
constexpr const char* kEvents = R"json({
  "apiVersion": "v1",
  "kind": "EventList",
  "metadata": {"resourceVersion": "918500"},
  "items": [
    {
      "apiVersion": "v1", "kind": "Event",
      "count": 5,
      "eventTime": null,
      "firstTimestamp": "2027-01-15T07:48:10Z",
      "lastTimestamp": "2027-01-15T07:58:40Z",
      "involvedObject": {"apiVersion": "v1", "fieldPath": "spec.containers{app}", "kind": "Pod",
                         "name": "ecommerce-backend-7d9f8b6c5-x2k4p", "namespace": "production",
                         "resourceVersion": "918190", "uid": "8c1e2a3b-1111-4c1e-8a8e-3e2b7b1f6d20"},
      "message": "Back-off restarting failed container app in pod ecommerce-backend-7d9f8b6c5-x2k4p_production(8c1e2a3b-1111-4c1e-8a8e-3e2b7b1f6d20)",
                     "metadata" : {
                       "creationTimestamp" : "2027-01-15T07:48:10Z",
                       "name" : "ecommerce-backend-7d9f8b6c5-x2k4p.17a9b3c4d5e6f701",
                       "namespace" : "production",
                       "resourceVersion" : "918480"
                     },
                     "reason" : "BackOff",
                     "reportingComponent" : "kubelet",
                     "reportingInstance" : "ip-10-0-1-23.ec2.internal",
                     "source" : {"component" : "kubelet", "host" : "ip-10-0-1-23.ec2.internal"},
                     "type" : "Warning"
},
    {
      "apiVersion": "v1", "kind": "Event",
      "count": 2,
      "eventTime": null,
      "firstTimestamp": "2027-01-15T07:50:00Z",
      "lastTimestamp": "2027-01-15T07:59:10Z",
      "involvedObject": {"apiVersion": "v1", "kind": "Pod", "name": "ecommerce-backend-7d9f8b6c5-z4v8b",
                         "namespace": "production", "resourceVersion": "918300", "uid": "uid-z4v8b"},
      "message": "0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.",
      "metadata": {"creationTimestamp": "2027-01-15T07:50:00Z", "name": "ecommerce-backend-7d9f8b6c5-z4v8b.17a9b3c4d5e6f702",
                   "namespace": "production"},
      "reason": "FailedScheduling",
      "source": {"component": "default-scheduler"},
      "type": "Warning"
    },
    {
      "apiVersion": "v1", "kind": "Event",
      "count": 30,
      "eventTime": null,
      "firstTimestamp": "2027-01-14T20:00:00Z",
      "lastTimestamp": "2027-01-14T21:10:00Z",
      "involvedObject": {"apiVersion": "v1", "kind": "Pod", "name": "reports-worker-5f6d7c8b9-k2l3m",
                         "namespace": "production"},
      "message": "MountVolume.SetUp failed for volume \"config\" : configmap \"reports-config\" not found",
      "metadata": {"creationTimestamp": "2027-01-14T20:00:00Z", "name": "reports-worker-5f6d7c8b9-k2l3m.17a9b3c4d5e6f703",
                   "namespace": "production"},
      "reason": "FailedMount",
      "source": {"component": "kubelet", "host": "ip-10-0-2-41.ec2.internal"},
      "type": "Warning"
    },
    {
      "apiVersion": "v1", "kind": "Event",
      "eventTime": "2027-01-15T07:52:00.123456Z",
      "firstTimestamp": null,
      "lastTimestamp": null,
      "series": {"count": 3, "lastObservedTime": "2027-01-15T07:57:30.654321Z"},
      "involvedObject": {"apiVersion": "v1", "kind": "Pod", "name": "ecommerce-backend-7d9f8b6c5-q8w2n",
                         "namespace": "production"},
      "message": "Readiness probe failed: HTTP probe failed with statuscode: 503",
      "metadata": {"creationTimestamp": "2027-01-15T07:52:00Z", "name": "ecommerce-backend-7d9f8b6c5-q8w2n.17a9b3c4d5e6f704",
                   "namespace": "production"},
      "reason": "Unhealthy",
      "reportingComponent": "kubelet",
      "reportingInstance": "ip-10-0-1-23.ec2.internal",
      "action": "Probing",
      "type": "Warning"
    },
    {
      "apiVersion": "v1", "kind": "Event",
      "count": 1,
      "firstTimestamp": "2027-01-15T07:30:00Z",
      "lastTimestamp": "2027-01-15T07:30:00Z",
      "involvedObject": {"apiVersion": "v1", "kind": "Pod", "name": "ecommerce-backend-7d9f8b6c5-m3z7t",
                         "namespace": "production"},
      "message": "Liveness probe failed: Get \"http://10.0.1.7:8080/healthz\": context deadline exceeded (Client.Timeout exceeded while awaiting headers) -- padding padding padding padding padding padding padding padding padding padding padding padding padding padding",
      "metadata": {"creationTimestamp": "2027-01-15T07:30:00Z", "name": "ecommerce-backend-7d9f8b6c5-m3z7t.17a9b3c4d5e6f705",
                   "namespace": "production"},
      "reason": "Unhealthy",
      "source": {"component": "kubelet", "host": "ip-10-0-1-23.ec2.internal"},
      "type": "Warning"
    }
  ]
})json";

EventsSpec Spec() { return EventsSpec{}; }

double Obs(const ProbeResult& r, std::string_view name) { return probetest::Observed(r, name); }

}  // namespace

TEST_CASE("k8s_events: Warning events inside the window count, with their count", "[k8s_events]") {
  const auto r = AssessEvents(json::parse(kEvents), "production", kNow, Spec());
  INFO(r.detail);
  CHECK(r.status == ProbeStatus::kUnhealthy);
  CHECK(r.reason == ProbeReason::kWarningEvents);
  // BackOff 5 + FailedScheduling 2 + Unhealthy 3 (series); the 07:30 Unhealthy is 30m old and
  // FailedMount is from yesterday.
  CHECK(Obs(r, "events_warning") == 10);
  CHECK(r.detail ==
        "10 Warning events in 15m in namespace production: Unhealthy x3 (pod/ecommerce-backend-7d9f8b6c5-q8w2n: "
        "Readiness probe failed: HTTP probe failed with statuscode: 503), BackOff x5 "
        "(pod/ecommerce-backend-7d9f8b6c5-x2k4p: Back-off restarting failed container app in pod "
        "ecommerce-backend-7d9f8b6c5-x2k4p_production(8c1e2a3b-1111-4c1e-8a8e-3e2b7b1f6d20)), FailedScheduling x2 "
        "(pod/ecommerce-backend-7d9f8b6c5-z4v8b: 0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 "
        "nodes are available: 3 No preemption victims found for incoming pod.)");
}

TEST_CASE("k8s_events: a wider window takes older events in, messages are cut", "[k8s_events]") {
  EventsSpec spec;
  spec.window = std::chrono::hours(1);
  const auto r = AssessEvents(json::parse(kEvents), "production", kNow, spec);
  INFO(r.detail);
  CHECK(Obs(r, "events_warning") == 11);
  CHECK_THAT(r.detail, Catch::StartsWith("11 Warning events in 1h in namespace production: "));
  // The latest Unhealthy message is the readiness one; 07:30's long liveness message is older.
  CHECK_THAT(r.detail, Catch::Contains("Unhealthy x4 (pod/ecommerce-backend-7d9f8b6c5-q8w2n: Readiness probe failed"));

  spec.window = std::chrono::hours(24);
  spec.reasons = {"FailedMount"};
  const auto mount = AssessEvents(json::parse(kEvents), "production", kNow, spec);
  CHECK(mount.detail ==
        "30 Warning events in 24h in namespace production: FailedMount x30 (pod/reports-worker-5f6d7c8b9-k2l3m: "
        "MountVolume.SetUp failed for volume \"config\" : configmap \"reports-config\" not found)");

  spec.reasons = {"Unhealthy"};
  spec.involved_object = "ecommerce-backend-7d9f8b6c5-m3z7t";
  const auto liveness = AssessEvents(json::parse(kEvents), "production", kNow, spec);
  INFO(liveness.detail);
  CHECK(Obs(liveness, "events_warning") == 1);
  const std::string message = liveness.detail.substr(liveness.detail.find("Liveness"));
  CHECK(message.size() == 200 + 3 + 1);  // 200 bytes, "...", ")"
  CHECK_THAT(message, Catch::EndsWith("...)"));
}

TEST_CASE("k8s_events: the reasons filter and the involved_object filter", "[k8s_events]") {
  EventsSpec spec;
  spec.reasons = {"FailedScheduling", "FailedMount"};
  const auto r = AssessEvents(json::parse(kEvents), "production", kNow, spec);
  CHECK(r.reason == ProbeReason::kWarningEvents);
  CHECK(Obs(r, "events_warning") == 2);
  CHECK_THAT(r.detail, Catch::StartsWith("2 Warning events in 15m in namespace production: FailedScheduling x2 ("));

  spec.reasons = {"OOMKilling"};
  const auto none = AssessEvents(json::parse(kEvents), "production", kNow, spec);
  CHECK(none.status == ProbeStatus::kHealthy);
  CHECK(none.detail == "no Warning events in 15m in namespace production");
  CHECK(Obs(none, "events_warning") == 0);

  spec.reasons.clear();
  spec.involved_object = "ecommerce-backend-7d9f8b6c5-x2k4p";
  CHECK(Obs(AssessEvents(json::parse(kEvents), "production", kNow, spec), "events_warning") == 5);
  spec.involved_object = "ecommerce-backend-*";
  CHECK(Obs(AssessEvents(json::parse(kEvents), "production", kNow, spec), "events_warning") == 10);
  spec.involved_object = "reports-worker-*";
  CHECK(AssessEvents(json::parse(kEvents), "production", kNow, spec).status == ProbeStatus::kHealthy);
}

TEST_CASE("k8s_events: max_warnings is the number tolerated", "[k8s_events]") {
  EventsSpec spec;
  spec.max_warnings = 10;
  const auto r = AssessEvents(json::parse(kEvents), "production", kNow, spec);
  CHECK(r.status == ProbeStatus::kHealthy);
  CHECK_THAT(r.detail, Catch::StartsWith("10 Warning events in 15m in namespace production (max 10): "));
  spec.max_warnings = 9;
  CHECK(AssessEvents(json::parse(kEvents), "production", kNow, spec).reason == ProbeReason::kWarningEvents);
}

TEST_CASE("k8s_events: event times fall back field by field", "[k8s_events]") {
  // Only metadata.creationTimestamp, 5 minutes ago; an undatable event is left out; a Normal
  // event (should the server ignore the field selector) never counts.
  const auto list = json::parse(R"({"kind": "EventList", "items": [
    {"type": "Warning", "reason": "FailedCreate", "message": "pods \"x\" is forbidden: exceeded quota: compute",
     "involvedObject": {"kind": "ReplicaSet", "name": "ecommerce-backend-7d9f8b6c5"},
     "metadata": {"name": "a", "creationTimestamp": "2027-01-15T07:55:00Z"}},
    {"type": "Warning", "reason": "Odd", "message": "no time", "involvedObject": {"kind": "Pod", "name": "x"},
     "metadata": {"name": "b"}, "lastTimestamp": "yesterday"},
    {"type": "Normal", "reason": "Pulled", "message": "ok", "involvedObject": {"kind": "Pod", "name": "x"},
     "lastTimestamp": "2027-01-15T07:59:00Z", "metadata": {"name": "c"}}
  ]})");
  const auto r = AssessEvents(list, "production", kNow, Spec());
  CHECK(Obs(r, "events_warning") == 1);
  CHECK(r.detail ==
        "1 Warning event in 15m in namespace production: FailedCreate x1 (replicaset/ecommerce-backend-7d9f8b6c5: "
        "pods \"x\" is forbidden: exceeded quota: compute)");
}

TEST_CASE("k8s_events: the probe lists Warning events of its namespace", "[k8s_events]") {
  testing::ManualClock clock;  // 2027-01-15T08:00:00Z, as kNow
  auto client = std::make_shared<k8stest::FakeClient>("production");
  const auto deps = k8stest::DepsWith(client, &clock);
  const std::string path = "/api/v1/namespaces/production/events?fieldSelector=type%3DWarning";
  client->AnswerJson(path, kEvents);
  auto probe = probetest::BuildProbe(MakeProbeFactory(), "window: 15m\nreasons: [BackOff]\n", deps);
  auto out = probetest::RunOnce(*probe);
  CHECK(out.result.reason == ProbeReason::kWarningEvents);
  CHECK(probetest::Observed(out.result, "events_warning") == 5);
  CHECK(client->requests() == std::vector<std::string>{path});

  clock.Advance(std::chrono::minutes(20));  // 08:20: the BackOff at 07:58:40 has left the window
  out = probetest::RunOnce(*probe);
  CHECK(out.result.status == ProbeStatus::kHealthy);

  client->AnswerError("/api/v1/namespaces/staging/events?fieldSelector=type%3DWarning", k8s::ErrorKind::kTimeout, 0,
                      "GET /api/v1/namespaces/staging/events: deadline exceeded");
  auto staging = probetest::BuildProbe(MakeProbeFactory(), "namespace: staging\n", deps);
  out = probetest::RunOnce(*staging);
  CHECK(out.result.status == ProbeStatus::kUnknown);
  CHECK(out.result.reason == ProbeReason::kTimeout);
  CHECK(out.result.detail == "GET /api/v1/namespaces/staging/events: deadline exceeded");
}

TEST_CASE("k8s_events: config errors", "[k8s_events]") {
  testing::ManualClock clock;
  const auto deps = k8stest::DepsWith(std::make_shared<k8stest::FakeClient>(), &clock);
  const auto factory = MakeProbeFactory();
  CHECK(k8stest::SpecErrors(factory, "", ProbeDeps{}) ==
        "t.yaml:1:1: (root): probe type k8s_events needs a connection of type kubernetes (set connection: NAME)\n");
  CHECK(k8stest::SpecErrors(factory, "", deps).empty());
  CHECK(k8stest::SpecErrors(factory, "window: 0\nmax_warnings: many\ninvolved_object: '*'\n", deps) ==
        "t.yaml:1:9: window: must be longer than 0\n"
        "t.yaml:2:15: max_warnings: expected an integer, got \"many\"\n"
        "t.yaml:3:18: involved_object: involved_object needs a name (or a prefix ending in '*')\n");
  CHECK(k8stest::SpecErrors(factory, "reason: [BackOff]\n", deps) ==
        "t.yaml:1:1: reason: unknown key \"reason\" (did you mean \"reasons\"?)\n");
}

TEST_CASE("k8s_common: API times and ages", "[k8s_events]") {
  using probes::k8s_common::FormatAge;
  using probes::k8s_common::ParseTime;
  CHECK(ParseTime("2027-01-15T07:57:30.654321Z") ==
        kNow - std::chrono::seconds(150) + std::chrono::microseconds(654321));
  CHECK(ParseTime("2027-01-15T09:00:00+01:00") == kNow);
  CHECK(ParseTime("2027-01-15T07:00:00-01:00") == kNow);
  CHECK_FALSE(ParseTime("2027-01-15 08:00:00"));  // no zone
  CHECK_FALSE(ParseTime("2027-02-30T08:00:00Z"));
  CHECK_FALSE(ParseTime(""));
  CHECK(FormatAge(std::chrono::seconds(45)) == "45s");
  CHECK(FormatAge(std::chrono::seconds(200)) == "3m20s");
  CHECK(FormatAge(std::chrono::minutes(42)) == "42m");
  CHECK(FormatAge(std::chrono::hours(5)) == "5h");
  CHECK(FormatAge(std::chrono::hours(50)) == "2d2h");
  CHECK(FormatAge(-std::chrono::seconds(5)) == "0s");
}
