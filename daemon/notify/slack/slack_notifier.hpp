#pragma once

#include "daemon/notify/notifier_factory.hpp"

namespace runbookd::notify::slack {

// `type: slack`: one POST of a Block Kit message to an incoming webhook per attempt (keys in
// daemon/notify/slack/README.md).
NotifierFactory MakeNotifierFactory();

}  // namespace runbookd::notify::slack
