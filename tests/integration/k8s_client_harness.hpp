#pragma once

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <ctime>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "daemon/clients/k8s/client.hpp"
#include "tests/support/request_recorder.hpp"
#include "tests/support/subprocess.hpp"
#include "tests/support/test_http_server.hpp"

// Helpers for driving a k8s::Client against a TestHttpServer from Catch test cases.
namespace runbookd::k8s_test {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using runbookd::testing::TestHttpServer;
using runbookd::testing::TestRequest;
using runbookd::testing::TestResponse;

using Recorder = runbookd::testing::RequestRecorder;

inline TestResponse Json(std::string body, int status = 200) {
  TestResponse r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "application/json");
  r.body = std::move(body);
  return r;
}

// The settings of a plain-http connection to `server`, with a rate limit tests never reach.
inline k8s::ConnectionSettings PlainSettings(const TestHttpServer& server) {
  k8s::ConnectionSettings s;
  s.name = "test";
  s.server = "http://127.0.0.1:" + std::to_string(server.port());
  s.qps = 1000;
  s.burst = 1000;
  return s;
}

struct Call {
  std::string method = "GET";
  std::string path = "/api/v1/namespaces/default/pods";
  std::string body;
  std::chrono::milliseconds timeout = 10s;
};

inline asio::awaitable<k8s::Reply> Invoke(k8s::Client& client, Call call) {
  asio::any_io_executor ex = co_await asio::this_coro::executor;
  const SteadyTime deadline = std::chrono::steady_clock::now() + call.timeout;
  if (call.method == "PATCH") {
    co_return co_await client.Patch(ex, std::move(call.path), k8s::PatchType::kStrategicMerge, std::move(call.body),
                                    deadline);
  }
  if (call.method == "DELETE")
    co_return co_await client.Delete(ex, std::move(call.path), std::move(call.body), deadline);
  if (call.method == "PUT") co_return co_await client.Put(ex, std::move(call.path), std::move(call.body), deadline);
  if (call.method == "POST") co_return co_await client.Post(ex, std::move(call.path), std::move(call.body), deadline);
  co_return co_await client.Get(ex, std::move(call.path), deadline);
}

// Runs the calls concurrently on one io_context (one thread, like the daemon) until all end.
inline std::vector<k8s::Reply> RunAll(k8s::Client& client, const std::vector<Call>& calls) {
  asio::io_context ioc;
  std::vector<k8s::Reply> replies(calls.size());
  for (size_t i = 0; i < calls.size(); ++i) {
    asio::co_spawn(ioc, Invoke(client, calls[i]), [&replies, i](std::exception_ptr e, k8s::Reply reply) {
      if (e) std::rethrow_exception(e);
      replies[i] = std::move(reply);
    });
  }
  ioc.run();
  return replies;
}

inline k8s::Reply RunOne(k8s::Client& client, Call call = {}) { return RunAll(client, {std::move(call)}).front(); }

// Every log line of a client, at debug level, kept for inspection.
struct LogCapture {
  std::shared_ptr<std::ostringstream> stream = std::make_shared<std::ostringstream>();
  std::shared_ptr<spdlog::logger> logger;
  LogCapture() {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(*stream);
    logger = std::make_shared<spdlog::logger>("k8s-test", sink);
    logger->set_level(spdlog::level::debug);
  }
  std::string text() const {
    logger->flush();
    return stream->str();
  }
};

inline std::string WriteExecutable(const runbookd::testing::TempDir& dir, const std::string& name,
                                   const std::string& content) {
  const std::string path = dir.Write(name, content);
  chmod(path.c_str(), 0755);
  return path;
}

// RFC 3339 in UTC, as plugins print expirationTimestamp.
inline std::string Rfc3339(WallTime t) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

inline size_t CountLines(const std::string& path) {
  const std::string text = runbookd::testing::ReadFile(path);
  size_t n = 0;
  for (char c : text) n += c == '\n';
  return n;
}

}  // namespace runbookd::k8s_test
