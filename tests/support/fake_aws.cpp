#include "tests/support/fake_aws.hpp"

#include <httplib.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <vector>

namespace runbookd::testing {

namespace {

using namespace std::chrono_literals;

// Where the script lives. Test executables get RUNBOOKD_SOURCE_DIR, and so does this file when it is
// built into runbookd_test_support (tests/cmake/aws_api.cmake).
std::string SourceDir() {
#ifdef RUNBOOKD_SOURCE_DIR
  return RUNBOOKD_SOURCE_DIR;
#else
  return std::filesystem::path(__FILE__).parent_path().parent_path().parent_path().string();
#endif
}

// The first interpreter that can import botocore: the python3 on PATH (awscli's, on the image), then
// Debian's. Looked up once per test process; its real path skips a version manager's shim later.
std::string PythonWithBotocore() {
  static const std::string found = [] {
    std::string said;
    for (const std::string python : {"python3", "/usr/bin/python3"}) {
      const CommandResult r = RunCommand({python, "-c", "import sys, botocore; print(sys.executable)"});
      std::string executable = r.out.substr(0, r.out.find('\n'));
      if (r.exit_code == 0) return executable.empty() ? python : executable;
      said += "\n" + python + ": " + (r.exit_code == 127 ? std::string("not found") : r.err);
    }
    throw std::runtime_error(
        "the fake AWS endpoint needs botocore, and neither python3 on PATH nor /usr/bin/python3 can import it "
        "(install python3-botocore, see scripts/install-deps.sh):" +
        said);
  }();
  return found;
}

}  // namespace

std::unique_ptr<FakeAws> FakeAws::Start() {
  const std::string python = PythonWithBotocore();
  const std::string script = SourceDir() + "/tests/support/fake_aws/fake_aws.py";
  if (!std::filesystem::exists(script)) throw std::runtime_error("the fake AWS script is missing: " + script);
  std::unique_ptr<FakeAws> fake(new FakeAws());
  const std::string port_file = fake->dir_.path() + "/port";
  fake->process_ = std::make_unique<ChildProcess>(std::vector<std::string>{python, script, "--port-file", port_file},
                                                  fake->dir_.path() + "/fake_aws.log");
  const bool listening = PollUntil([&] { return !fake->process_->running() || std::filesystem::exists(port_file); },
                                   std::chrono::seconds(30));
  if (!listening || !fake->process_->running()) {
    throw std::runtime_error(std::string("the fake AWS endpoint did not start") + (listening ? "" : " within 30 s") +
                             ":\n" + fake->Log());
  }
  fake->port_ = std::stoi(ReadFile(port_file));
  return fake;
}

FakeAws::~FakeAws() = default;  // ChildProcess kills the process group

std::string FakeAws::Url() const { return "http://127.0.0.1:" + std::to_string(port_); }

std::string FakeAws::Control(const std::string& method, const std::string& path, const std::string& body) {
  httplib::Client client("127.0.0.1", port_);
  client.set_connection_timeout(10, 0);
  client.set_read_timeout(10, 0);
  client.set_write_timeout(10, 0);
  client.set_keep_alive(false);
  httplib::Result result = method == "PUT"      ? client.Put(path, body, "application/json")
                           : method == "DELETE" ? client.Delete(path)
                                                : client.Get(path);
  if (!result) {
    throw std::runtime_error("fake AWS " + method + " " + path + ": " + httplib::to_string(result.error()) + "\n" +
                             Log());
  }
  if (result->status != 200) {
    throw std::runtime_error("fake AWS " + method + " " + path + ": HTTP " + std::to_string(result->status) + ": " +
                             result->body);
  }
  return result->body;
}

void FakeAws::SetState(const boost::json::object& state) {
  Control("PUT", "/_fake/state", boost::json::serialize(state));
}

boost::json::object FakeAws::State() { return boost::json::parse(Control("GET", "/_fake/state")).as_object(); }

boost::json::array FakeAws::Requests() { return boost::json::parse(Control("GET", "/_fake/requests")).as_array(); }

boost::json::array FakeAws::Requests(std::string_view action) {
  boost::json::array out;
  for (const boost::json::value& request : Requests()) {
    const boost::json::string* name =
        request.as_object().if_contains("action") ? request.as_object().at("action").if_string() : nullptr;
    if (name != nullptr && *name == action) out.push_back(request);
  }
  return out;
}

void FakeAws::ClearRequests() { Control("DELETE", "/_fake/requests"); }

std::string FakeAws::ConnectionYaml() const {
  const std::string url = Url();
  return "{type: aws, region: " + std::string(kRegion) + ", endpoints: {elbv2: " + url + ", rds: " + url +
         ", eks: " + url + ", sts: " + url + "}}";
}

std::map<std::string, std::string, std::less<>> FakeAws::Environment() const {
  return {{"AWS_ACCESS_KEY_ID", kAccessKeyId}, {"AWS_SECRET_ACCESS_KEY", kSecretAccessKey}};
}

std::string FakeAws::Log() const { return process_ ? process_->Log() : std::string(); }

}  // namespace runbookd::testing
