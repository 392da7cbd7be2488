#pragma once

#include <ostream>
#include <string>

namespace runbookd::config {

// A credential read from a `*_file` key or an environment variable. It prints as <secret>, so
// that formatting it into a log line, an error or an API answer never leaks it.
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  const std::string& Reveal() const { return value_; }
  bool empty() const { return value_.empty(); }
  friend std::ostream& operator<<(std::ostream& os, const Secret&) { return os << "<secret>"; }
  bool operator==(const Secret&) const = default;

 private:
  std::string value_;
};

}  // namespace runbookd::config
