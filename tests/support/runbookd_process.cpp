#include "tests/support/runbookd_process.hpp"

#include <httplib.h>

namespace runbookd::testing {

std::string RunbookdBinary() { return std::string(RUNBOOKD_TEST_BINARY_DIR) + "/daemon/app/runbookd"; }

RunbookdProcess::RunbookdProcess(const TempDir& dir, const std::string& config_body,
                                 std::map<std::string, std::string> env)
    : port_(FreePort()) {
  config_file_ = dir.Write("runbookd.yaml", "server:\n  listen: 127.0.0.1:" + std::to_string(port_) +
                                                "\nstore:\n  path: " + dir.path() + "/runbookd.db\n" + config_body);
  process_ = std::make_unique<ChildProcess>(std::vector<std::string>{RunbookdBinary(), "--config", config_file_},
                                            dir.path() + "/runbookd.log", env);
}

bool RunbookdProcess::WaitReady(std::chrono::milliseconds limit) {
  return PollUntil(
             [&] {
               if (!process_->running()) return true;
               httplib::Client client("127.0.0.1", port_);
               client.set_connection_timeout(1);
               auto res = client.Get("/-/ready");
               return res && res->status == 200;
             },
             limit) &&
         process_->running();
}

}  // namespace runbookd::testing
