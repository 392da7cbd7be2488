// What Redis error replies mean for the probe, and server text made safe for a detail.
#include "probes/redis/redis_error.hpp"

#include <catch2/catch.hpp>
#include <string>

using runbookd::ProbeReason;
using runbookd::ProbeStatus;
using runbookd::redis::Command;
using runbookd::redis::JudgeErrorReply;
using runbookd::redis::SafeServerText;

namespace {

bool Is(runbookd::redis::ErrorVerdict v, ProbeStatus status, ProbeReason reason) {
  return v.status == status && v.reason == reason;
}

}  // namespace

TEST_CASE("redis errors: the error code decides, whatever the command", "[redis]") {
  for (Command command : {Command::kAuth, Command::kSelect, Command::kPing, Command::kInfo}) {
    INFO(runbookd::redis::ToString(command));
    CHECK(Is(JudgeErrorReply(command, "NOAUTH Authentication required."), ProbeStatus::kUnhealthy,
             ProbeReason::kAuthFailed));
    CHECK(Is(JudgeErrorReply(command, "WRONGPASS invalid username-password pair or user is disabled."),
             ProbeStatus::kUnhealthy, ProbeReason::kAuthFailed));
    CHECK(Is(JudgeErrorReply(command, "ERR invalid password"), ProbeStatus::kUnhealthy, ProbeReason::kAuthFailed));
    CHECK(Is(JudgeErrorReply(command, "LOADING Redis is loading the dataset in memory"), ProbeStatus::kUnhealthy,
             ProbeReason::kLoading));
    CHECK(
        Is(JudgeErrorReply(command, "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."),
           ProbeStatus::kUnhealthy, ProbeReason::kMasterDown));
    CHECK(Is(JudgeErrorReply(command, "NOPERM this user has no permissions to run the 'info' command"),
             ProbeStatus::kUnknown, ProbeReason::kMisconfigured));
  }
}

TEST_CASE("redis errors: other errors by the command they answer", "[redis]") {
  CHECK(Is(JudgeErrorReply(Command::kAuth,
                           "ERR AUTH <password> called without any password configured for the default user. Are you "
                           "sure your configuration is correct?"),
           ProbeStatus::kUnhealthy, ProbeReason::kAuthFailed));
  CHECK(Is(JudgeErrorReply(Command::kSelect, "ERR DB index is out of range"), ProbeStatus::kUnknown,
           ProbeReason::kMisconfigured));
  CHECK(Is(JudgeErrorReply(Command::kPing, "BUSY Redis is busy running a script."), ProbeStatus::kUnhealthy,
           ProbeReason::kProtocolError));
  CHECK(Is(JudgeErrorReply(Command::kInfo, "ERR max number of clients reached"), ProbeStatus::kUnhealthy,
           ProbeReason::kProtocolError));
  // A code is a whole word: LOADINGX is not LOADING.
  CHECK(Is(JudgeErrorReply(Command::kPing, "LOADINGX"), ProbeStatus::kUnhealthy, ProbeReason::kProtocolError));
}

TEST_CASE("redis errors: server text never carries the password", "[redis]") {
  // What redis-server 7.0 answers when AUTH is renamed away.
  CHECK(SafeServerText("ERR unknown command 'AUTH', with args beginning with: 'hunter2secret' ", "hunter2secret") ==
        "ERR unknown command 'AUTH'");
  // Redis cuts the echo at 128 bytes: a long password shows only in part, and is dropped with it.
  const std::string long_password(300, 'p');
  const std::string echoed =
      "ERR unknown command 'AUTH', with args beginning with: 'alice' '" + long_password.substr(0, 110) + "' ";
  CHECK(SafeServerText(echoed, long_password).find("ppp") == std::string::npos);
  // Anywhere else, every occurrence is masked.
  CHECK(SafeServerText("x s3cret y s3crets3cret", "s3cret") == "x <secret> y <secret><secret>");
  CHECK(SafeServerText("no secret here", "") == "no secret here");
}

TEST_CASE("redis errors: server text is one bounded line", "[redis]") {
  CHECK(SafeServerText("a\r\nb\tc", "") == "a  b c");
  const std::string cut = SafeServerText(std::string(500, 'x'), "");
  CHECK(cut.size() == 203);
  CHECK(cut.substr(200) == "...");
}
