#pragma once

#include <memory>
#include <string>

namespace spdlog {
class logger;
}

namespace runbookd {

// The daemon's logger on stderr (journald adds its own timestamps, but a plain run needs them).
// format "json" writes one JSON object per line with the message escaped.
std::shared_ptr<spdlog::logger> MakeLogger(const std::string& level, const std::string& format);
void ReconfigureLogger(spdlog::logger& logger, const std::string& level, const std::string& format);

}  // namespace runbookd
