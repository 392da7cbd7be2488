#include "daemon/http/probe_route.hpp"

#include <prometheus/text_serializer.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <charconv>
#include <cmath>
#include <exception>
#include <map>
#include <sstream>

#include "daemon/http/metrics.hpp"

namespace runbookd::http {
namespace asio = boost::asio;

namespace {

// blackbox_exporter's HELP texts (prober/http.go, tcp.go, dns.go, utils.go, handler.go).
const std::map<std::string_view, std::string_view>& KnownHelp() {
  static const std::map<std::string_view, std::string_view> kHelp = {
      {"probe_success", "Displays whether or not the probe was a success"},
      {"probe_duration_seconds", "Returns how long the probe took to complete in seconds"},
      {"probe_http_duration_seconds", "Duration of http request by phase, summed over all redirects"},
      {"probe_http_content_length", "Length of http content response"},
      {"probe_http_uncompressed_body_length", "Length of uncompressed response body"},
      {"probe_http_redirects", "The number of redirects"},
      {"probe_http_ssl", "Indicates if SSL was used for the final redirect"},
      {"probe_http_status_code", "Response HTTP status code"},
      {"probe_http_version", "Returns the version of HTTP of the probe response"},
      {"probe_http_last_modified_timestamp_seconds", "Returns the Last-Modified HTTP response header in unixtime"},
      {"probe_failed_due_to_regex", "Indicates if probe failed due to regex"},
      {"probe_ssl_earliest_cert_expiry", "Returns earliest SSL cert expiry in unixtime"},
      {"probe_ssl_last_chain_expiry_timestamp_seconds", "Returns last SSL chain expiry in timestamp seconds"},
      {"probe_ssl_last_chain_info", "Contains SSL leaf certificate information"},
      {"probe_tls_version_info", "Contains the TLS version used"},
      {"probe_dns_lookup_time_seconds", "Returns the time taken for probe dns lookup in seconds"},
      {"probe_ip_protocol", "Specifies whether probe ip protocol is IP4 or IP6"},
      {"probe_ip_addr_hash", "Specifies the hash of IP address. It's useful to detect if the IP address changes."},
      {"probe_dns_duration_seconds", "Duration of DNS request by phase"},
      {"probe_dns_answer_rrs", "Returns number of entries in the answer resource record list"},
      {"probe_dns_authority_rrs", "Returns number of entries in the authority resource record list"},
      {"probe_dns_additional_rrs", "Returns number of entries in the additional resource record list"},
      {"probe_dns_serial", "Returns the serial number of the zone"},
  };
  return kHelp;
}

bool IsNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }

bool IsName(std::string_view s) {
  return !s.empty() && IsNameStart(s.front()) && std::all_of(s.begin(), s.end(), IsNameChar);
}

// Splits `name{a="x",b="y"}` into the metric name and its labels; false when ill-formed.
bool ParseSeries(std::string_view text, std::string& name, std::vector<prometheus::ClientMetric::Label>& labels) {
  const size_t brace = text.find('{');
  name = std::string(text.substr(0, brace));
  if (!IsName(name)) return false;
  if (brace == std::string_view::npos) return true;
  std::string_view rest = text.substr(brace + 1);
  for (;;) {
    if (!rest.empty() && rest.front() == '}') return rest.size() == 1;
    const size_t eq = rest.find('=');
    if (eq == std::string_view::npos || !IsName(rest.substr(0, eq)) || eq + 1 >= rest.size() || rest[eq + 1] != '"') {
      return false;
    }
    prometheus::ClientMetric::Label label{std::string(rest.substr(0, eq)), {}};
    size_t i = eq + 2;
    for (; i < rest.size() && rest[i] != '"'; ++i) {
      if (rest[i] == '\\' && i + 1 < rest.size()) {
        ++i;
        label.value += rest[i] == 'n' ? '\n' : rest[i];
      } else {
        label.value += rest[i];
      }
    }
    if (i >= rest.size()) return false;
    labels.push_back(std::move(label));
    rest.remove_prefix(i + 1);
    if (!rest.empty() && rest.front() == ',') rest.remove_prefix(1);
  }
}

prometheus::ClientMetric GaugeSample(double value, std::vector<prometheus::ClientMetric::Label> labels = {}) {
  prometheus::ClientMetric m;
  m.gauge.value = value;
  m.label = std::move(labels);
  return m;
}

// Runs the probe until it finishes or the deadline passes, whichever is first. The probe runs as
// its own coroutine so that one ignoring both its deadline and cancellation still cannot hold the
// answer back; it is cancelled at the deadline and owns what it uses until it returns.
asio::awaitable<ProbeResult> RunWithDeadline(asio::any_io_executor ex, std::shared_ptr<const Probe> probe,
                                             SteadyTime deadline) {
  struct RunState {
    explicit RunState(asio::any_io_executor ex) : done(ex) {}
    std::optional<ProbeResult> result;
    asio::steady_timer done;  // cancelled when the probe finishes, else fires at the deadline
    asio::cancellation_signal cancel;
  };
  auto state = std::make_shared<RunState>(ex);
  state->done.expires_at(deadline);
  asio::co_spawn(
      ex,
      [probe, state, ctx = ProbeContext{ex, deadline}]() -> asio::awaitable<void> {
        ProbeResult r;
        try {
          r = co_await probe->Run(ctx);
        } catch (const std::exception& e) {
          r = ProbeResult::Unknown(ProbeReason::kInternalError, std::string("probe failed: ") + e.what());
        }
        if (!state->result) state->result = std::move(r);
        state->done.cancel();
      },
      asio::bind_cancellation_slot(state->cancel.slot(), asio::detached));

  if (!state->result) {
    boost::system::error_code ignored;
    co_await state->done.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
  if (!state->result) {
    state->result = ProbeResult::Unknown(ProbeReason::kTimeout, "probe did not finish before the deadline");
    state->cancel.emit(asio::cancellation_type::terminal);
  }
  co_return *state->result;
}

// The target as it may be logged: userinfo of a URL ("https://user:pass@host/") is a credential.
std::string RedactTarget(std::string_view target) {
  const size_t scheme = target.find("://");
  const size_t from = scheme == std::string_view::npos ? 0 : scheme + 3;
  const size_t end = target.find_first_of("/?#", from);
  const size_t at = target.substr(0, end).rfind('@');
  if (at == std::string_view::npos || at < from) return std::string(target);
  return std::string(target.substr(0, from)) + "<secret>" + std::string(target.substr(at));
}

}  // namespace

std::optional<std::chrono::nanoseconds> ProbeTimeout(std::string_view header, std::chrono::milliseconds module_timeout,
                                                     double offset_seconds) {
  double seconds = 0;
  if (!header.empty()) {
    std::string_view digits = header;
    if (digits.front() == '+') digits.remove_prefix(1);  // Go's ParseFloat takes a sign
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), seconds);
    if (ec != std::errc{} || ptr != digits.data() + digits.size() || !std::isfinite(seconds)) return std::nullopt;
  }
  if (seconds == 0) seconds = 120;  // blackbox's default when Prometheus sent nothing
  const double max_seconds = seconds - offset_seconds;
  const double module_seconds = std::chrono::duration<double>(module_timeout).count();
  if ((module_seconds > 0 && module_seconds < max_seconds) || max_seconds < 0) {
    seconds = module_seconds;
  } else {
    seconds = max_seconds;
  }
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(seconds));
}

std::string RenderProbeMetrics(const ProbeResult& result, std::chrono::nanoseconds duration) {
  std::map<std::string, prometheus::MetricFamily> families;
  auto family = [&](const std::string& name) -> prometheus::MetricFamily& {
    auto [it, fresh] = families.try_emplace(name);
    if (fresh) {
      auto help = KnownHelp().find(name);
      it->second.name = name;
      it->second.help = help != KnownHelp().end() ? std::string(help->second) : name + " as measured by the probe";
      it->second.type = prometheus::MetricType::Gauge;
    }
    return it->second;
  };
  family("probe_success").metric.push_back(GaugeSample(result.status == ProbeStatus::kHealthy ? 1 : 0));
  family("probe_duration_seconds").metric.push_back(GaugeSample(std::chrono::duration<double>(duration).count()));
  for (const auto& [series, value] : result.observations) {
    std::string name;
    std::vector<prometheus::ClientMetric::Label> labels;
    if (!ParseSeries(series, name, labels)) continue;
    name = "probe_" + name;
    if (name == "probe_success" || name == "probe_duration_seconds") continue;  // ours, not the probe's
    std::sort(labels.begin(), labels.end());
    auto& f = family(name);
    const bool duplicate =
        std::any_of(f.metric.begin(), f.metric.end(), [&](const auto& m) { return m.label == labels; });
    if (!duplicate) f.metric.push_back(GaugeSample(value, std::move(labels)));
  }
  std::vector<prometheus::MetricFamily> sorted;
  for (auto& [name, f] : families) {
    std::stable_sort(f.metric.begin(), f.metric.end(), [](const auto& a, const auto& b) { return a.label < b.label; });
    sorted.push_back(std::move(f));
  }
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, sorted);
  return out.str();
}

Handler MakeProbeHandler(std::shared_ptr<const ProbeModules> modules, ProbeRouteOptions options) {
  return [modules = std::move(modules), options = std::move(options)](const Request& req) -> asio::awaitable<Response> {
    std::string module_name(req.Query("module"));
    if (module_name.empty()) module_name = "http_2xx";  // blackbox's default module
    const auto it = modules ? modules->find(module_name) : ProbeModules::const_iterator{};
    if (!modules || it == modules->end()) {
      co_return Response::Error(400, "unknown_module", "Unknown module \"" + module_name + "\"");
    }
    const ProbeModule& module = it->second;
    const auto timeout =
        ProbeTimeout(req.Header("X-Prometheus-Scrape-Timeout-Seconds"), module.timeout, options.timeout_offset_seconds);
    if (!timeout) {
      co_return Response::Error(500, "bad_scrape_timeout",
                                "Failed to parse timeout from Prometheus header: \"" +
                                    std::string(req.Header("X-Prometheus-Scrape-Timeout-Seconds")) + "\"");
    }
    const std::string target(req.Query("target"));
    if (target.empty()) co_return Response::Error(400, "missing_target", "Target parameter is missing");
    if (!module.build) co_return Response::Error(400, "unknown_prober", "Unknown prober \"" + module.prober + "\"");

    const auto start = std::chrono::steady_clock::now();
    const auto deadline = start + *timeout;
    std::string error;
    std::unique_ptr<Probe> probe = module.build(target, error);
    ProbeResult result;
    if (!probe) {
      // blackbox answers an unusable target with probe_success 0, not with an HTTP error.
      result = ProbeResult::Unknown(ProbeReason::kMisconfigured, error);
    } else {
      auto ex = co_await asio::this_coro::executor;
      result = co_await RunWithDeadline(ex, std::shared_ptr<const Probe>(std::move(probe)), deadline);
    }
    const auto duration = std::chrono::steady_clock::now() - start;
    if (options.log) {
      options.log->debug("probe module={} target={} success={} reason={} duration={:.3f}s detail={}", module_name,
                         RedactTarget(target), result.status == ProbeStatus::kHealthy, ToString(result.reason),
                         std::chrono::duration<double>(duration).count(), result.detail);
    }
    co_return Response::Text(200, RenderProbeMetrics(result, duration), std::string(kMetricsContentType));
  };
}

}  // namespace runbookd::http
