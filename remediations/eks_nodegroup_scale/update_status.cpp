#include "remediations/eks_nodegroup_scale/update_status.hpp"

#include <boost/json/object.hpp>

namespace runbookd::remediations::eks_nodegroup_scale {

namespace json = boost::json;

namespace {

std::string StringAt(const json::object& o, std::string_view key) {
  const auto* found = o.if_contains(key);
  return found && found->is_string() ? std::string(found->get_string()) : std::string();
}

}  // namespace

UpdateState ReadUpdate(const json::value& body) {
  UpdateState out;
  const auto* update = body.is_object() ? body.get_object().if_contains("update") : nullptr;
  if (update == nullptr || !update->is_object()) return out;
  const json::object& u = update->get_object();
  out.id = StringAt(u, "id");
  out.status = StringAt(u, "status");
  if (const auto* errors = u.if_contains("errors"); errors && errors->is_array()) {
    for (const auto& e : errors->get_array()) {
      if (!e.is_object()) continue;
      const std::string code = StringAt(e.get_object(), "errorCode");
      const std::string message = StringAt(e.get_object(), "errorMessage");
      out.errors += (out.errors.empty() ? "" : "; ") + code + (code.empty() || message.empty() ? "" : ": ") + message;
    }
  }
  return out;
}

std::optional<Outcome> Concluded(const UpdateState& update, const std::string& scaled, const ScalingConfig& target) {
  if (update.status == "Successful") {
    return Outcome::Ok(scaled + " (update " + update.id + " Successful)",
                       json::object{{"update_id", update.id}, {"scalingConfig", ScalingJson(target)}});
  }
  if (update.status == "Failed" || update.status == "Cancelled") {
    return Outcome::Fail(OutcomeReason::kVerifyFailed,
                         "update " + update.id + " " + update.status +
                             (update.errors.empty() ? std::string(" (no errors given)") : ": " + update.errors));
  }
  return std::nullopt;
}

}  // namespace runbookd::remediations::eks_nodegroup_scale
