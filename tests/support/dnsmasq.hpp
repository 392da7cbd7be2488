#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/subprocess.hpp"

namespace runbookd::testing {

// A real dnsmasq (Debian's dnsmasq-base) on 127.0.0.1, on a port of its own, answering only
// from the records it is given: no upstream, no hosts file, no resolv.conf. Names under
// `local_domains` that it has no record for get NXDOMAIN; other names get REFUSED.
//
//   Dnsmasq dns({"--host-record=exists.test,10.1.2.3", "--txt-record=txt.test,hello",
//                "--mx-host=mx.test,mail.test,10", "--cname=alias.test,exists.test"});
//   dns.address()  // "127.0.0.1:PORT", UDP and TCP
//
// The constructor returns once dnsmasq answers queries (a bounded poll), and throws
// std::runtime_error with dnsmasq's log when it does not start. The destructor stops it.
class Dnsmasq {
 public:
  explicit Dnsmasq(std::vector<std::string> record_options, std::vector<std::string> local_domains = {"test"});
  ~Dnsmasq();
  Dnsmasq(const Dnsmasq&) = delete;
  Dnsmasq& operator=(const Dnsmasq&) = delete;

  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  std::string Log() const;

 private:
  TempDir dir_;
  std::unique_ptr<ChildProcess> process_;
  int port_ = 0;
};

// True when a DNS server on 127.0.0.1:port answers a UDP query within `limit`.
bool DnsServerAnswers(int port, std::chrono::milliseconds limit);

}  // namespace runbookd::testing
