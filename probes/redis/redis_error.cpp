#include "probes/redis/redis_error.hpp"

namespace runbookd::redis {

namespace {

constexpr size_t kMaxServerText = 200;

bool StartsWith(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

// Redis's error code: the first word, when it is all capitals (-ERR, -NOAUTH, -WRONGPASS, ...).
std::string_view ErrorCode(std::string_view message) { return message.substr(0, message.find(' ')); }

}  // namespace

std::string_view ToString(Command command) {
  switch (command) {
    case Command::kAuth:
      return "AUTH";
    case Command::kSelect:
      return "SELECT";
    case Command::kPing:
      return "PING";
    case Command::kInfo:
      return "INFO replication";
  }
  return "?";
}

ErrorVerdict JudgeErrorReply(Command command, std::string_view message) {
  const std::string_view code = ErrorCode(message);
  // Redis before 6 said "-ERR invalid password" where 6+ says "-WRONGPASS ...".
  if (code == "NOAUTH" || code == "WRONGPASS" || StartsWith(message, "ERR invalid password")) {
    return {ProbeStatus::kUnhealthy, ProbeReason::kAuthFailed};
  }
  if (code == "LOADING") return {ProbeStatus::kUnhealthy, ProbeReason::kLoading};
  if (code == "MASTERDOWN") return {ProbeStatus::kUnhealthy, ProbeReason::kMasterDown};
  // The ACL user lacks a command the probe needs (INFO needs +info): the probe cannot decide.
  if (code == "NOPERM") return {ProbeStatus::kUnknown, ProbeReason::kMisconfigured};
  switch (command) {
    case Command::kAuth:  // e.g. AUTH to a server without a password, or an unknown user
      return {ProbeStatus::kUnhealthy, ProbeReason::kAuthFailed};
    case Command::kSelect:  // "ERR DB index is out of range": the spec's db does not exist there
      return {ProbeStatus::kUnknown, ProbeReason::kMisconfigured};
    case Command::kPing:
    case Command::kInfo:
      break;
  }
  // Anything else (-BUSY, -ERR max number of clients reached, ...): the server is not serving.
  return {ProbeStatus::kUnhealthy, ProbeReason::kProtocolError};
}

std::string SafeServerText(std::string_view text, std::string_view secret) {
  std::string out(text.substr(0, text.find(", with args beginning with:")));
  if (!secret.empty()) {
    constexpr std::string_view kMask = "<secret>";
    for (size_t at = out.find(secret); at != std::string::npos; at = out.find(secret, at + kMask.size())) {
      out.replace(at, secret.size(), kMask);
    }
  }
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  if (out.size() > kMaxServerText) {
    out.resize(kMaxServerText);
    out += "...";
  }
  return out;
}

}  // namespace runbookd::redis
