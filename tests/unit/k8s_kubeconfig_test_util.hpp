#pragma once

#include <catch2/catch.hpp>
#include <optional>
#include <string>

#include "config/node.hpp"
#include "daemon/clients/k8s/connection.hpp"

// Reading a `connections.prod` entry from config text, for the kubeconfig unit tests.
namespace runbookd::k8s_test {

struct Read {
  std::optional<k8s::ConnectionSettings> settings;
  std::string errors;  // Diagnostics::Format()
};

// Reads `connections.prod` of a runbookd config held in `config_file` (which need not exist: only
// its folder matters, for relative kubeconfig paths).
inline Read ReadConnectionFrom(const std::string& yaml, const std::string& config_file,
                               const k8s::InClusterPaths& paths = {}) {
  config::Diagnostics diags;
  config::Document doc = config::Document::Parse(yaml, config_file, diags);
  REQUIRE(diags.empty());
  const config::Node node = doc.root()["connections"]["prod"];
  node["type"].AsString();
  Read out;
  out.settings = k8s::ReadConnection("prod", node, paths);
  doc.CheckUnknownKeys();
  out.errors = diags.Format();
  return out;
}

// A runbookd config whose `prod` connection has the given extra lines (indented under it).
inline std::string ConfigWith(const std::string& lines) {
  return "connections:\n  prod:\n    type: kubernetes\n" + lines;
}

}  // namespace runbookd::k8s_test
