#pragma once

#include <string>
#include <string_view>

#include "daemon/core/probe_result.hpp"
#include "probes/postgres/postgres_config.hpp"
#include "probes/postgres/pq_outcome.hpp"

namespace runbookd::postgres {

// The SQLSTATE of the last server error in a verbose libpq message ("FATAL:  28P01: ..."), or
// "" when the server reported none (libpq's own errors carry no SQLSTATE).
std::string SqlStateOf(std::string_view message);

// A libpq message as one line for a result's detail: without the verbose SQLSTATE prefix and
// LOCATION lines, its lines trimmed and joined with "; ".
std::string OneLine(std::string_view message);

// What a server error means for the probe: class 28 (wrong password, no pg_hba entry) is
// auth_failed, 53300 too_many_connections, 57P03 starting, 3D000 (no such database) not_found,
// 57014 (statement cancelled) timeout; anything else connection_failed.
ProbeReason ReasonForSqlState(std::string_view sqlstate);

// PQping's answers, with its meanings: the server accepts connections (an error other than
// 57P03 counts, as does a request for a password); it runs but refuses them; it did not answer
// as a server; libpq refused the parameters.
enum class PingAnswer { kOk, kReject, kNoResponse, kNoAttempt };
PingAnswer PingAnswerOf(const ConnectOutcome& outcome);

// What a connect outcome other than kConnected means. `up` is PingAnswerOf(...) == kOk; `peer`
// names the server in details.
struct Verdict {
  ProbeStatus status = ProbeStatus::kUnknown;
  ProbeReason reason = ProbeReason::kInternalError;
  bool up = false;
  std::string detail;
};
Verdict JudgeFailedConnect(const ConnectOutcome& outcome, ProbeMode mode, std::string_view peer);

// What a failed or timed-out query (on an established connection) means.
Verdict JudgeFailedQuery(const QueryOutcome& outcome, std::string_view peer);

}  // namespace runbookd::postgres
