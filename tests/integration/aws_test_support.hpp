#pragma once

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <exception>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "daemon/clients/aws/credential_chain.hpp"
#include "tests/support/request_recorder.hpp"
#include "tests/support/test_http_server.hpp"

// Helpers for driving the AWS credential chain against TestHttpServer fakes from Catch test cases.
namespace runbookd::aws_test {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using runbookd::testing::TestHttpServer;
using runbookd::testing::TestRequest;
using runbookd::testing::TestResponse;

using Recorder = runbookd::testing::RequestRecorder;

inline TestResponse Answer(std::string body, int status = 200, std::string content_type = "text/plain") {
  TestResponse r;
  r.status = status;
  r.headers.emplace_back("Content-Type", std::move(content_type));
  r.body = std::move(body);
  return r;
}

inline std::string Header(const TestRequest& request, const std::string& lower_name) {
  const auto it = request.headers.find(lower_name);
  return it == request.headers.end() ? std::string() : it->second;
}

// The JSON IMDS and container endpoints answer.
inline std::string CredentialsJson(const std::string& id, const std::string& secret, const std::string& token,
                                   const std::string& expiration) {
  return R"({"Code":"Success","LastUpdated":"2024-05-01T09:00:00Z","Type":"AWS-HMAC","AccessKeyId":")" + id +
         R"(","SecretAccessKey":")" + secret + R"(","Token":")" + token + R"(","Expiration":")" + expiration + R"("})";
}

// STS's AssumeRoleWithWebIdentity answer.
inline std::string StsCredentialsXml(const std::string& id, const std::string& secret, const std::string& token,
                                     const std::string& expiration) {
  return R"(<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">)"
         R"(<AssumeRoleWithWebIdentityResult><Credentials><SessionToken>)" +
         token + "</SessionToken><SecretAccessKey>" + secret + "</SecretAccessKey><Expiration>" + expiration +
         "</Expiration><AccessKeyId>" + id +
         R"(</AccessKeyId></Credentials><AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/r/s</Arn>)"
         R"(<AssumedRoleId>AROA:s</AssumedRoleId></AssumedRoleUser></AssumeRoleWithWebIdentityResult>)"
         R"(<ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></AssumeRoleWithWebIdentityResponse>)";
}

// Runs `count` concurrent Gets on one io_context (one thread, like the daemon) until all end.
inline std::vector<aws::CredentialsResult> GetAll(aws::CredentialChain& chain, size_t count,
                                                  std::chrono::milliseconds timeout = 10s) {
  asio::io_context ioc;
  std::vector<aws::CredentialsResult> results(count);
  const SteadyTime deadline = std::chrono::steady_clock::now() + timeout;
  for (size_t i = 0; i < count; ++i) {
    asio::co_spawn(
        ioc,
        [&chain, deadline]() -> asio::awaitable<aws::CredentialsResult> {
          asio::any_io_executor ex = co_await asio::this_coro::executor;
          co_return co_await chain.Get(ex, deadline);
        },
        [&results, i](std::exception_ptr e, aws::CredentialsResult r) {
          if (e) std::rethrow_exception(e);
          results[i] = std::move(r);
        });
  }
  ioc.run();
  return results;
}

inline aws::CredentialsResult GetOne(aws::CredentialChain& chain, std::chrono::milliseconds timeout = 10s) {
  return GetAll(chain, 1, timeout).front();
}

// Every log line of a chain, at debug level, kept for inspection.
struct LogCapture {
  std::shared_ptr<std::ostringstream> stream = std::make_shared<std::ostringstream>();
  std::shared_ptr<spdlog::logger> logger;
  LogCapture() {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(*stream);
    logger = std::make_shared<spdlog::logger>("aws-test", sink);
    logger->set_level(spdlog::level::debug);
  }
  std::string text() const {
    logger->flush();
    return stream->str();
  }
};

}  // namespace runbookd::aws_test
