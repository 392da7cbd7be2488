#include "probes/k8s_common/k8s_probe.hpp"

namespace runbookd::probes::k8s_common {

boost::asio::awaitable<std::optional<k8s::Reply>> FetchOrConclude(k8s::Client& client, const ProbeContext& ctx,
                                                                  std::string path, NotFoundMeans not_found,
                                                                  std::string_view object, ProbeResult& result) {
  k8s::Reply reply = co_await client.Get(ctx.executor, std::move(path), ctx.deadline);
  if (!reply.ok()) {
    result = ResultOfApiError(reply.error, not_found, object);
    co_return std::nullopt;
  }
  co_return std::move(reply);
}

}  // namespace runbookd::probes::k8s_common
