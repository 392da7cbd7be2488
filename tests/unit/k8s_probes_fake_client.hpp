#pragma once

// A canned Kubernetes client for the k8s_* probe tests: answers GET by exact path (path and
// query) and records every path asked for. Anything it was not told about is a 404, as the API
// server answers an unknown path.

#include <boost/json/parse.hpp>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/node.hpp"
#include "daemon/clients/k8s/client.hpp"
#include "daemon/core/registry.hpp"

namespace runbookd::k8stest {

class FakeClient final : public k8s::Client {
 public:
  explicit FakeClient(std::string default_namespace = "default") : default_namespace_(std::move(default_namespace)) {}

  void AnswerJson(const std::string& path, std::string_view json) {
    k8s::Reply reply;
    reply.body = boost::json::parse(json);
    answers_[path] = std::move(reply);
  }
  void AnswerError(const std::string& path, k8s::ErrorKind kind, int http_status, std::string message) {
    k8s::Reply reply;
    reply.error = {kind, http_status, "", std::move(message)};
    answers_[path] = std::move(reply);
  }
  const std::vector<std::string>& requests() const { return requests_; }

  const std::string& name() const override { return name_; }
  const std::string& default_namespace() const override { return default_namespace_; }
  const std::string& server() const override { return server_; }

  boost::asio::awaitable<k8s::Reply> Get(boost::asio::any_io_executor, std::string path, SteadyTime) override {
    requests_.push_back(path);
    auto found = answers_.find(path);
    if (found != answers_.end()) co_return found->second;
    k8s::Reply missing;
    missing.error = {k8s::ErrorKind::kNotFound, 404, "NotFound",
                     "GET " + path + ": 404 NotFound: the server could not find the requested resource"};
    co_return missing;
  }
  boost::asio::awaitable<k8s::Reply> Patch(boost::asio::any_io_executor, std::string, k8s::PatchType, std::string,
                                           SteadyTime) override {
    co_return Refused();
  }
  boost::asio::awaitable<k8s::Reply> Delete(boost::asio::any_io_executor, std::string, std::string,
                                            SteadyTime) override {
    co_return Refused();
  }
  boost::asio::awaitable<k8s::Reply> Put(boost::asio::any_io_executor, std::string, std::string, SteadyTime) override {
    co_return Refused();
  }
  boost::asio::awaitable<k8s::Reply> Post(boost::asio::any_io_executor, std::string, std::string, SteadyTime) override {
    co_return Refused();
  }

 private:
  // Probes only read; a write is a bug in the probe.
  static k8s::Reply Refused() {
    k8s::Reply reply;
    reply.error = {k8s::ErrorKind::kInvalid, 400, "BadRequest", "the probe fake accepts only GET"};
    return reply;
  }

  std::string name_ = "fake";
  std::string default_namespace_;
  std::string server_ = "https://fake.invalid:6443";
  std::map<std::string, k8s::Reply> answers_;
  std::vector<std::string> requests_;
};

// The config errors of a spec built with `deps`, formatted (unknown keys included).
inline std::string SpecErrors(const ProbeFactory& factory, const std::string& yaml, const ProbeDeps& deps) {
  config::Diagnostics diags;
  auto doc = config::Document::Parse(yaml, "t.yaml", diags);
  (void)factory(doc.root(), deps);
  doc.CheckUnknownKeys();
  return diags.Format();
}

// Deps with a kubernetes connection named "prod" and `clock`.
inline ProbeDeps DepsWith(std::shared_ptr<FakeClient> client, const Clock* clock) {
  ProbeDeps deps;
  deps.clock = clock;
  deps.kubernetes = std::move(client);
  deps.connection = "prod";
  return deps;
}

}  // namespace runbookd::k8stest
