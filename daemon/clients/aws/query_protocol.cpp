#include "daemon/clients/aws/query_protocol.hpp"

#include "daemon/clients/aws/api_errors.hpp"
#include "daemon/clients/aws/uri_encode.hpp"

namespace runbookd::aws {

namespace {

std::string_view LocalName(const char* tag) {
  std::string_view name(tag);
  if (const size_t colon = name.find(':'); colon != std::string_view::npos) name = name.substr(colon + 1);
  return name;
}

// The first element named `name` anywhere under `node`, itself excluded.
pugi::xml_node Find(pugi::xml_node node, std::string_view name) {
  return node.find_node(
      [name](pugi::xml_node n) { return n.type() == pugi::node_element && LocalName(n.name()) == name; });
}

std::string Text(pugi::xml_node node, std::string_view name) {
  const pugi::xml_node found = Find(node, name);
  return found ? std::string(found.child_value()) : std::string();
}

}  // namespace

std::string_view QueryVersion(AwsService service) {
  switch (service) {
    case AwsService::kElbv2:
      return "2015-12-01";
    case AwsService::kRds:
      return "2014-10-31";
    case AwsService::kSts:
      return "2011-06-15";
    case AwsService::kEks:
      break;
  }
  return "";
}

std::string QueryBody(std::string_view action, std::string_view version, const QueryParams& params) {
  QueryParams all;
  all.reserve(params.size() + 2);
  all.emplace_back("Action", std::string(action));
  all.emplace_back("Version", std::string(version));
  all.insert(all.end(), params.begin(), params.end());
  return FormEncode(all);
}

QueryReply ParseQueryAnswer(std::string_view action, int http_status, std::string_view body) {
  QueryReply reply;
  reply.error.http_status = http_status;
  auto document = std::make_shared<pugi::xml_document>();
  const bool parsed = body.empty() ? false : static_cast<bool>(document->load_buffer(body.data(), body.size()));
  const pugi::xml_node root = parsed ? document->document_element() : pugi::xml_node();
  if (http_status < 200 || http_status > 299) {
    const pugi::xml_node error = root ? (LocalName(root.name()) == "Error" ? root : Find(root, "Error")) : root;
    if (error) {
      reply.error.code = SanitizedServerText(Text(error, "Code"));
      reply.error.message = SanitizedServerText(Text(error, "Message"));
    }
    if (root) reply.error.request_id = SanitizedServerText(Text(root, "RequestId"));
    reply.error.kind = ClassifyError(http_status, reply.error.code);
    if (reply.error.kind == ApiErrorKind::kNone) reply.error.kind = ApiErrorKind::kBadResponse;
    return reply;
  }
  if (!root) {
    reply.error.kind = ApiErrorKind::kBadResponse;
    reply.error.message = "the answer is not an XML document";
    return reply;
  }
  const std::string wrapper = std::string(action) + "Result";
  reply.result = LocalName(root.name()) == wrapper ? root : Find(root, wrapper);
  reply.error.request_id = SanitizedServerText(Text(root, "RequestId"));
  // An action without outputs answers <{action}Response> with only ResponseMetadata.
  if (!reply.result && LocalName(root.name()) != std::string(action) + "Response") {
    reply.error.kind = ApiErrorKind::kBadResponse;
    reply.error.message = "the answer has no <" + wrapper + "> element";
    return reply;
  }
  reply.document = std::move(document);
  return reply;
}

}  // namespace runbookd::aws
