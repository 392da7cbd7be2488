#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/clock.hpp"

namespace runbookd {

// How much harm a mistaken run can do. Destructive actions need approval unless the config says
// otherwise, explicitly.
enum class ActionRisk { kReadOnly, kReversible, kDestructive };
std::string_view ToString(ActionRisk risk);

// Why a plan or a run ended as it did. Closed: it is a metric label and the pipeline decides on it.
enum class OutcomeReason {
  kOk,             // done (Execute) or ready to run (Plan)
  kNoop,           // nothing to do: the target is already in the wanted state (kubectl's "skipped")
  kRefused,        // a precondition does not hold: paused, no rollout history, scale to zero, ...
  kConflict,       // the object changed since the plan (UID/resourceVersion), or a 409 from the server
  kNotFound,       // the target object does not exist
  kInvalidParams,  // the run's parameters are unusable (unknown key, bad number)
  kUnauthorized,   // 401/403 or no credential
  kApiError,       // the server refused the call for another reason, or answered nonsense
  kUnavailable,    // the server could not be reached (transport, 5xx, 429)
  kTimeout,        // the deadline passed
  kVerifyFailed,   // the change was made but verification says it did not take (rollout status)
  kInternalError,
};
std::string_view ToString(OutcomeReason reason);

// The parameters of one run: the action's spec may leave some to the caller
// (`runbookctl run ACTION --param name=web-7d9f-abc`); values are strings as given.
using ActionParams = std::map<std::string, std::string>;

struct ActionContext {
  boost::asio::any_io_executor executor;
  SteadyTime deadline;  // every API call of this Plan or Execute ends by then
};

// What an action would do, computed without side effects. It backs dry-run output, approval
// text and the plan hash, and binds Execute to the objects seen now.
struct ActionPlan {
  std::string action;              // the configured action's name
  std::string type;                // its type, e.g. k8s_rollout_undo
  std::string target;              // what it acts on, e.g. "production/deployment/ecommerce-backend"
  std::string summary;             // one line for humans: "roll back production/ecommerce-backend from revision 7 to 6"
  std::vector<std::string> steps;  // the API calls it will make, in order, e.g. "PATCH /apis/apps/v1/..."
  // The objects as observed: [{kind, namespace, name, uid, resourceVersion}, ...]. Execute refuses
  // with kConflict when one of them changed since.
  boost::json::array observed;
  // Type-specific data Execute needs (patch bodies, the chosen revision, pod names).
  boost::json::object details;
  // When set, Plan already knows there is nothing to do (kNoop) or that it must not be done
  // (kRefused, kNotFound, ...); `summary` says why and Execute is not called.
  OutcomeReason verdict = OutcomeReason::kOk;

  bool runnable() const { return verdict == OutcomeReason::kOk; }
  // All of the above as JSON (what the API and the store keep).
  boost::json::object ToJson() const;
  // SHA-256 hex of the canonical JSON of action, type, target, steps, observed and details: an
  // approval binds to this, so a changed plan needs a new approval.
  std::string Hash() const;
};

// How a run ended. `retryable` says whether the core may try the same plan again (transport
// errors); a conflict is not retryable blindly: the core must plan again.
struct Outcome {
  bool ok = false;
  bool retryable = false;
  std::optional<std::chrono::milliseconds> retry_after;
  OutcomeReason reason = OutcomeReason::kInternalError;
  std::string detail;        // for humans; never contains a secret
  boost::json::object data;  // type-specific facts: the new revision, the pods deleted

  static Outcome Ok(std::string detail, boost::json::object data = {});
  static Outcome Fail(OutcomeReason reason, std::string detail, bool retryable = false);
};

// One configured remediation. Immutable after construction: everything it touches (clock, logger,
// named client) was injected when it was built, and Plan/Execute are const.
class Action {
 public:
  virtual ~Action() = default;
  virtual ActionRisk risk() const = 0;
  // Reads the current state and decides what Execute would do. No side effects.
  virtual boost::asio::awaitable<ActionPlan> Plan(const ActionContext& ctx, const ActionParams& params) const = 0;
  // Does what `plan` says, after checking that the objects it observed are unchanged. Called only
  // for a runnable plan made by this action.
  virtual boost::asio::awaitable<Outcome> Execute(const ActionContext& ctx, const ActionPlan& plan) const = 0;
};

}  // namespace runbookd
