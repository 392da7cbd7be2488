#pragma once

#include <yaml-cpp/yaml.h>

#include <map>
#include <set>
#include <string>

#include "config/diagnostics.hpp"

namespace runbookd::config {

// Shared by every Node of one document: what was read, for the unknown-key check.
struct DocumentState {
  std::string file;
  YAML::Node root;
  bool ok = false;
  Diagnostics* diagnostics = nullptr;
  std::map<std::string, std::set<std::string>> declared;  // mapping path -> keys read from it
  std::set<std::string> not_a_mapping;                    // paths already reported as not a mapping
};

}  // namespace runbookd::config
