#include "daemon/core/action.hpp"

#include <openssl/sha.h>

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <cstdio>

namespace runbookd {

std::string_view ToString(ActionRisk risk) {
  switch (risk) {
    case ActionRisk::kReadOnly:
      return "read_only";
    case ActionRisk::kReversible:
      return "reversible";
    case ActionRisk::kDestructive:
      return "destructive";
  }
  return "destructive";
}

std::string_view ToString(OutcomeReason reason) {
  switch (reason) {
    case OutcomeReason::kOk:
      return "ok";
    case OutcomeReason::kNoop:
      return "noop";
    case OutcomeReason::kRefused:
      return "refused";
    case OutcomeReason::kConflict:
      return "conflict";
    case OutcomeReason::kNotFound:
      return "not_found";
    case OutcomeReason::kInvalidParams:
      return "invalid_params";
    case OutcomeReason::kUnauthorized:
      return "unauthorized";
    case OutcomeReason::kApiError:
      return "api_error";
    case OutcomeReason::kUnavailable:
      return "unavailable";
    case OutcomeReason::kTimeout:
      return "timeout";
    case OutcomeReason::kVerifyFailed:
      return "verify_failed";
    case OutcomeReason::kInternalError:
      return "internal_error";
  }
  return "internal_error";
}

namespace {

// Object keys sorted, so that equal plans serialise (and hash) equally whatever order they were built in.
boost::json::value Canonical(const boost::json::value& v) {
  if (v.is_object()) {
    std::vector<const boost::json::key_value_pair*> items;
    for (const auto& kv : v.get_object()) items.push_back(&kv);
    std::sort(items.begin(), items.end(), [](auto* a, auto* b) { return a->key() < b->key(); });
    boost::json::object out;
    for (const auto* kv : items) out.emplace(kv->key(), Canonical(kv->value()));
    return out;
  }
  if (v.is_array()) {
    boost::json::array out;
    for (const auto& e : v.get_array()) out.push_back(Canonical(e));
    return out;
  }
  return v;
}

}  // namespace

boost::json::object ActionPlan::ToJson() const {
  boost::json::array step_list;
  for (const auto& s : steps) step_list.push_back(boost::json::string(s));
  return boost::json::object{
      {"action", action},   {"type", type},         {"target", target},   {"summary", summary},
      {"steps", step_list}, {"observed", observed}, {"details", details}, {"verdict", ToString(verdict)}};
}

std::string ActionPlan::Hash() const {
  boost::json::array step_list;
  for (const auto& s : steps) step_list.push_back(boost::json::string(s));
  const boost::json::value bound =
      boost::json::object{{"action", action},   {"type", type},         {"target", target},
                          {"steps", step_list}, {"observed", observed}, {"details", details}};
  const std::string text = boost::json::serialize(Canonical(bound));
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  std::string hex;
  char buf[3];
  for (unsigned char c : digest) {
    std::snprintf(buf, sizeof buf, "%02x", c);
    hex += buf;
  }
  return hex;
}

Outcome Outcome::Ok(std::string detail, boost::json::object data) {
  Outcome o;
  o.ok = true;
  o.reason = OutcomeReason::kOk;
  o.detail = std::move(detail);
  o.data = std::move(data);
  return o;
}

Outcome Outcome::Fail(OutcomeReason reason, std::string detail, bool retryable) {
  Outcome o;
  o.ok = false;
  o.reason = reason;
  o.detail = std::move(detail);
  o.retryable = retryable;
  return o;
}

}  // namespace runbookd
