#pragma once

#include <boost/json/object.hpp>
#include <functional>
#include <optional>
#include <string>

#include "daemon/core/clock.hpp"
#include "daemon/gates/silence_book.hpp"
#include "daemon/http/router.hpp"

namespace runbookd {

// One silence as the API shows it: {"id", "matchers": [{"name", "op", "value"}], "starts_at",
// "ends_at", "created_by", "comment", "created_at", "expired_at", "state": "active" | "pending" |
// "expired"}. runbookctl reads the same fields.
boost::json::object SilenceJson(const store::SilenceRecord& silence, WallTime now);

// The body of POST /api/v1/silences: {"matchers": [{"name", "op", "value"}] or ["alertname=Foo",
// "namespace=~prod.*"], "starts_at"?: RFC 3339 (default now; one in the past means now),
// "ends_at": RFC 3339 | "duration": "2h", "comment"?}. created_by and created_at are left to the
// caller. nullopt with `error` naming the JSON path when the body is unusable.
std::optional<store::NewSilence> ParseSilenceBody(const std::string& body, WallTime now, std::string& error);

// GET /api/v1/silences[?all=1] (operator): {"silences": [...]}, active and scheduled ones oldest
// first, or with all=1 every silence newest first.
http::Handler MakeListSilencesHandler(std::function<gates::SilenceBook&()> book, const Clock& clock);
// POST /api/v1/silences (operator): created by the calling token's name; answers the silence.
http::Handler MakeAddSilenceHandler(std::function<gates::SilenceBook&()> book, const Clock& clock);
// DELETE /api/v1/silences/{id} (operator): expires it now; 404 unknown, 409 already_expired.
http::Handler MakeExpireSilenceHandler(std::function<gates::SilenceBook&()> book, const Clock& clock);

}  // namespace runbookd
