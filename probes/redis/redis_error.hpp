#pragma once

#include <string>
#include <string_view>

#include "daemon/core/probe_result.hpp"

namespace runbookd::redis {

// The commands the probe sends, in order.
enum class Command { kAuth, kSelect, kPing, kInfo };

// "AUTH", "SELECT", "PING", "INFO replication".
std::string_view ToString(Command command);

// What an error reply (`-CODE message`, given without the '-') means for the probe: first by
// Redis's error code (NOAUTH, WRONGPASS, LOADING, MASTERDOWN, NOPERM), then by the command it
// answered.
struct ErrorVerdict {
  ProbeStatus status;
  ProbeReason reason;
};
ErrorVerdict JudgeErrorReply(Command command, std::string_view message);

// Server-supplied text made fit for a detail. Redis echoes the arguments of a command it does
// not know ("ERR unknown command 'AUTH', with args beginning with: 'user' 'password' "), AUTH
// included when it is renamed away, and cuts that echo at 128 bytes, so a long password may
// show up only in part: the echo is dropped, every remaining occurrence of `secret` becomes
// <secret>, control characters become spaces, and the text is cut at 200 bytes.
std::string SafeServerText(std::string_view text, std::string_view secret);

}  // namespace runbookd::redis
