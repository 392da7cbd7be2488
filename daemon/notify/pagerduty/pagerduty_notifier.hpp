#pragma once

#include "daemon/notify/notifier_factory.hpp"

namespace runbookd::notify::pagerduty {

// `type: pagerduty`: one Events API v2 event per attempt (keys in daemon/notify/pagerduty/README.md).
NotifierFactory MakeNotifierFactory();

}  // namespace runbookd::notify::pagerduty
