#include "daemon/clients/k8s/status_error.hpp"

#include <boost/json/parse.hpp>
#include <cctype>
#include <string>

namespace runbookd::k8s {

namespace {

namespace json = boost::json;

std::string Prefix(std::string_view method, std::string_view path) {
  return std::string(method) + " " + std::string(path) + ": ";
}

// A Status message as one line: servers put newlines in admission webhook denials.
std::string OneLine(std::string_view text) {
  std::string out;
  for (char c : text) out += std::iscntrl(static_cast<unsigned char>(c)) ? ' ' : c;
  return out;
}

std::string StringField(const json::object& obj, std::string_view key) {
  const json::value* v = obj.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

}  // namespace

ErrorKind KindForStatus(int status) {
  switch (status) {
    case 400:
    case 422:
      return ErrorKind::kInvalid;
    case 401:
      return ErrorKind::kUnauthorized;
    case 403:
      return ErrorKind::kForbidden;
    case 404:
      return ErrorKind::kNotFound;
    case 409:
      return ErrorKind::kConflict;
    case 429:
      return ErrorKind::kTooManyRequests;
    default:
      break;
  }
  if (status >= 500 && status <= 599) return ErrorKind::kServerError;
  return ErrorKind::kBadResponse;
}

Reply DecodeResponse(std::string_view method, std::string_view path, const http_client::Response& response) {
  Reply reply;
  const int status = response.status;
  if (status >= 200 && status <= 299) {
    if (response.body.empty()) return reply;  // null: e.g. some DELETEs
    boost::system::error_code ec;
    reply.body = json::parse(response.body, ec);
    if (ec) {
      reply.body = nullptr;
      reply.error.kind = ErrorKind::kBadResponse;
      reply.error.http_status = status;
      reply.error.message = Prefix(method, path) + std::to_string(status) + " with a body that is not JSON";
    }
    return reply;
  }

  reply.error.kind = KindForStatus(status);
  reply.error.http_status = status;
  std::string message;
  boost::system::error_code ec;
  const json::value body = json::parse(response.body, ec);
  if (!ec && body.is_object() && StringField(body.as_object(), "kind") == "Status") {
    reply.error.reason = StringField(body.as_object(), "reason");
    message = OneLine(StringField(body.as_object(), "message"));
  }
  std::string line = Prefix(method, path) + std::to_string(status);
  if (!reply.error.reason.empty()) line += " " + reply.error.reason;
  if (!message.empty()) line += ": " + message;
  if (reply.error.reason.empty() && message.empty()) line += " (no Kubernetes Status in the response)";
  reply.error.message = std::move(line);
  return reply;
}

Reply TransportFailure(std::string_view method, std::string_view path, const http_client::Response& response) {
  ErrorKind kind = ErrorKind::kTransport;
  if (response.error == http_client::ErrorKind::kTimeout) kind = ErrorKind::kTimeout;
  if (response.error == http_client::ErrorKind::kCancelled) kind = ErrorKind::kCancelled;
  if (response.error == http_client::ErrorKind::kBodyTooLarge) kind = ErrorKind::kBadResponse;
  Reply reply;
  reply.error.kind = kind;
  reply.error.http_status = kind == ErrorKind::kBadResponse ? response.status : 0;
  reply.error.message = Prefix(method, path) + response.error_message;
  return reply;
}

Reply LocalFailure(ErrorKind kind, std::string_view method, std::string_view path, std::string_view why) {
  Reply reply;
  reply.error.kind = kind;
  reply.error.message = Prefix(method, path) + std::string(why);
  return reply;
}

}  // namespace runbookd::k8s
