#pragma once

#include <string>
#include <string_view>

#include "daemon/clients/aws/aws_api.hpp"

// The Query protocol (ELBv2, RDS, STS): the form body of a request and the XML of its answer
// (protocol-facts §3.1). Pure.
namespace runbookd::aws {

// The API version a Query service expects: ELBv2 2015-12-01, RDS 2014-10-31, STS 2011-06-15; empty
// for EKS, which does not speak Query.
std::string_view QueryVersion(AwsService service);

// Action=<action>&Version=<version>&<params>, every name and value percent-encoded as AWS does.
std::string QueryBody(std::string_view action, std::string_view version, const QueryParams& params);

// An answer: a 2xx gives the document and its <{action}Result> element (found anywhere under the
// root, namespaces ignored, as botocore does); anything else the <Error> Code and Message of an
// ErrorResponse (or just the status when the body is not one), classified. The RequestId comes from
// either shape. `attempts` and `call` are the caller's to fill.
QueryReply ParseQueryAnswer(std::string_view action, int http_status, std::string_view body);

}  // namespace runbookd::aws
