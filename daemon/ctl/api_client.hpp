#pragma once

#include <boost/json/value.hpp>
#include <chrono>
#include <optional>
#include <string>

namespace runbookd::ctl {

struct ApiAnswer {
  int status = 0;           // HTTP status; 0 when runbookd could not be reached
  boost::json::value body;  // parsed JSON body (null when not JSON)
  std::string raw;
  std::string error;  // transport error or the JSON "error" text
};

// runbookd's HTTP API as runbookctl uses it: base URL and bearer token from flags or the
// environment (RUNBOOKD_URL, RUNBOOKD_TOKEN, RUNBOOKD_TOKEN_FILE).
class ApiClient {
 public:
  ApiClient(std::string base_url, std::optional<std::string> token);
  ApiAnswer Get(const std::string& path) const;
  ApiAnswer Post(const std::string& path, const std::string& json_body,
                 std::chrono::seconds read_timeout = std::chrono::seconds(30)) const;
  ApiAnswer Delete(const std::string& path) const;

 private:
  std::string base_url_;
  std::optional<std::string> token_;
};

}  // namespace runbookd::ctl
