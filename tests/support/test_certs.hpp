#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace runbookd::testing {

// PEM files of one certificate and its key.
struct CertFiles {
  std::string cert;   // the certificate alone
  std::string key;    // its private key (EC P-256)
  std::string chain;  // the certificate followed by its issuing CA, as servers usually send it
};

// What a leaf certificate says. Validity is relative to now (negative = in the past).
struct LeafSpec {
  std::string common_name = "localhost";
  std::vector<std::string> dns_names = {"localhost"};
  std::vector<std::string> ip_addresses = {"127.0.0.1", "::1"};
  std::chrono::seconds not_before = -std::chrono::hours(1);
  std::chrono::seconds not_after = std::chrono::hours(24 * 30);
  bool client_auth = false;  // extendedKeyUsage clientAuth instead of serverAuth
};

// A throw-away certificate authority whose files live in a temporary directory, deleted with it.
// Generated with the OpenSSL API at test time; EC P-256 keeps it fast.
class TestCa {
 public:
  // Creates the CA (subject CN=`name`) in a fresh directory under $TMPDIR.
  explicit TestCa(std::string name = "runbookd test CA");
  ~TestCa();
  TestCa(const TestCa&) = delete;
  TestCa& operator=(const TestCa&) = delete;

  const std::string& dir() const { return dir_; }
  const std::string& ca_cert() const { return ca_cert_file_; }  // PEM of the CA certificate

  // Issues a leaf signed by this CA and writes `<file_stem>.crt`, `.key`, `-chain.crt`.
  CertFiles Issue(const LeafSpec& spec, const std::string& file_stem);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string dir_;
  std::string ca_cert_file_;
};

// The usual set for TLS tests, all issued by one CA (`ca`), plus a second, unrelated CA.
struct TestCerts {
  TestCerts();
  TestCa ca;
  TestCa other_ca;       // not trusted by anyone who trusts `ca`
  CertFiles server;      // localhost, 127.0.0.1, ::1; valid now
  CertFiles expired;     // localhost, 127.0.0.1, ::1; expired yesterday
  CertFiles wrong_host;  // only wrong.example.com; valid now
  CertFiles untrusted;   // localhost, 127.0.0.1, ::1; valid, but issued by other_ca
  CertFiles client;      // CN=runbookd-test-client, clientAuth
};

}  // namespace runbookd::testing
