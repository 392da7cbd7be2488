#include "daemon/core/notifier.hpp"

namespace runbookd {

std::string_view ToString(NotificationKind kind) {
  switch (kind) {
    case NotificationKind::kOpened:
      return "opened";
    case NotificationKind::kUpdate:
      return "update";
    case NotificationKind::kApprovalRequested:
      return "approval_requested";
    case NotificationKind::kActionTaken:
      return "action_taken";
    case NotificationKind::kEscalated:
      return "escalated";
    case NotificationKind::kResolved:
      return "resolved";
    case NotificationKind::kAcknowledged:
      return "acknowledged";
  }
  return "update";
}

}  // namespace runbookd
