#include "daemon/app/acknowledge_route.hpp"

#include <boost/json.hpp>

#include "daemon/app/api_json.hpp"
#include "daemon/app/approvals_route.hpp"

namespace runbookd {

namespace asio = boost::asio;
namespace json = boost::json;

http::Handler MakeAcknowledgeHandler(std::function<GatedActions&()> gated) {
  return [gated](const http::Request& req) -> asio::awaitable<http::Response> {
    const std::string& raw = req.path_params.at("id");
    const auto parsed = ParsePathId(raw);
    if (!parsed) co_return http::Response::Error(400, "bad_request", "incident id must be a positive integer");
    const store::IncidentId id = *parsed;
    std::string error;
    auto comment = ParseVoteBody(req.body, error);
    if (!comment) co_return http::Response::Error(400, "bad_request", error);
    switch (gated().Acknowledge(id, req.token_name, *comment)) {
      case GatedActions::AckRefusal::kNotOpen:
        co_return http::Response::Error(404, "not_found", "no open incident " + raw);
      case GatedActions::AckRefusal::kAlreadyAcknowledged:
        co_return http::Response::Error(409, "already_acknowledged", "incident " + raw + " is already acknowledged");
      case GatedActions::AckRefusal::kNone:
        break;
    }
    co_return http::Response::Json(
        200, json::object{{"incident_id", id}, {"acknowledged_by", req.token_name}, {"comment", *comment}});
  };
}

}  // namespace runbookd
