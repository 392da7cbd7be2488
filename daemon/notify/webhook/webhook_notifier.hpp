#pragma once

#include "daemon/notify/notifier_factory.hpp"

namespace runbookd::notify::webhook {

// `type: webhook`: one JSON POST of the notification per attempt, optionally signed (keys and the
// body's shape in daemon/notify/webhook/README.md).
NotifierFactory MakeNotifierFactory();

}  // namespace runbookd::notify::webhook
