#include "daemon/store/records_gates.hpp"

#include <algorithm>
#include <utility>

namespace runbookd::store {
namespace {

// Text forms as stored and shown by the API, in enum order.
constexpr std::string_view kApprovalStates[] = {"pending", "approved", "denied", "expired"};
constexpr std::string_view kVerdicts[] = {"approve", "deny"};
constexpr std::string_view kRefusals[] = {"already_decided", "expired", "duplicate_voter"};
constexpr std::string_view kMatchOps[] = {"=", "!=", "=~", "!~"};

template <typename Enum, size_t N>
std::optional<Enum> Parse(const std::string_view (&names)[N], std::string_view text) {
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == text) return static_cast<Enum>(i);
  }
  return std::nullopt;
}

}  // namespace

std::string_view ToString(ApprovalState state) { return kApprovalStates[static_cast<size_t>(state)]; }
std::optional<ApprovalState> ParseApprovalState(std::string_view text) {
  return Parse<ApprovalState>(kApprovalStates, text);
}

std::string_view ToString(ApprovalVerdict verdict) { return kVerdicts[static_cast<size_t>(verdict)]; }
std::optional<ApprovalVerdict> ParseApprovalVerdict(std::string_view text) {
  return Parse<ApprovalVerdict>(kVerdicts, text);
}

std::string_view ToString(ApprovalRefusal refusal) { return kRefusals[static_cast<size_t>(refusal)]; }

std::string_view ToString(SilenceMatchOp op) { return kMatchOps[static_cast<size_t>(op)]; }
std::optional<SilenceMatchOp> ParseSilenceMatchOp(std::string_view text) {
  return Parse<SilenceMatchOp>(kMatchOps, text);
}

int ApprovalRecord::approve_votes() const {
  return static_cast<int>(
      std::count_if(votes.begin(), votes.end(), [](const auto& v) { return v.verdict == ApprovalVerdict::kApprove; }));
}

bool ApprovalRecord::has_voted(std::string_view approver) const {
  return std::any_of(votes.begin(), votes.end(), [&](const auto& v) { return v.approver == approver; });
}

}  // namespace runbookd::store
