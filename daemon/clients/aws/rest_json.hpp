#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/clients/aws/aws_api.hpp"

// REST-JSON (EKS): the error code of an answer and the answer itself (protocol-facts §3.4). Pure.
namespace runbookd::aws {

// The code of an error answer: the x-amzn-ErrorType header up to any ':'
// ("ResourceNotFoundException:http://internal.amazon.com/..."), else the body's `code` or `__type`
// (after any '#', as in "com.amazonaws.eks#ResourceNotFoundException").
std::string RestJsonErrorCode(std::string_view error_type_header, const boost::json::value& body);

// An answer: the parsed body (null when empty) and, for a non-2xx status, its code, `message` (or
// `Message`) and kind. A 2xx body that is not JSON is kBadResponse. `attempts` and `call` are the
// caller's to fill.
JsonReply ParseRestJsonAnswer(int http_status, std::string_view error_type_header, std::string_view body);

// "/path?a=1&b=2" -> ("/path", {{"a","1"},{"b","2"}}); nullopt for a malformed escape in the query.
struct PathAndQuery {
  std::string path;
  QueryParams query;
};
std::optional<PathAndQuery> SplitPathQuery(std::string_view target);

}  // namespace runbookd::aws
