#include "probes/redis/redis_probe.hpp"

#include <openssl/crypto.h>

#include <boost/asio/error.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/clients/dns/resolver.hpp"
#include "daemon/core/probe_guard.hpp"
#include "probes/redis/redis_config.hpp"
#include "probes/redis/redis_error.hpp"
#include "probes/redis/replication_assessment.hpp"
#include "probes/redis/replication_info.hpp"
#include "probes/redis/resp.hpp"
#include "probes/tcp/connection.hpp"

namespace runbookd::probes::redis {

namespace asio = boost::asio;
namespace net = runbookd::dns;
using boost::system::error_code;
using runbookd::redis::Command;
using runbookd::redis::RedisCheck;
using runbookd::redis::RespReader;
using runbookd::redis::RespReply;
using runbookd::tcp::Connection;

namespace {

// One reply, or why there is none: an I/O error (deadline, cancellation, peer gone) or bytes
// that are not RESP.
struct ReplyOrFailure {
  std::optional<RespReply> reply;
  error_code io_error;
  std::string protocol_error;
};

// Reads until `reader` holds a complete reply. Connection hands out lines without their "\r\n";
// RESP frames every element with "\r\n", and what Redis sends for these commands (statuses,
// errors, and INFO's "\r\n"-separated bulk) survives being re-framed line by line.
asio::awaitable<ReplyOrFailure> ReadReply(Connection& connection, RespReader& reader, SteadyTime deadline) {
  ReplyOrFailure out;
  std::string line;
  while (true) {
    RespReply reply;
    switch (reader.Next(reply, out.protocol_error)) {
      case RespReader::Status::kReply:
        out.reply = std::move(reply);
        co_return out;
      case RespReader::Status::kProtocolError:
        co_return out;
      case RespReader::Status::kNeedMore:
        break;
    }
    if (error_code ec = co_await connection.ReadLine(line, deadline)) {
      out.io_error = ec;
      co_return out;
    }
    line += "\r\n";
    reader.Feed(line);
  }
}

std::string_view Describe(const RespReply& reply) {
  switch (reply.type) {
    case RespReply::Type::kStatus:
      return "a status";
    case RespReply::Type::kError:
      return "an error";
    case RespReply::Type::kInteger:
      return "an integer";
    case RespReply::Type::kNil:
      return "nil";
    case RespReply::Type::kString:
      return "a bulk string";
    case RespReply::Type::kArray:
      return "an array";
  }
  return "?";
}

class RedisProbe final : public Probe {
 public:
  explicit RedisProbe(std::shared_ptr<const RedisCheck> check) : check_(std::move(check)) {}

  asio::awaitable<ProbeResult> Run(const ProbeContext& ctx) const override {
    co_return co_await RunGuarded([this, &ctx](ProbeResult& result) { return Check(ctx, result); });
  }

 private:
  asio::awaitable<void> Check(const ProbeContext& ctx, ProbeResult& result) const {
    const RedisCheck& check = *check_;
    result.Observe("redis_up", 0);

    const net::ResolvedHost resolved =
        co_await net::ResolveHost(ctx.executor, check.address.host, net::AddressChoice{}, ctx.deadline);
    if (resolved.status != net::ResolvedHost::Status::kOk) {
      net::ConcludeUnresolved(resolved, result);
      co_return;
    }

    const std::string peer = net::JoinHostPort(resolved.address.to_string(), check.address.port);
    Connection connection(ctx.executor);
    const asio::ip::tcp::endpoint endpoint(resolved.address, check.address.port);
    if (error_code ec = co_await connection.Connect(endpoint, ctx.deadline)) {
      if (ec == asio::error::operation_aborted) {
        result.Conclude(ProbeStatus::kUnknown, ProbeReason::kTimeout, "cancelled");
      } else {
        result.Conclude(ProbeStatus::kUnhealthy, runbookd::tcp::ConnectFailureReason(ec),
                        "connect to " + peer + ": " + (ec == asio::error::timed_out ? "timed out" : ec.message()));
      }
      co_return;
    }
    if (check.tls_context && !co_await StartTls(ctx, connection, peer, result)) co_return;

    // The commands go out in one write and their replies are judged in order; after a refused
    // AUTH the rest are answered with -NOAUTH, which changes nothing.
    std::vector<Command> commands;
    std::string request;
    if (check.password) {
      commands.push_back(Command::kAuth);
      const std::string& password = check.password->Reveal();
      request += check.username.empty() ? runbookd::redis::EncodeCommand({"AUTH", password})
                                        : runbookd::redis::EncodeCommand({"AUTH", check.username, password});
    }
    if (check.db) {
      commands.push_back(Command::kSelect);
      request += runbookd::redis::EncodeCommand({"SELECT", std::to_string(*check.db)});
    }
    commands.push_back(Command::kPing);
    request += runbookd::redis::EncodeCommand({"PING"});
    commands.push_back(Command::kInfo);
    request += runbookd::redis::EncodeCommand({"INFO", "replication"});

    const error_code write_error = co_await connection.Write(request, ctx.deadline);
    OPENSSL_cleanse(request.data(), request.size());  // it holds the password (best effort)
    if (write_error) {
      ConcludeIoFailure(result, write_error, "sending to " + peer);
      co_return;
    }

    RespReader reader;
    for (const Command command : commands) {
      const ReplyOrFailure answer = co_await ReadReply(connection, reader, ctx.deadline);
      if (!answer.reply) {
        ConcludeNoReply(result, answer, command, peer);
        co_return;
      }
      const RespReply& reply = *answer.reply;
      if (reply.type == RespReply::Type::kError) {
        ConcludeErrorReply(result, reply.text, command, peer);
        co_return;
      }
      if (command == Command::kPing) {
        if (reply.type != RespReply::Type::kStatus || reply.text != "PONG") {
          result.Conclude(ProbeStatus::kUnhealthy, ProbeReason::kProtocolError,
                          peer + " answered PING with " + std::string(Describe(reply)) + ", not PONG");
          co_return;
        }
        result.Observe("redis_up", 1);
      }
      if (command == Command::kInfo) {
        if (reply.type != RespReply::Type::kString) {
          result.Conclude(ProbeStatus::kUnhealthy, ProbeReason::kProtocolError,
                          peer + " answered INFO replication with " + std::string(Describe(reply)));
          co_return;
        }
        runbookd::redis::AssessReplication(runbookd::redis::ParseReplicationInfo(reply.text), check.expect_role,
                                           result);
        result.detail = peer + ": " + result.detail;
      }
    }
  }

  // TLS on the connection; false (with `result` concluded) when the handshake fails.
  asio::awaitable<bool> StartTls(const ProbeContext& ctx, Connection& connection, const std::string& peer,
                                 ProbeResult& result) const {
    const RedisCheck& check = *check_;
    tls::HandshakeFailure failure;
    const std::string server_name = tls::EffectiveServerName(check.tls_options, check.address.host);
    const error_code ec = co_await connection.StartTls(*check.tls_context, server_name,
                                                       check.tls_options.insecure_skip_verify, ctx.deadline, failure);
    if (ec == asio::error::timed_out || ec == asio::error::operation_aborted) {
      ConcludeIoFailure(result, ec, "TLS handshake with " + peer);
      co_return false;
    }
    if (ec) {
      result.Conclude(ProbeStatus::kUnhealthy, failure.reason, peer + ": " + failure.message);
      co_return false;
    }
    co_return true;
  }

  // The deadline, cancellation, or the network.
  static void ConcludeIoFailure(ProbeResult& result, const error_code& ec, const std::string& what) {
    if (ec == asio::error::operation_aborted) {
      result.Conclude(ProbeStatus::kUnknown, ProbeReason::kTimeout, "cancelled");
    } else if (ec == asio::error::timed_out) {
      result.Conclude(ProbeStatus::kUnhealthy, ProbeReason::kTimeout, what + ": timed out");
    } else {
      result.Conclude(ProbeStatus::kUnhealthy, ProbeReason::kConnectionFailed, what + ": " + ec.message());
    }
  }

  static void ConcludeNoReply(ProbeResult& result, const ReplyOrFailure& answer, Command command,
                              const std::string& peer) {
    const std::string what = std::string(runbookd::redis::ToString(command));
    if (!answer.protocol_error.empty()) {
      result.Conclude(ProbeStatus::kUnhealthy, ProbeReason::kProtocolError,
                      peer + " answered " + what + " with something other than RESP: " + answer.protocol_error);
    } else if (answer.io_error == asio::error::eof) {
      result.Conclude(ProbeStatus::kUnhealthy, ProbeReason::kConnectionFailed,
                      peer + " closed the connection before answering " + what);
    } else if (answer.io_error == asio::error::message_size) {
      result.Conclude(ProbeStatus::kUnhealthy, ProbeReason::kProtocolError,
                      peer + " sent a line over 64 KiB in answer to " + what);
    } else {
      ConcludeIoFailure(result, answer.io_error, "waiting for " + peer + " to answer " + what);
    }
  }

  void ConcludeErrorReply(ProbeResult& result, const std::string& message, Command command,
                          const std::string& peer) const {
    const RedisCheck& check = *check_;
    const std::string_view secret = check.password ? std::string_view(check.password->Reveal()) : std::string_view();
    const runbookd::redis::ErrorVerdict verdict = runbookd::redis::JudgeErrorReply(command, message);
    std::string detail = peer + " answered " + std::string(runbookd::redis::ToString(command)) + " with -" +
                         runbookd::redis::SafeServerText(message, secret);
    if (verdict.reason == ProbeReason::kAuthFailed && !check.password) {
      detail += " (the probe has no password_file or password_env)";
    }
    result.Conclude(verdict.status, verdict.reason, std::move(detail));
  }

  std::shared_ptr<const RedisCheck> check_;
};

}  // namespace

ProbeFactory MakeProbeFactory() {
  return [](const config::Node& spec, const ProbeDeps&) -> std::unique_ptr<Probe> {
    auto check = runbookd::redis::ReadRedisProbeSpec(spec);
    if (!check) return nullptr;
    return std::make_unique<RedisProbe>(std::make_shared<const RedisCheck>(std::move(*check)));
  };
}

}  // namespace runbookd::probes::redis
