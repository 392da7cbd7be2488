// The exec credential plugin protocol without a process: KUBERNETES_EXEC_INFO, ExecCredential
// decoding and RFC 3339 expiry times.
#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>
#include <chrono>

#include "daemon/clients/k8s/base64.hpp"
#include "daemon/clients/k8s/exec_plugin.hpp"

using namespace runbookd;
using namespace std::chrono_literals;

namespace {

k8s::ExecPluginSettings Plugin(const std::string& api_version) {
  k8s::ExecPluginSettings p;
  p.api_version = api_version;
  p.command = "/usr/local/bin/get-token";
  p.interactive_mode = "Never";
  return p;
}

WallTime Unix(int64_t seconds) { return WallTime(std::chrono::seconds(seconds)); }

}  // namespace

TEST_CASE("exec credential: RFC 3339 times") {
  CHECK(k8s::ParseRfc3339("2027-01-15T08:00:00Z") == Unix(1'800'000'000));
  CHECK(k8s::ParseRfc3339("2027-01-15T09:30:00+01:30") == Unix(1'800'000'000));
  CHECK(k8s::ParseRfc3339("2027-01-15T07:00:00-01:00") == Unix(1'800'000'000));
  CHECK(k8s::ParseRfc3339("2027-01-15t08:00:00.25z") == Unix(1'800'000'000) + 250ms);
  CHECK(k8s::ParseRfc3339("1970-01-01T00:00:00Z") == Unix(0));
  CHECK_FALSE(k8s::ParseRfc3339("2027-01-15 08:00:00Z"));
  CHECK_FALSE(k8s::ParseRfc3339("2027-01-15T08:00:00"));
  CHECK_FALSE(k8s::ParseRfc3339("2027-02-30T08:00:00Z"));
  CHECK_FALSE(k8s::ParseRfc3339("2027-01-15T24:00:00Z"));
  CHECK_FALSE(k8s::ParseRfc3339("2027-01-15T08:00:00.Z"));
  CHECK_FALSE(k8s::ParseRfc3339("2027-01-15T08:00:00Zjunk"));
  CHECK_FALSE(k8s::ParseRfc3339(""));
}

TEST_CASE("exec credential: KUBERNETES_EXEC_INFO carries cluster info only when asked") {
  k8s::ConnectionSettings settings;
  settings.server = "https://api.example.com:6443";
  settings.ca_pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  settings.insecure_skip_tls_verify = true;
  k8s::ExecPluginSettings plugin = Plugin("client.authentication.k8s.io/v1");
  CHECK(k8s::ExecInfo(plugin, settings) ==
        R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","spec":{"interactive":false}})");
  plugin.provide_cluster_info = true;
  const auto info = boost::json::parse(k8s::ExecInfo(plugin, settings));
  const auto& cluster = info.at("spec").at("cluster");
  CHECK(cluster.at("server") == "https://api.example.com:6443");
  CHECK(cluster.at("insecure-skip-tls-verify") == true);
  CHECK(cluster.at("certificate-authority-data").as_string() == k8s::Base64Encode(settings.ca_pem));
  CHECK(cluster.as_object().if_contains("tls-server-name") == nullptr);  // omitempty
}

TEST_CASE("exec credential: decoding what a plugin printed") {
  const k8s::ExecPluginSettings v1 = Plugin("client.authentication.k8s.io/v1");
  SECTION("a token with an expiry") {
    const auto r = k8s::ParseExecCredential(
        R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","spec":{},"status":{"token":"k8s-aws-v1.abc","expirationTimestamp":"2027-01-15T08:14:00Z"}})",
        v1);
    REQUIRE(r.status == k8s::ExecResult::Status::kOk);
    CHECK(r.credential.token.Reveal() == "k8s-aws-v1.abc");
    CHECK(r.credential.expiry == Unix(1'800'000'000) + 14min);
    CHECK(r.credential.client_cert_pem.empty());
  }
  SECTION("a client certificate without expiry") {
    const auto r = k8s::ParseExecCredential(
        R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"clientCertificateData":"CERT","clientKeyData":"KEY"}})",
        v1);
    REQUIRE(r.status == k8s::ExecResult::Status::kOk);
    CHECK(r.credential.client_cert_pem == "CERT");
    CHECK(r.credential.client_key_pem.Reveal() == "KEY");
    CHECK_FALSE(r.credential.expiry);
  }
  const std::string name = "exec plugin \"/usr/local/bin/get-token\"";
  auto error_of = [&](const std::string& output) {
    const auto r = k8s::ParseExecCredential(output, v1);
    CHECK(r.status == k8s::ExecResult::Status::kFailed);
    return r.error;
  };
  CHECK(error_of("SECRET") == name + " did not print a JSON ExecCredential");
  CHECK(error_of(R"({"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential"})") ==
        name + " printed an ExecCredential whose apiVersion is not client.authentication.k8s.io/v1");
  CHECK(error_of(R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"Other"})") ==
        name + " printed an object whose kind is not ExecCredential");
  CHECK(error_of(R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential"})") ==
        name + " printed an ExecCredential without status");
  CHECK(error_of(R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{}})") ==
        name + " printed an ExecCredential with neither token nor clientCertificateData");
  CHECK(
      error_of(
          R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"clientKeyData":"K"}})") ==
      name + " printed an ExecCredential with only one of clientCertificateData and clientKeyData");
  CHECK(
      error_of(
          R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"SECRET","expirationTimestamp":"soon"}})") ==
      name + " printed an ExecCredential whose expirationTimestamp is not an RFC 3339 time");
  CHECK(error_of(R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":7}})") ==
        name + " printed an ExecCredential with a status field that is not a string");
}
