#include "daemon/clients/aws/rest_json.hpp"

#include <boost/json/parse.hpp>

#include "daemon/clients/aws/api_errors.hpp"
#include "daemon/clients/aws/uri_encode.hpp"

namespace runbookd::aws {

namespace {

std::string_view StringField(const boost::json::value& body, std::string_view name) {
  const boost::json::object* object = body.if_object();
  if (object == nullptr) return {};
  const boost::json::value* field = object->if_contains(name);
  if (field == nullptr || !field->is_string()) return {};
  return field->get_string();
}

}  // namespace

std::string RestJsonErrorCode(std::string_view error_type_header, const boost::json::value& body) {
  std::string_view code = error_type_header;
  if (const size_t colon = code.find(':'); colon != std::string_view::npos) code = code.substr(0, colon);
  if (code.empty()) code = StringField(body, "code");
  if (code.empty()) code = StringField(body, "__type");
  if (const size_t hash = code.rfind('#'); hash != std::string_view::npos) code = code.substr(hash + 1);
  return SanitizedServerText(code);
}

JsonReply ParseRestJsonAnswer(int http_status, std::string_view error_type_header, std::string_view body) {
  JsonReply reply;
  reply.http_status = http_status;
  reply.error.http_status = http_status;
  boost::system::error_code parse_error;
  if (!body.empty()) reply.body = boost::json::parse(body, parse_error);
  if (parse_error) reply.body = nullptr;
  if (http_status >= 200 && http_status <= 299) {
    if (parse_error) {
      reply.error.kind = ApiErrorKind::kBadResponse;
      reply.error.message = "the answer is not JSON";
    }
    return reply;
  }
  reply.error.code = RestJsonErrorCode(error_type_header, reply.body);
  std::string_view message = StringField(reply.body, "message");
  if (message.empty()) message = StringField(reply.body, "Message");
  reply.error.message = SanitizedServerText(message);
  reply.error.kind = ClassifyError(http_status, reply.error.code);
  if (reply.error.kind == ApiErrorKind::kNone) reply.error.kind = ApiErrorKind::kBadResponse;
  return reply;
}

std::optional<PathAndQuery> SplitPathQuery(std::string_view target) {
  PathAndQuery out;
  const size_t mark = target.find('?');
  out.path = std::string(target.substr(0, mark));
  if (mark != std::string_view::npos) {
    std::optional<QueryParams> query = ParseQuery(target.substr(mark + 1));
    if (!query) return std::nullopt;
    out.query = std::move(*query);
  }
  return out;
}

}  // namespace runbookd::aws
