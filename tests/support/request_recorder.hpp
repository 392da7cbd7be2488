#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "tests/support/test_http_server.hpp"

namespace runbookd::testing {

// What a TestHttpServer saw. Its handler runs on the server's thread, hence the lock.
class RequestRecorder {
 public:
  void Add(const TestRequest& request) {
    std::lock_guard lock(mu_);
    requests_.push_back(request);
  }
  std::vector<TestRequest> All() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  size_t size() const {
    std::lock_guard lock(mu_);
    return requests_.size();
  }
  // A header of the index-th request ("" when absent).
  std::string Header(size_t index, const std::string& name) const {
    std::lock_guard lock(mu_);
    if (index >= requests_.size()) return "<no request " + std::to_string(index) + ">";
    auto it = requests_[index].headers.find(name);
    return it == requests_[index].headers.end() ? "" : it->second;
  }
  // "METHOD target" of each request, in order.
  std::vector<std::string> Lines() const {
    std::lock_guard lock(mu_);
    std::vector<std::string> out;
    for (const auto& r : requests_) out.push_back(r.method + " " + r.target);
    return out;
  }

 private:
  mutable std::mutex mu_;
  std::vector<TestRequest> requests_;
};

}  // namespace runbookd::testing
