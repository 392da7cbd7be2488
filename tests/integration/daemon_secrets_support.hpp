#pragma once

// The whole daemon with every kind of secret at once (issue 6, acceptance 3): the secret values,
// notifier fakes that answer badly part of the time and echo the request back, the config that
// wires all of it, and a scanner that says where a secret showed up.

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <atomic>
#include <boost/json.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <string>
#include <vector>

#include "tests/support/request_recorder.hpp"
#include "tests/support/test_http_server.hpp"

namespace runbookd::testing::daemon_secrets {

// A secret as configured, with what it is (for the failure message).
struct NamedSecret {
  std::string what;
  std::string value;
};

inline const std::string kAdminToken = "adm1n-T0KEN-5e1f0c0ffee";
inline const std::string kWebhookToken = "w3bh00k-T0KEN-am-7b2d";
inline const std::string kWrongToken = "wr0ng-T0KEN-guess-91ac";
inline const std::string kKubeToken = "kube-B3ARER-T0KEN-0d6f2a";
inline const std::string kAwsAccessKey = "ASIADAEMONSECRETS7Q";
inline const std::string kAwsSecretKey = "aws/S3CRET/key/d43m0n+x9";
inline const std::string kAwsSessionToken = "AWS-SESSI0N-T0KEN-IQoJb3JpZ2luX2Vj";
inline const std::string kPgWrongPassword = "pg-WR0NG-passw0rd-44e1";
inline const std::string kPgRefusedPassword = "pg-REFUSED-passw0rd-71c3";
inline const std::string kRedisPassword = "r3dis-PASSW0RD-6b0e";
inline const std::string kHttpBearer = "http-B3ARER-probe-2f8c";
inline const std::string kHttpBasicPassword = "http-BASIC-passw0rd-9d1a";
inline const std::string kSlackPathToken = "sl4ckH00kT0ken8c2e";
inline const std::string kSlackPath = "/services/T0SHOP/B0ALERTS/" + kSlackPathToken;
inline const std::string kSlackSigningSecret = "sl4ck-S1GNING-secret-0a9d33";
inline const std::string kSlackResponseToken = "resp0nseURLt0ken5f1b";
inline const std::string kRoutingKey = "R0UT1NGKEYdaem0nSECRETS012345678";
inline const std::string kHookPathToken = "h00kPATHt0ken3e7a";
inline const std::string kHookQueryToken = "h00kQUERYt0ken4c1d";
inline const std::string kHookPath = "/ingest/" + kHookPathToken + "?key=" + kHookQueryToken;
inline const std::string kHmacSecret = "hm4c-SECRET-webhook-8b2f";
inline const std::string kHookAuthHeader = "Bearer h00k-AUTH-header-6d0c";

inline std::string Base64(const std::string& text) {
  std::string out(4 * ((text.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  out.resize(n);
  return out;
}

// Every secret the test configures, in every form it travels in. The API tokens of
// approvals_api_support.hpp's WriteTokens are among them.
inline std::vector<NamedSecret> AllSecrets(const std::string& postgres_password) {
  return {{"reader token", "reader-secret"},
          {"alice's token", "alice-secret"},
          {"bob's token", "bob-secret"},
          {"operator token", "operator-secret"},
          {"admin token", kAdminToken},
          {"webhook token", kWebhookToken},
          {"wrong token", kWrongToken},
          {"kube token", kKubeToken},
          {"AWS secret key", kAwsSecretKey},
          {"AWS session token", kAwsSessionToken},
          {"postgres password", postgres_password},
          {"wrong postgres password", kPgWrongPassword},
          {"refused postgres password", kPgRefusedPassword},
          {"redis password", kRedisPassword},
          {"HTTP bearer token", kHttpBearer},
          {"HTTP basic password", kHttpBasicPassword},
          {"HTTP basic credentials", Base64("runbookd:" + kHttpBasicPassword)},
          {"Slack webhook path", kSlackPathToken},
          {"Slack signing secret", kSlackSigningSecret},
          {"Slack response_url", kSlackResponseToken},
          {"PagerDuty routing key", kRoutingKey},
          {"webhook URL path", kHookPathToken},
          {"webhook URL query", kHookQueryToken},
          {"HMAC secret", kHmacSecret},
          {"webhook auth header", kHookAuthHeader}};
}

// An HTTP receiver that cycles through `statuses`, echoing the whole request (line, headers, body)
// in every answer that is not a success, as misbehaving proxies and some real APIs do. 429s carry
// Retry-After: 1. `pagerduty` shapes the echo as PagerDuty's 400 body, whose message runbookd quotes.
class EchoFake {
 public:
  EchoFake(std::vector<int> statuses, bool pagerduty) : statuses_(std::move(statuses)), pagerduty_(pagerduty) {}

  std::string Url(const std::string& path) const { return server_.Url(path); }
  const RequestRecorder& seen() const { return seen_; }

 private:
  TestResponse Answer(const TestRequest& r) {
    seen_.Add(r);
    TestResponse out;
    out.status = statuses_[next_++ % statuses_.size()];
    if (out.status < 300) {
      out.body = pagerduty_ ? R"({"status":"success","message":"Event processed"})" : "ok";
      return out;
    }
    std::string echo = r.method + " " + r.target + "\n";
    for (const auto& [name, value] : r.headers) echo += name + ": " + value + "\n";
    echo += r.body;
    out.body =
        pagerduty_
            ? boost::json::serialize(boost::json::object{{"status", "invalid event"},
                                                         {"message", echo},
                                                         {"errors", boost::json::array{boost::json::value(r.body)}}})
            : echo;
    if (out.status == 429) out.headers.emplace_back("Retry-After", "1");
    return out;
  }

  std::vector<int> statuses_;
  bool pagerduty_;
  std::atomic<size_t> next_{0};
  RequestRecorder seen_;
  TestHttpServer server_{[this](const TestRequest& r) { return Answer(r); }};
};

// `X-Slack-Signature` of a request body as Slack computes it with `secret`.
inline std::string SlackSignature(const std::string& secret, const std::string& timestamp, const std::string& body) {
  const std::string base = "v0:" + timestamp + ":" + body;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(base.data()), base.size(), mac, &size);
  std::string hex = "v0=";
  for (unsigned int i = 0; i < size; ++i) {
    static const char* kDigits = "0123456789abcdef";
    hex += kDigits[mac[i] >> 4];
    hex += kDigits[mac[i] & 0xf];
  }
  return hex;
}

// The form body of a click on an approval button, with a response_url that is a credential too.
inline std::string SlackClickForm(int64_t approval_id, bool approve) {
  const boost::json::object payload{
      {"type", "block_actions"},
      {"user", {{"id", "U0SRE01"}, {"username", "sre-lead"}}},
      {"actions", boost::json::array{{{"action_id", approve ? "runbookd_approve" : "runbookd_deny"},
                                      {"value", std::to_string(approval_id)}}}},
      {"response_url", "https://hooks.slack.com/actions/T0SHOP/1/" + kSlackResponseToken}};
  return "payload=" + boost::urls::encode(boost::json::serialize(payload), boost::urls::unreserved_chars);
}

// The forms a secret may take in what runbookd writes: as it is, and escaped inside JSON.
inline std::vector<std::string> Forms(const std::string& value) {
  const std::string quoted = boost::json::serialize(boost::json::value(value));
  const std::string escaped = quoted.substr(1, quoted.size() - 2);
  if (escaped == value) return {value};
  return {value, escaped};
}

// "what (in where)" for every secret found in `text`.
inline std::vector<std::string> Leaks(const std::vector<NamedSecret>& secrets, const std::string& where,
                                      const std::string& text) {
  std::vector<std::string> found;
  for (const auto& s : secrets) {
    for (const auto& form : Forms(s.value)) {
      const auto at = text.find(form);
      if (at == std::string::npos) continue;
      const size_t from = at > 120 ? at - 120 : 0;
      found.push_back(s.what + " in " + where + ": ..." + text.substr(from, 240 + form.size()) + "...");
      break;
    }
  }
  return found;
}

}  // namespace runbookd::testing::daemon_secrets
