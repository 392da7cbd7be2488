#include "daemon/core/registry.hpp"

#include <stdexcept>

namespace runbookd {

void Registry::AddProbeType(std::string type, ProbeFactory factory) {
  if (probe_types_.count(type)) throw std::logic_error("probe type \"" + type + "\" registered twice");
  probe_types_.emplace(std::move(type), std::move(factory));
}

void Registry::AddModuleProber(std::string prober, ModuleFactory factory) {
  if (module_probers_.count(prober)) throw std::logic_error("module prober \"" + prober + "\" registered twice");
  module_probers_.emplace(std::move(prober), std::move(factory));
}

void Registry::AddActionType(std::string type, ActionFactory factory) {
  if (action_types_.count(type)) throw std::logic_error("action type \"" + type + "\" registered twice");
  action_types_.emplace(std::move(type), std::move(factory));
}

const ActionFactory* Registry::FindActionType(std::string_view type) const {
  auto it = action_types_.find(type);
  return it == action_types_.end() ? nullptr : &it->second;
}

std::vector<std::string> Registry::ActionTypes() const {
  std::vector<std::string> out;
  for (const auto& [name, _] : action_types_) out.push_back(name);
  return out;
}

const ProbeFactory* Registry::FindProbeType(std::string_view type) const {
  auto it = probe_types_.find(type);
  return it == probe_types_.end() ? nullptr : &it->second;
}

const ModuleFactory* Registry::FindModuleProber(std::string_view prober) const {
  auto it = module_probers_.find(prober);
  return it == module_probers_.end() ? nullptr : &it->second;
}

std::vector<std::string> Registry::ProbeTypes() const {
  std::vector<std::string> out;
  for (const auto& [name, _] : probe_types_) out.push_back(name);
  return out;
}

std::vector<std::string> Registry::ModuleProbers() const {
  std::vector<std::string> out;
  for (const auto& [name, _] : module_probers_) out.push_back(name);
  return out;
}

}  // namespace runbookd
