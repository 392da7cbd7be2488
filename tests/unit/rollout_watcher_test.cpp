// RolloutWatcher's polling loop against a scripted Kubernetes client: what it asks, what it
// publishes, how failures age the facts out, and that Stop cancels a poll in flight.
#include "daemon/engine/rollout_watcher.hpp"

#include <spdlog/logger.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/manual_clock.hpp"

using namespace runbookd;
namespace asio = boost::asio;
using rules::DeploymentRef;

namespace {

const DeploymentRef kBackend{"prod", "production", "ecommerce-backend"};
const std::string kDeploymentPath = "/apis/apps/v1/namespaces/production/deployments/ecommerce-backend";
const std::string kReplicaSetsPath = "/apis/apps/v1/namespaces/production/replicasets?labelSelector=app%3Dbackend";

k8s::Reply Ok(const std::string& json) { return k8s::Reply{{}, boost::json::parse(json)}; }

k8s::Reply Failed(k8s::ErrorKind kind, int status, std::string message) {
  return k8s::Reply{k8s::ApiError{kind, status, "", std::move(message)}, nullptr};
}

k8s::Reply DeploymentAt(int revision) {
  return Ok(R"({"metadata": {"name": "ecommerce-backend", "uid": "uid-1", "generation": 2,
    "annotations": {"deployment.kubernetes.io/revision": ")" +
            std::to_string(revision) + R"("}},
    "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "backend"}}},
    "status": {"observedGeneration": 2, "replicas": 1, "updatedReplicas": 1, "availableReplicas": 1}})");
}

k8s::Reply ReplicaSets() {
  return Ok(R"({"kind": "ReplicaSetList", "items": [
    {"metadata": {"name": "backend-6", "creationTimestamp": "2027-01-15T07:00:00Z",
      "annotations": {"deployment.kubernetes.io/revision": "6"},
      "ownerReferences": [{"kind": "Deployment", "uid": "uid-1", "controller": true}]}},
    {"metadata": {"name": "backend-7", "creationTimestamp": "2027-01-15T08:00:00Z",
      "annotations": {"deployment.kubernetes.io/revision": "7"},
      "ownerReferences": [{"kind": "Deployment", "uid": "uid-1", "controller": true}]}}]})");
}

// Answers GETs from a script; with `hang`, a GET waits until it is cancelled.
class ScriptedClient final : public k8s::Client {
 public:
  using Script = std::function<k8s::Reply(const std::string& path)>;
  explicit ScriptedClient(Script script) : script_(std::move(script)) {}

  const std::string& name() const override { return name_; }
  const std::string& default_namespace() const override { return namespace_; }
  const std::string& server() const override { return server_; }

  asio::awaitable<k8s::Reply> Get(asio::any_io_executor ex, std::string path, SteadyTime) override {
    paths.push_back(path);
    if (hang) {
      asio::steady_timer forever(ex, std::chrono::hours(24));
      boost::system::error_code ec;
      co_await forever.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      cancelled = ec == asio::error::operation_aborted;
      co_return Failed(k8s::ErrorKind::kCancelled, 0, "GET " + path + ": cancelled");
    }
    co_return script_(path);
  }
  asio::awaitable<k8s::Reply> Patch(asio::any_io_executor, std::string, k8s::PatchType, std::string,
                                    SteadyTime) override {
    co_return Failed(k8s::ErrorKind::kInvalid, 400, "not scripted");
  }
  asio::awaitable<k8s::Reply> Delete(asio::any_io_executor, std::string, std::string, SteadyTime) override {
    co_return Failed(k8s::ErrorKind::kInvalid, 400, "not scripted");
  }
  asio::awaitable<k8s::Reply> Put(asio::any_io_executor, std::string, std::string, SteadyTime) override {
    co_return Failed(k8s::ErrorKind::kInvalid, 400, "not scripted");
  }
  asio::awaitable<k8s::Reply> Post(asio::any_io_executor, std::string, std::string, SteadyTime) override {
    co_return Failed(k8s::ErrorKind::kInvalid, 400, "not scripted");
  }

  std::vector<std::string> paths;
  bool hang = false;
  bool cancelled = false;

 private:
  Script script_;
  std::string name_ = "prod";
  std::string namespace_ = "default";
  std::string server_ = "https://127.0.0.1:6443";
};

struct Harness {
  asio::io_context io;
  testing::ManualClock clock;
  std::vector<RolloutWatcher::Facts> changes;
  std::unique_ptr<RolloutWatcher> watcher;

  void Watch(std::vector<DeploymentRef> targets, RolloutWatcher::Clients clients,
             std::function<void(Harness&)> on_change, std::chrono::milliseconds interval) {
    watcher = std::make_unique<RolloutWatcher>(
        io.get_executor(), clock, std::make_shared<spdlog::logger>("test"), std::move(targets), std::move(clients),
        [this, on_change](const RolloutWatcher::Facts& facts) {
          changes.push_back(facts);
          on_change(*this);
        },
        interval);
    watcher->Start();
  }
  // Until the watcher has stopped and every poll has ended; bounded, so a poll that ignores Stop
  // fails the test instead of hanging it.
  bool RunToEnd() {
    io.run_for(std::chrono::seconds(20));
    return io.stopped();
  }
};

}  // namespace

TEST_CASE("the watcher reads the Deployment and its ReplicaSets and publishes the facts", "[rollout][watcher]") {
  Harness h;
  auto client = std::make_shared<ScriptedClient>(
      [](const std::string& path) { return path == kDeploymentPath ? DeploymentAt(7) : ReplicaSets(); });
  h.Watch(
      {kBackend}, {{"prod", client}}, [](Harness& self) { self.watcher->Stop(); }, std::chrono::hours(1));
  REQUIRE(h.RunToEnd());
  CHECK(client->paths == std::vector<std::string>{kDeploymentPath, kReplicaSetsPath});
  REQUIRE(h.changes.size() == 1);
  REQUIRE(h.changes[0].count(kBackend) == 1);
  const rules::RolloutFacts& facts = h.changes[0].at(kBackend);
  CHECK(facts.revision == 7);
  CHECK(facts.previous_revision == 6);
  CHECK(rules::FormatUtc(facts.began) == "2027-01-15T08:00:00Z");
  CHECK_FALSE(facts.in_progress);
  CHECK(h.watcher->facts() == h.changes[0]);
}

TEST_CASE("a failing API keeps the facts for three intervals, then they are unknown", "[rollout][watcher]") {
  Harness h;
  int deployment_gets = 0;
  auto client = std::make_shared<ScriptedClient>([&](const std::string& path) {
    if (path != kDeploymentPath) return ReplicaSets();
    // One interval of the watcher's clock passes per poll.
    h.clock.Advance(std::chrono::milliseconds(1));
    return ++deployment_gets == 1
               ? DeploymentAt(7)
               : Failed(k8s::ErrorKind::kServerError, 503, "GET " + path + ": 503 ServiceUnavailable");
  });
  h.Watch(
      {kBackend}, {{"prod", client}},
      [](Harness& self) {
        if (self.changes.back().empty()) self.watcher->Stop();
      },
      std::chrono::milliseconds(1));
  REQUIRE(h.RunToEnd());
  REQUIRE(h.changes.size() == 2);
  CHECK(h.changes[0].count(kBackend) == 1);
  CHECK(h.changes[1].empty());
  CHECK(deployment_gets == 4);  // one answer, then failures 1, 2 and 3 intervals after it
}

TEST_CASE("a Deployment that disappears is unknown at once", "[rollout][watcher]") {
  Harness h;
  int deployment_gets = 0;
  auto client = std::make_shared<ScriptedClient>([&](const std::string& path) {
    if (path != kDeploymentPath) return ReplicaSets();
    return ++deployment_gets == 1
               ? DeploymentAt(7)
               : Failed(k8s::ErrorKind::kNotFound, 404, "deployments.apps \"ecommerce-backend\" not found");
  });
  // A target on a connection without a client is not watched; the others still are.
  h.Watch(
      {kBackend, DeploymentRef{"nowhere", "production", "web"}}, {{"prod", client}},
      [](Harness& self) {
        if (self.changes.back().empty()) self.watcher->Stop();
      },
      std::chrono::milliseconds(1));
  REQUIRE(h.RunToEnd());
  REQUIRE(h.changes.size() == 2);
  CHECK(h.changes[1].empty());
  CHECK(deployment_gets == 2);
}

TEST_CASE("Stop cancels a poll in flight, and the watcher may go right after", "[rollout][watcher]") {
  Harness h;
  auto client = std::make_shared<ScriptedClient>([](const std::string&) { return DeploymentAt(7); });
  client->hang = true;
  h.Watch(
      {kBackend}, {{"prod", client}}, [](Harness&) {}, std::chrono::milliseconds(1));
  while (client->paths.empty() && h.io.run_one() > 0) {
  }
  REQUIRE(client->paths.size() == 1);
  h.watcher->Stop();
  h.watcher.reset();
  REQUIRE(h.RunToEnd());
  CHECK(client->cancelled);
  CHECK(client->paths.size() == 1);  // no ReplicaSet list after the cancelled GET, no further poll
  CHECK(h.changes.empty());
}
