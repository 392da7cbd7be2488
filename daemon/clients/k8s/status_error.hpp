#pragma once

#include <string_view>

#include "daemon/clients/http/http_client.hpp"
#include "daemon/clients/k8s/client.hpp"

// Turning an HTTP exchange into a Reply: the JSON body of a 2xx, or an ApiError decoded from the
// Kubernetes `Status` object of any other answer.
namespace runbookd::k8s {

// The kind a non-2xx status maps to (401 kUnauthorized, 404 kNotFound, 5xx kServerError, ...).
ErrorKind KindForStatus(int status);

// A response that arrived (any status). Messages read
//   GET /apis/apps/v1/namespaces/production/deployments/web: 404 NotFound: deployments.apps "web" not found
// and never quote the request, its headers, or a body that is not a Status.
Reply DecodeResponse(std::string_view method, std::string_view path, const http_client::Response& response);

// A request that got no response: kTimeout, kCancelled or kTransport, with the client's message.
Reply TransportFailure(std::string_view method, std::string_view path, const http_client::Response& response);

// A failure before anything was sent (rate limiter, credentials).
Reply LocalFailure(ErrorKind kind, std::string_view method, std::string_view path, std::string_view why);

}  // namespace runbookd::k8s
