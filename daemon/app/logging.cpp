#include "daemon/app/logging.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

namespace runbookd {

namespace {

// %j: the message as a JSON string literal (quotes included).
class JsonMessageFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    const std::string quoted = boost::json::serialize(boost::json::string(msg.payload.data(), msg.payload.size()));
    dest.append(quoted.data(), quoted.data() + quoted.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<JsonMessageFlag>(); }
};

std::unique_ptr<spdlog::formatter> MakeFormatter(const std::string& format) {
  auto f = std::make_unique<spdlog::pattern_formatter>();
  if (format == "json") {
    f->add_flag<JsonMessageFlag>('j').set_pattern(R"({"ts":"%Y-%m-%dT%H:%M:%S.%e%z","level":"%l","msg":%j})");
  } else {
    f->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %l %v");
  }
  return f;
}

}  // namespace

void ReconfigureLogger(spdlog::logger& logger, const std::string& level, const std::string& format) {
  logger.set_formatter(MakeFormatter(format));
  logger.set_level(spdlog::level::from_str(level));
}

std::shared_ptr<spdlog::logger> MakeLogger(const std::string& level, const std::string& format) {
  auto logger = std::make_shared<spdlog::logger>("runbookd", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  ReconfigureLogger(*logger, level, format);
  logger->flush_on(spdlog::level::info);
  return logger;
}

}  // namespace runbookd
