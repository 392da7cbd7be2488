#pragma once

// Helpers for the Kubernetes action tests: a scripted k8s::Client that records every request,
// JSON fixtures, and running an action's Plan/Execute once on its own io_context.

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/node.hpp"
#include "daemon/clients/k8s/client.hpp"
#include "daemon/core/registry.hpp"

namespace runbookd::k8stest {

namespace json = boost::json;
using namespace std::chrono_literals;

// One request the action made.
struct Request {
  std::string method;
  std::string path;
  std::optional<k8s::PatchType> patch_type;
  std::string body;
};

inline k8s::Reply Ok(json::value body) { return k8s::Reply{{}, std::move(body)}; }
inline k8s::Reply Fail(k8s::ErrorKind kind, int status, std::string message) {
  return k8s::Reply{k8s::ApiError{kind, status, "", std::move(message)}, nullptr};
}

// Answers each "METHOD path" with the replies scripted for it, in order; the last one repeats.
class FakeKube final : public k8s::Client {
 public:
  void On(const std::string& method, const std::string& path, k8s::Reply reply) {
    replies_[method + " " + path].push_back(std::move(reply));
  }
  // Called with each request before it is answered (e.g. to move a ManualClock).
  std::function<void(const Request&)> on_request;
  std::vector<Request> requests;

  // The requests other than GETs: what the action changed.
  std::vector<Request> Writes() const {
    std::vector<Request> out;
    for (const auto& r : requests) {
      if (r.method != "GET") out.push_back(r);
    }
    return out;
  }

  const std::string& name() const override { return name_; }
  const std::string& default_namespace() const override { return default_namespace_; }
  const std::string& server() const override { return server_; }
  std::string default_namespace_ = "default";

  boost::asio::awaitable<k8s::Reply> Get(boost::asio::any_io_executor, std::string path, SteadyTime) override {
    co_return Answer(Request{"GET", std::move(path), std::nullopt, {}});
  }
  boost::asio::awaitable<k8s::Reply> Patch(boost::asio::any_io_executor, std::string path, k8s::PatchType type,
                                           std::string body, SteadyTime) override {
    co_return Answer(Request{"PATCH", std::move(path), type, std::move(body)});
  }
  boost::asio::awaitable<k8s::Reply> Delete(boost::asio::any_io_executor, std::string path, std::string body,
                                            SteadyTime) override {
    co_return Answer(Request{"DELETE", std::move(path), std::nullopt, std::move(body)});
  }
  boost::asio::awaitable<k8s::Reply> Put(boost::asio::any_io_executor, std::string path, std::string body,
                                         SteadyTime) override {
    co_return Answer(Request{"PUT", std::move(path), std::nullopt, std::move(body)});
  }
  boost::asio::awaitable<k8s::Reply> Post(boost::asio::any_io_executor, std::string path, std::string body,
                                          SteadyTime) override {
    co_return Answer(Request{"POST", std::move(path), std::nullopt, std::move(body)});
  }

 private:
  k8s::Reply Answer(Request request) {
    if (on_request) on_request(request);
    const std::string key = request.method + " " + request.path;
    requests.push_back(std::move(request));
    auto it = replies_.find(key);
    if (it == replies_.end() || it->second.empty()) {
      return Fail(k8s::ErrorKind::kBadResponse, 0, "fake: nothing scripted for " + key);
    }
    k8s::Reply reply = it->second.front();
    if (it->second.size() > 1) it->second.pop_front();
    return reply;
  }

  std::map<std::string, std::deque<k8s::Reply>> replies_;
  std::string name_ = "test";
  std::string server_ = "https://127.0.0.1:6443";
};

// JSON from text (fixtures are written as `kubectl get -o json` prints them).
inline json::value Json(std::string_view text) { return json::parse(text); }
inline std::string Text(const json::value& v) { return json::serialize(v); }

// Sets the value at a path of object keys, creating objects on the way.
inline void Set(json::value& v, std::initializer_list<std::string_view> path, json::value value) {
  json::value* cur = &v;
  for (auto key : path) {
    if (!cur->is_object()) *cur = json::object{};
    cur = &cur->get_object()[key];
  }
  *cur = std::move(value);
}
inline void Erase(json::value& v, std::initializer_list<std::string_view> path) {
  json::value* cur = &v;
  std::string_view last;
  json::value* parent = nullptr;
  for (auto key : path) {
    if (!cur->is_object() || !cur->get_object().contains(key)) return;
    parent = cur;
    last = key;
    cur = &cur->get_object()[key];
  }
  if (parent) parent->get_object().erase(last);
}

template <typename T>
T RunToCompletion(boost::asio::io_context& io, boost::asio::awaitable<T> work) {
  std::optional<T> result;
  std::exception_ptr error;
  boost::asio::co_spawn(io, std::move(work), [&](std::exception_ptr e, T value) {
    error = e;
    if (!e) result = std::move(value);
  });
  io.run();
  if (error) std::rethrow_exception(error);
  REQUIRE(result.has_value());
  return std::move(*result);
}

inline ActionPlan RunPlan(const Action& action, const ActionParams& params = {}) {
  boost::asio::io_context io;
  const ActionContext ctx{io.get_executor(), std::chrono::steady_clock::now() + 10s};
  return RunToCompletion(io, action.Plan(ctx, params));
}

// `deadline` is in the steady time of the clock the action was given (a ManualClock's, in tests).
inline Outcome RunExecute(const Action& action, const ActionPlan& plan, SteadyTime deadline = {}) {
  boost::asio::io_context io;
  const ActionContext ctx{io.get_executor(),
                          deadline == SteadyTime{} ? std::chrono::steady_clock::now() + 10s : deadline};
  return RunToCompletion(io, action.Execute(ctx, plan));
}

// Builds an action from a spec; REQUIREs a clean config.
inline std::unique_ptr<Action> BuildAction(const ActionFactory& factory, const std::string& yaml,
                                           const ActionDeps& deps) {
  config::Diagnostics diags;
  auto doc = config::Document::Parse(yaml, "spec.yaml", diags);
  auto action = factory(doc.root(), deps);
  doc.CheckUnknownKeys();
  INFO(diags.Format());
  REQUIRE(diags.empty());
  REQUIRE(action);
  return action;
}

// The errors a spec gives, formatted; empty when it is clean. A factory that records an error
// returns no action (unknown keys are found after it, by the document).
inline std::string ConfigErrors(const ActionFactory& factory, const std::string& yaml, const ActionDeps& deps) {
  config::Diagnostics diags;
  auto doc = config::Document::Parse(yaml, "spec.yaml", diags);
  auto action = factory(doc.root(), deps);
  const bool factory_errors = !diags.empty();
  doc.CheckUnknownKeys();
  if (diags.empty()) REQUIRE(action);
  if (factory_errors) REQUIRE_FALSE(action);
  return diags.Format();
}

inline ActionDeps DepsWith(std::shared_ptr<FakeKube> kube, const Clock* clock = nullptr) {
  ActionDeps deps;
  deps.kubernetes = std::move(kube);
  deps.clock = clock;
  deps.connection = "prod";
  return deps;
}

// ---- Fixtures, shaped like `kubectl get -o json` output ----

inline constexpr std::string_view kDeploymentUid = "5f0c6a0e-8f3e-4a8c-9d55-0f7c2f0e1a01";

// A Deployment production/ecommerce-backend at `revision` running `image`, fully rolled out.
inline json::value Deployment(int revision = 7, std::string_view image = "shop:1.4.2") {
  json::value d = Json(R"({
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {
      "annotations": {
        "deployment.kubernetes.io/revision": "7",
        "kubectl.kubernetes.io/last-applied-configuration": "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"annotations\":{},\"name\":\"ecommerce-backend\",\"namespace\":\"production\"}}\n"
      },
      "creationTimestamp": "2026-10-01T09:00:00Z",
      "generation": 12,
      "labels": {"app": "ecommerce-backend"},
      "name": "ecommerce-backend",
      "namespace": "production",
      "resourceVersion": "1234",
      "uid": "5f0c6a0e-8f3e-4a8c-9d55-0f7c2f0e1a01"
    },
    "spec": {
      "progressDeadlineSeconds": 600,
      "replicas": 3,
      "revisionHistoryLimit": 10,
      "selector": {"matchLabels": {"app": "ecommerce-backend"}},
      "strategy": {"rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}, "type": "RollingUpdate"},
      "template": {
        "metadata": {"creationTimestamp": null, "labels": {"app": "ecommerce-backend"}},
        "spec": {
          "containers": [{
            "image": "shop:1.4.2",
            "imagePullPolicy": "IfNotPresent",
            "name": "backend",
            "ports": [{"containerPort": 8080, "protocol": "TCP"}],
            "resources": {},
            "terminationMessagePath": "/dev/termination-log",
            "terminationMessagePolicy": "File"
          }],
          "dnsPolicy": "ClusterFirst",
          "restartPolicy": "Always",
          "schedulerName": "default-scheduler",
          "securityContext": {},
          "terminationGracePeriodSeconds": 30
        }
      }
    },
    "status": {
      "availableReplicas": 3,
      "conditions": [
        {"lastTransitionTime": "2026-11-20T10:00:00Z", "lastUpdateTime": "2026-11-20T10:00:00Z",
         "message": "Deployment has minimum availability.", "reason": "MinimumReplicasAvailable",
         "status": "True", "type": "Available"},
        {"lastTransitionTime": "2026-10-01T09:00:00Z", "lastUpdateTime": "2026-11-20T10:01:00Z",
         "message": "ReplicaSet \"ecommerce-backend-7c9d8f6b5\" has successfully progressed.",
         "reason": "NewReplicaSetAvailable", "status": "True", "type": "Progressing"}
      ],
      "observedGeneration": 12,
      "readyReplicas": 3,
      "replicas": 3,
      "updatedReplicas": 3
    }
  })");
  Set(d, {"metadata", "annotations", "deployment.kubernetes.io/revision"}, json::string(std::to_string(revision)));
  d.at("spec").at("template").at("spec").at("containers").at(0).as_object()["image"] = image;
  return d;
}

// A ReplicaSet of the Deployment at `revision` running `image`, owned (controller) by `owner_uid`.
inline json::value ReplicaSet(std::string_view name, int revision, std::string_view image,
                              std::string_view owner_uid = kDeploymentUid, int replicas = 0,
                              std::string_view created = "2026-11-01T09:00:00Z") {
  json::value rs = Json(R"({
    "apiVersion": "apps/v1",
    "kind": "ReplicaSet",
    "metadata": {
      "annotations": {
        "deployment.kubernetes.io/desired-replicas": "3",
        "deployment.kubernetes.io/max-replicas": "4",
        "deployment.kubernetes.io/revision": "1"
      },
      "creationTimestamp": "2026-11-01T09:00:00Z",
      "generation": 2,
      "labels": {"app": "ecommerce-backend", "pod-template-hash": "HASH"},
      "name": "NAME",
      "namespace": "production",
      "ownerReferences": [{
        "apiVersion": "apps/v1",
        "blockOwnerDeletion": true,
        "controller": true,
        "kind": "Deployment",
        "name": "ecommerce-backend",
        "uid": "OWNER"
      }],
      "resourceVersion": "900",
      "uid": "UID"
    },
    "spec": {
      "replicas": 0,
      "selector": {"matchLabels": {"app": "ecommerce-backend", "pod-template-hash": "HASH"}},
      "template": {
        "metadata": {"creationTimestamp": null, "labels": {"app": "ecommerce-backend", "pod-template-hash": "HASH"}},
        "spec": {
          "containers": [{
            "image": "IMAGE",
            "imagePullPolicy": "IfNotPresent",
            "name": "backend",
            "ports": [{"containerPort": 8080, "protocol": "TCP"}],
            "resources": {},
            "terminationMessagePath": "/dev/termination-log",
            "terminationMessagePolicy": "File"
          }],
          "dnsPolicy": "ClusterFirst",
          "restartPolicy": "Always",
          "schedulerName": "default-scheduler",
          "securityContext": {},
          "terminationGracePeriodSeconds": 30
        }
      }
    },
    "status": {"observedGeneration": 2, "replicas": 0}
  })");
  const std::string hash(name.substr(name.rfind('-') + 1));
  Set(rs, {"metadata", "name"}, json::string(name));
  Set(rs, {"metadata", "uid"}, json::string("rs-uid-" + hash));
  Set(rs, {"metadata", "creationTimestamp"}, json::string(created));
  Set(rs, {"metadata", "annotations", "deployment.kubernetes.io/revision"}, json::string(std::to_string(revision)));
  Set(rs, {"metadata", "labels", "pod-template-hash"}, json::string(hash));
  Set(rs, {"spec", "selector", "matchLabels", "pod-template-hash"}, json::string(hash));
  Set(rs, {"spec", "template", "metadata", "labels", "pod-template-hash"}, json::string(hash));
  rs.at("spec").at("template").at("spec").at("containers").at(0).as_object()["image"] = image;
  rs.at("metadata").at("ownerReferences").at(0).as_object()["uid"] = owner_uid;
  Set(rs, {"spec", "replicas"}, replicas);
  Set(rs, {"status", "replicas"}, replicas);
  return rs;
}

inline json::value List(std::string_view kind, std::initializer_list<json::value> items) {
  json::array list;
  for (const auto& i : items) list.push_back(i);
  return json::object{{"apiVersion", kind == "PodList" ? "v1" : "apps/v1"},
                      {"kind", kind},
                      {"metadata", json::object{{"resourceVersion", "5000"}}},
                      {"items", std::move(list)}};
}

}  // namespace runbookd::k8stest
