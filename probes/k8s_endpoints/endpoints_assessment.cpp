#include "probes/k8s_endpoints/endpoints_assessment.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "daemon/clients/k8s/resources.hpp"
#include "probes/k8s_common/k8s_common.hpp"

namespace runbookd::probes::k8s_endpoints {

namespace {

using namespace k8s_common::reading;

constexpr std::size_t kMaxListed = 5;  // not-ready addresses named in the detail

struct Address {
  std::string ip;
  std::string target;  // "pod/web-7d9f-abc" from targetRef, when there is one
};

// Ready and not-ready addresses, each address once; one that is both (an endpoint moving between
// slices) counts as ready.
class Tally {
 public:
  void Add(Address address, bool ready) {
    if (address.ip.empty()) return;
    if (ready) {
      if (ready_ips_.insert(address.ip).second) ready_.push_back(std::move(address));
    } else if (not_ready_ips_.insert(address.ip).second) {
      not_ready_.push_back(std::move(address));
    }
  }
  std::vector<Address> NotReady() const {
    std::vector<Address> out;
    for (const auto& a : not_ready_) {
      if (!ready_ips_.count(a.ip)) out.push_back(a);
    }
    return out;
  }
  std::size_t ready() const { return ready_.size(); }

 private:
  std::vector<Address> ready_, not_ready_;
  std::set<std::string> ready_ips_, not_ready_ips_;
};

std::string TargetOf(const json::value& address) {
  const json::value* ref = Find(address, {"targetRef"});
  if (ref == nullptr) return {};
  std::string kind = StringAt(*ref, {"kind"});
  std::transform(kind.begin(), kind.end(), kind.begin(), [](unsigned char c) { return std::tolower(c); });
  const std::string name = StringAt(*ref, {"name"});
  if (name.empty()) return {};
  return kind.empty() ? name : kind + "/" + name;
}

// `list` of JSON address objects (EndpointAddress) into the tally.
void AddAddresses(const json::value* list, bool ready, Tally& tally) {
  if (list == nullptr || !list->is_array()) return;
  for (const auto& address : list->get_array()) tally.Add({StringAt(address, {"ip"}), TargetOf(address)}, ready);
}

ProbeResult Conclude(const Tally& tally, std::string_view ns, const EndpointsSpec& spec, std::string_view note) {
  const std::vector<Address> not_ready = tally.NotReady();
  ProbeResult result;
  result.Observe("endpoints_ready", static_cast<double>(tally.ready()));
  result.Observe("endpoints_not_ready", static_cast<double>(not_ready.size()));

  // "service production/web has 0 ready endpoints (2 not ready: 10.0.1.5 pod/web-abc, 10.0.1.6 pod/web-def)"
  std::string detail = "service " + common::Qualified(ns, spec.service) + " has " + std::to_string(tally.ready()) +
                       (tally.ready() == 1 ? " ready endpoint" : " ready endpoints");
  if (!not_ready.empty()) {
    detail += " (" + std::to_string(not_ready.size()) + " not ready: ";
    for (std::size_t i = 0; i < not_ready.size() && i < kMaxListed; ++i) {
      detail += (i == 0 ? "" : ", ") + not_ready[i].ip + (not_ready[i].target.empty() ? "" : " " + not_ready[i].target);
    }
    if (not_ready.size() > kMaxListed) detail += ", +" + std::to_string(not_ready.size() - kMaxListed) + " more";
    detail += ")";
  }
  if (!note.empty()) detail += " (" + std::string(note) + ")";
  const bool enough = static_cast<int64_t>(tally.ready()) >= spec.min_ready;
  if (!enough && spec.min_ready > 1) detail += "; need at least " + std::to_string(spec.min_ready);
  common::Judge(result, !enough, ProbeReason::kNoEndpoints, std::move(detail));
  return result;
}

}  // namespace

ProbeResult AssessEndpointSlices(const json::value& slice_list, std::string_view ns, const EndpointsSpec& spec) {
  const json::array* slices = common::ItemsOf(slice_list);
  if (slices == nullptr) return common::UnusableAnswer("the EndpointSlice list has no items array");
  // One tally per address family: a dual-stack Service lists every pod once per family.
  std::map<std::string, Tally> by_family;
  for (const auto& slice : *slices) {
    Tally& tally = by_family[StringAt(slice, {"addressType"})];
    const json::value* endpoints = Find(slice, {"endpoints"});
    if (endpoints == nullptr || !endpoints->is_array()) continue;  // null: a slice with no endpoints
    for (const auto& endpoint : endpoints->get_array()) {
      // Consumers may use only the first address: the others are fungible (EndpointSlice API).
      const json::value* addresses = Find(endpoint, {"addresses"});
      if (addresses == nullptr || !addresses->is_array() || addresses->get_array().empty()) continue;
      const json::value& first = addresses->get_array().front();
      const json::value* ready = Find(endpoint, {"conditions", "ready"});
      // Absent (or null) ready means ready: "nil should be interpreted as true" (the API docs).
      const bool is_ready = ready == nullptr || !ready->is_bool() || ready->get_bool();
      tally.Add({first.is_string() ? std::string(first.get_string()) : std::string(), TargetOf(endpoint)}, is_ready);
    }
  }
  if (by_family.empty()) return Conclude(Tally(), ns, spec, "no EndpointSlices");
  const Tally* best = nullptr;
  for (const auto& [family, tally] : by_family) {
    if (best == nullptr || tally.ready() > best->ready() ||
        (tally.ready() == best->ready() && tally.NotReady().size() > best->NotReady().size())) {
      best = &tally;
    }
  }
  return Conclude(*best, ns, spec, "");
}

ProbeResult AssessEndpoints(const json::value& endpoints, std::string_view ns, const EndpointsSpec& spec) {
  if (!endpoints.is_object()) return common::UnusableAnswer("the Endpoints object is not an object");
  Tally tally;
  const json::value* subsets = Find(endpoints, {"subsets"});
  if (subsets != nullptr && subsets->is_array()) {
    for (const auto& subset : subsets->get_array()) {
      AddAddresses(Find(subset, {"addresses"}), true, tally);
      AddAddresses(Find(subset, {"notReadyAddresses"}), false, tally);
    }
  }
  return Conclude(tally, ns, spec, "");
}

}  // namespace runbookd::probes::k8s_endpoints
