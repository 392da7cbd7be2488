#include "daemon/http/alerts_route.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/value.hpp>
#include <cctype>
#include <chrono>
#include <stdexcept>
#include <string>
#include <utility>

namespace runbookd::http {
namespace asio = boost::asio;

namespace {

struct AlertsRoute {
  AlertSink sink;
  std::shared_ptr<spdlog::logger> log;
  AlertsRouteOptions options;
};

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// "application/json", in any case, with or without parameters ("; charset=utf-8").
bool IsJsonMediaType(std::string_view content_type) {
  std::string_view media = content_type.substr(0, content_type.find(';'));
  const size_t first = media.find_first_not_of(" \t");
  if (first == std::string_view::npos) return false;
  media = media.substr(first, media.find_last_not_of(" \t") - first + 1);
  return EqualsIgnoringCase(media, "application/json");
}

// The sink's callback as an asynchronous operation a coroutine can co_await. The completion is
// posted to the coroutine's own executor (never run inside the sink's call stack, and safe even
// if a sink called back from another thread); only the first call counts. Outstanding work is
// counted until then. If the sink drops the callback without calling it, the waiting coroutine
// is destroyed with it (its connection closes) instead of waiting forever.
template <typename CompletionToken>
auto AsyncStore(const AlertSink& sink, std::vector<store::AlertRecord> alerts, CompletionToken&& token) {
  return asio::async_initiate<CompletionToken, void(store::Status)>(
      [&sink](auto handler, std::vector<store::AlertRecord> batch) {
        using CompletionHandler = decltype(handler);
        struct Pending {
          explicit Pending(CompletionHandler h)
              : handler(std::move(h)), work(asio::make_work_guard(asio::get_associated_executor(handler))) {}
          CompletionHandler handler;
          asio::executor_work_guard<asio::associated_executor_t<CompletionHandler>> work;
          std::atomic<bool> completed{false};
        };
        auto pending = std::make_shared<Pending>(std::move(handler));
        sink(std::move(batch), [pending](store::Status status) {
          if (pending->completed.exchange(true)) return;
          asio::post(pending->work.get_executor(), [pending, status = std::move(status)]() mutable {
            std::move(pending->handler)(std::move(status));
            pending->work.reset();
          });
        });
      },
      token, std::move(alerts));
}

std::string Caller(const Request& req) {
  return req.token_name.empty() ? req.remote : req.remote + " token=" + req.token_name;
}

asio::awaitable<Response> HandleAlerts(std::shared_ptr<const AlertsRoute> route, const Request& req) {
  const std::string_view content_type = req.Header("Content-Type");
  if (!IsJsonMediaType(content_type)) {
    co_return Response::Error(415, "unsupported_media_type",
                              content_type.empty()
                                  ? "alerts must be sent as application/json; the request has no Content-Type"
                                  : "alerts must be sent as application/json, not " + std::string(content_type));
  }

  const WallTime received_at = route->options.wall_now ? route->options.wall_now() : std::chrono::system_clock::now();
  auto parsed = ParseAlertmanagerWebhook(req.body, received_at, route->options.limits);
  if (!parsed) {
    // The message quotes at most a short scalar (a time, status, fingerprint or version), never
    // an annotation.
    const std::string what = parsed.error().ToString();
    route->log->warn("alerts from {} refused: {}", Caller(req), what);
    co_return Response::Error(400, "invalid_payload", what);
  }
  AlertmanagerWebhook webhook = std::move(parsed).value();
  const size_t total = webhook.alerts.size();
  const size_t firing =
      static_cast<size_t>(std::count_if(webhook.alerts.begin(), webhook.alerts.end(),
                                        [](const auto& a) { return a.status == store::AlertStatus::kFiring; }));
  const size_t resolved = total - firing;

  if (total > 0) {
    const store::Status stored = co_await AsyncStore(route->sink, std::move(webhook.alerts), asio::use_awaitable);
    if (!stored) {
      const store::Error& error = stored.error();
      route->log->warn("alerts from {} not stored ({} alerts, receiver {}): {}", Caller(req), total, webhook.receiver,
                       error.message);
      if (error.code == store::ErrorCode::kInvalidArgument) {
        co_return Response::Error(400, "invalid_payload", "the store refused the alerts: " + error.message);
      }
      Response response = Response::Error(503, "store_unavailable", "alerts not stored: " + error.message);
      // The writer's queue drains within a commit or two; other failures may take longer.
      if (error.code == store::ErrorCode::kQueueFull) response.headers.emplace_back("Retry-After", "1");
      co_return response;
    }
  }

  if (route->options.count_received) {
    if (firing > 0) route->options.count_received(store::ToString(store::AlertStatus::kFiring), firing);
    if (resolved > 0) route->options.count_received(store::ToString(store::AlertStatus::kResolved), resolved);
  }
  route->log->debug("alerts from {}: stored {} ({} firing, {} resolved) receiver={} groupKey={}", Caller(req), total,
                    firing, resolved, webhook.receiver, webhook.group_key);
  co_return Response::Json(200, boost::json::object{{"status", "stored"}, {"alerts", total}});
}

}  // namespace

Handler MakeAlertsHandler(AlertSink sink, std::shared_ptr<spdlog::logger> log, AlertsRouteOptions options) {
  if (!sink) throw std::invalid_argument("MakeAlertsHandler: no alert sink");
  if (!log) log = std::make_shared<spdlog::logger>("alerts");  // no sinks: logs nowhere
  auto route = std::make_shared<const AlertsRoute>(AlertsRoute{std::move(sink), std::move(log), std::move(options)});
  return [route](const Request& req) { return HandleAlerts(route, req); };
}

}  // namespace runbookd::http
