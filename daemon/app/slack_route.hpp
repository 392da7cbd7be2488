#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "config/secret.hpp"
#include "daemon/core/clock.hpp"
#include "daemon/gates/approval_book.hpp"
#include "daemon/http/router.hpp"

namespace runbookd {

// POST /api/v1/slack/interactions: the Request URL of a Slack app whose messages carry Approve /
// Deny buttons. No bearer token (Slack cannot send one): every request must carry a valid Slack
// signature under one of the configured apps' signing secrets, over the raw body, within five
// minutes. A click becomes the vote of "slack:<user>" on the button's approval. 401 for a bad
// signature, 400 for a payload that is not a button click, otherwise 200 with the outcome as the
// text Slack shows.
http::Handler MakeSlackInteractionHandler(std::shared_ptr<const std::vector<config::Secret>> signing_secrets,
                                          std::function<gates::ApprovalBook&()> book, const Clock& clock);

}  // namespace runbookd
