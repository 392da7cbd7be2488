#include "probes/postgres/pq_diagnosis.hpp"

#include <cctype>
#include <cerrno>
#include <cstring>

namespace runbookd::postgres {

namespace {

bool IsSqlStateChar(char c) { return std::isdigit(static_cast<unsigned char>(c)) || (c >= 'A' && c <= 'Z'); }

// Where a verbose server error's "SEVERITY:  " is followed by "XXXXX: " at `pos`.
bool SqlStateAt(std::string_view s, size_t pos) {
  if (pos < 3 || pos + 7 > s.size() || s.substr(pos - 3, 3) != ":  ") return false;
  for (size_t i = pos; i < pos + 5; ++i) {
    if (!IsSqlStateChar(s[i])) return false;
  }
  return s.substr(pos + 5, 2) == ": ";
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// libpq formats socket errors with strerror in this process's locale, so comparing with our
// own strerror is exact. ENOENT is a Unix socket whose file is gone: the server is not running.
bool ConnectWasRefused(std::string_view message) {
  return message.find(std::strerror(ECONNREFUSED)) != std::string_view::npos ||
         message.find(std::strerror(ENOENT)) != std::string_view::npos;
}

std::string WithSqlState(std::string text, std::string_view sqlstate) {
  if (!sqlstate.empty()) text += " (SQLSTATE " + std::string(sqlstate) + ")";
  return text;
}

std::string TimeoutDetail(ConnectStage stage, std::string_view peer) {
  const std::string who(peer);
  switch (stage) {
    case ConnectStage::kTls:
      return who + " accepted the connection but did not answer the SSL request in time";
    case ConnectStage::kStartup:
      return who + " accepted the connection but did not answer the login in time";
    case ConnectStage::kParameters:
    case ConnectStage::kNetwork:
      break;
  }
  return "connecting to " + who + " timed out";
}

}  // namespace

std::string SqlStateOf(std::string_view message) {
  for (size_t pos = message.size(); pos-- > 0;) {
    if (SqlStateAt(message, pos)) return std::string(message.substr(pos, 5));
  }
  return {};
}

std::string OneLine(std::string_view message) {
  std::string out;
  while (!message.empty()) {
    const size_t end = message.find('\n');
    std::string_view line = Trim(message.substr(0, end));
    message.remove_prefix(end == std::string_view::npos ? message.size() : end + 1);
    if (line.empty() || line.substr(0, 9) == "LOCATION:") continue;
    std::string cleaned(line);
    for (size_t pos = 0; pos < cleaned.size(); ++pos) {
      if (SqlStateAt(cleaned, pos)) {
        cleaned.erase(pos, 7);
        break;
      }
    }
    if (!out.empty()) out += "; ";
    out += cleaned;
  }
  return out;
}

ProbeReason ReasonForSqlState(std::string_view sqlstate) {
  if (sqlstate.substr(0, 2) == "28") return ProbeReason::kAuthFailed;
  if (sqlstate == "53300") return ProbeReason::kTooManyConnections;
  if (sqlstate == "57P03") return ProbeReason::kStarting;
  if (sqlstate == "3D000") return ProbeReason::kNotFound;
  if (sqlstate == "57014") return ProbeReason::kTimeout;
  return ProbeReason::kConnectionFailed;
}

PingAnswer PingAnswerOf(const ConnectOutcome& outcome) {
  if (outcome.status == ConnectOutcome::Status::kConnected) return PingAnswer::kOk;
  if (outcome.status == ConnectOutcome::Status::kTimeout) return PingAnswer::kNoResponse;
  if (outcome.stage == ConnectStage::kParameters) return PingAnswer::kNoAttempt;
  const std::string sqlstate = SqlStateOf(outcome.message);
  if (sqlstate == "57P03") return PingAnswer::kReject;
  if (!sqlstate.empty() || outcome.password_needed) return PingAnswer::kOk;
  return PingAnswer::kNoResponse;
}

Verdict JudgeFailedConnect(const ConnectOutcome& outcome, ProbeMode mode, std::string_view peer) {
  const std::string sqlstate = SqlStateOf(outcome.message);
  const std::string said = OneLine(outcome.message);
  switch (PingAnswerOf(outcome)) {
    case PingAnswer::kNoAttempt:
      return {ProbeStatus::kUnknown, ProbeReason::kMisconfigured, false, "libpq refused the parameters: " + said};
    case PingAnswer::kReject:
      return {ProbeStatus::kUnhealthy, ProbeReason::kStarting, false, WithSqlState(said, sqlstate)};
    case PingAnswer::kOk:
      // The server runs and accepts connections; it only refused this one.
      if (mode == ProbeMode::kPing) {
        return {ProbeStatus::kHealthy, ProbeReason::kOk, true,
                std::string(peer) + " accepts connections (it answered: " + WithSqlState(said, sqlstate) + ")"};
      }
      if (sqlstate.empty()) {
        return {ProbeStatus::kUnhealthy, ProbeReason::kAuthFailed, true,
                std::string(peer) + " asks for a password and none is configured"};
      }
      return {ProbeStatus::kUnhealthy, ReasonForSqlState(sqlstate), true, WithSqlState(said, sqlstate)};
    case PingAnswer::kNoResponse:
      break;
  }
  if (outcome.status == ConnectOutcome::Status::kTimeout) {
    return {ProbeStatus::kUnhealthy, ProbeReason::kTimeout, false, TimeoutDetail(outcome.stage, peer)};
  }
  ProbeReason reason = ProbeReason::kConnectionFailed;
  if (outcome.stage == ConnectStage::kTls) reason = ProbeReason::kTlsError;
  if (outcome.stage == ConnectStage::kNetwork && ConnectWasRefused(outcome.message)) {
    reason = ProbeReason::kConnectionRefused;
  }
  return {ProbeStatus::kUnhealthy, reason, false, said};
}

Verdict JudgeFailedQuery(const QueryOutcome& outcome, std::string_view peer) {
  if (outcome.status == QueryOutcome::Status::kTimeout) {
    return {ProbeStatus::kUnhealthy, ProbeReason::kTimeout, true,
            std::string(peer) + " accepted the login but did not answer the query in time"};
  }
  return {ProbeStatus::kUnhealthy, ReasonForSqlState(outcome.sqlstate), true,
          WithSqlState("query failed: " + outcome.message, outcome.sqlstate)};
}

}  // namespace runbookd::postgres
