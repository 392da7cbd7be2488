#pragma once

// A scripted aws::Api for tests of probes and actions: it answers each Query action with canned
// XML documents (the whole <ActionResponse>, as the service sends it) or errors, in order, the last
// one repeating; and each REST-JSON method and path likewise. It records every call. Anything it
// was not told about is an error of kind kInvalid, so a call the code should not make shows.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/json/value.hpp>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <pugixml.hpp>
#include <string>
#include <utility>
#include <vector>

#include "daemon/clients/aws/aws_api.hpp"

namespace runbookd::awstest {

inline aws::ApiError ApiErrorOf(aws::ApiErrorKind kind, int http_status, std::string code, std::string message) {
  aws::ApiError error;
  error.kind = kind;
  error.http_status = http_status;
  error.code = std::move(code);
  error.message = std::move(message);
  return error;
}

struct RecordedCall {
  aws::AwsService service = aws::AwsService::kElbv2;
  std::string action;  // the Query action, or "METHOD PATH" for REST-JSON
  aws::QueryParams params;
  std::optional<boost::json::value> body;
  SteadyTime deadline;

  // The value of Query parameter `name`, or nullopt.
  std::optional<std::string> Param(const std::string& name) const {
    for (const auto& [key, value] : params) {
      if (key == name) return value;
    }
    return std::nullopt;
  }
};

class ScriptedAwsApi final : public aws::Api {
 public:
  ScriptedAwsApi() {
    settings_.name = "aws-test";
    settings_.region = "eu-west-1";
  }

  // Queues `xml` (the whole response document) as the next answer to `action`.
  void AnswerXml(const std::string& action, std::string xml, int attempts = 1) {
    Scripted s;
    s.xml = std::move(xml);
    s.attempts = attempts;
    query_answers_[action].push_back(std::move(s));
  }
  // Queues an error as the next answer to `action`.
  void AnswerError(const std::string& action, aws::ApiError error, int attempts = 1) {
    Scripted s;
    s.error = std::move(error);
    s.attempts = attempts;
    query_answers_[action].push_back(std::move(s));
  }
  // Queues the next answer to a REST-JSON `method` `path` (an error when `reply.error` is set).
  void AnswerJson(const std::string& method, const std::string& path, aws::JsonReply reply) {
    json_answers_[method + " " + path].push_back(std::move(reply));
  }

  const std::vector<RecordedCall>& calls() const { return calls_; }
  std::vector<RecordedCall> CallsOf(const std::string& action) const {
    std::vector<RecordedCall> out;
    for (const auto& call : calls_) {
      if (call.action == action) out.push_back(call);
    }
    return out;
  }

  boost::asio::awaitable<aws::QueryReply> Query(boost::asio::any_io_executor, aws::AwsService service,
                                                std::string action, aws::QueryParams params,
                                                SteadyTime deadline) const override {
    calls_.push_back({service, action, std::move(params), std::nullopt, deadline});
    aws::QueryReply reply;
    const std::optional<Scripted> scripted = Next(query_answers_, action);
    if (!scripted) {
      reply.error = ApiErrorOf(aws::ApiErrorKind::kInvalid, 400, "NotScripted", "no answer scripted for " + action);
      co_return reply;
    }
    reply.attempts = scripted->attempts;
    if (!scripted->error.ok()) {
      reply.error = scripted->error;
      co_return reply;
    }
    reply.document = std::make_shared<pugi::xml_document>();
    if (!reply.document->load_string(scripted->xml.c_str())) {
      reply.error = ApiErrorOf(aws::ApiErrorKind::kBadResponse, 200, "", "the scripted XML does not parse");
      co_return reply;
    }
    // As botocore does: the <ActionResult> element wherever it is under the root.
    const std::string wrapper = action + "Result";
    reply.result = reply.document->document_element().find_node(
        [&wrapper](pugi::xml_node node) { return std::strcmp(node.name(), wrapper.c_str()) == 0; });
    co_return reply;
  }

  boost::asio::awaitable<aws::JsonReply> RestJson(boost::asio::any_io_executor, aws::AwsService service,
                                                  std::string method, std::string path,
                                                  std::optional<boost::json::value> body,
                                                  SteadyTime deadline) const override {
    std::string key = method + " " + path;
    calls_.push_back({service, key, {}, std::move(body), deadline});
    std::optional<aws::JsonReply> scripted = Next(json_answers_, key);
    if (scripted) co_return std::move(*scripted);
    aws::JsonReply reply;
    reply.error = ApiErrorOf(aws::ApiErrorKind::kInvalid, 400, "NotScripted", "no answer scripted for " + key);
    co_return reply;
  }

  const aws::AwsConnectionSettings& settings() const override { return settings_; }

 private:
  struct Scripted {
    std::string xml;
    aws::ApiError error;
    int attempts = 1;
  };

  // The next of the queued answers for `key`: they are consumed in order, the last one repeats.
  template <typename T>
  static std::optional<T> Next(std::map<std::string, std::deque<T>>& answers, const std::string& key) {
    auto found = answers.find(key);
    if (found == answers.end() || found->second.empty()) return std::nullopt;
    T next = found->second.front();
    if (found->second.size() > 1) found->second.pop_front();
    return next;
  }

  aws::AwsConnectionSettings settings_;
  mutable std::map<std::string, std::deque<Scripted>> query_answers_;
  mutable std::map<std::string, std::deque<aws::JsonReply>> json_answers_;
  mutable std::vector<RecordedCall> calls_;
};

}  // namespace runbookd::awstest
