#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "tests/support/subprocess.hpp"

namespace runbookd::testing {

// The fake AWS endpoint (tests/support/fake_aws/fake_aws.py): ELBv2, RDS, EKS and STS on one port
// of 127.0.0.1, every request's SigV4 signature checked with botocore. Its state and the requests
// it saw are read and replaced over its unsigned /_fake/ control paths. README.md there describes
// the state. Methods throw std::runtime_error when the fake does not answer.
class FakeAws {
 public:
  // Starts fake_aws.py on 127.0.0.1:0 with a python3 that imports botocore (the one on PATH, else
  // /usr/bin/python3) and waits (bounded) until it listens. Throws with the script's output when it
  // cannot start, or a clear message when no python3 has botocore.
  static std::unique_ptr<FakeAws> Start();
  ~FakeAws();  // stops the process
  FakeAws(const FakeAws&) = delete;
  FakeAws& operator=(const FakeAws&) = delete;

  std::string Url() const;  // "http://127.0.0.1:PORT" (one port serves every service)
  int port() const { return port_; }

  void SetState(const boost::json::object& state);       // replaces the whole state
  boost::json::object State();                           // the current state (after the fake's own changes)
  boost::json::array Requests();                         // every request received, oldest first
  boost::json::array Requests(std::string_view action);  // those whose "action" is `action`
  void ClearRequests();

  static constexpr const char* kAccessKeyId = "AKIDFAKEEXAMPLE";
  static constexpr const char* kSecretAccessKey = "fake/secret/key/EXAMPLE";
  static constexpr const char* kRegion = "eu-west-1";

  // An aws connection block (YAML flow mapping) pointing every service at this fake:
  // "{type: aws, region: eu-west-1, endpoints: {elbv2: URL, rds: URL, eks: URL, sts: URL}}"
  std::string ConnectionYaml() const;
  // AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY of the fake's known identity (and nothing else).
  std::map<std::string, std::string, std::less<>> Environment() const;

  // What the script wrote to stdout and stderr (one line per request), for failing tests.
  std::string Log() const;

 private:
  FakeAws() = default;
  std::string Control(const std::string& method, const std::string& path, const std::string& body = {});

  TempDir dir_;
  std::unique_ptr<ChildProcess> process_;
  int port_ = 0;
};

}  // namespace runbookd::testing
