// SigV4's building blocks (URI normalisation and double encoding, query and header canonical forms,
// UNSIGNED-PAYLOAD, presigning), and two signatures awscli 1.45 produced on this image.
#include <catch2/catch.hpp>
#include <sstream>
#include <string>

#include "daemon/clients/aws/aws_time.hpp"
#include "daemon/clients/aws/crypto.hpp"
#include "daemon/clients/aws/signed_request.hpp"
#include "daemon/clients/aws/sigv4.hpp"
#include "daemon/clients/aws/uri_encode.hpp"

using namespace runbookd;
using namespace runbookd::aws;

namespace {

AwsCredentials Keys(const std::string& token = "") {
  AwsCredentials c;
  c.access_key_id = config::Secret("AKIDEXAMPLE");
  c.secret_access_key = config::Secret("secret");
  c.session_token = config::Secret(token);
  return c;
}

sigv4::Params At(const std::string& amz_date, const std::string& service) {
  sigv4::Params p;
  p.region = "us-east-1";
  p.service = service;
  p.time = *ParseAmzDate(amz_date);
  return p;
}

}  // namespace

TEST_CASE("sigv4: paths are normalised like botocore's remove_dot_segments") {
  CHECK(NormalizePath("") == "/");
  CHECK(NormalizePath("/") == "/");
  CHECK(NormalizePath("//example//") == "/example/");
  CHECK(NormalizePath("/./") == "/");
  CHECK(NormalizePath("/example/..") == "/");
  CHECK(NormalizePath("/example1/example2/../..") == "/");
  CHECK(NormalizePath("/example/../../x") == "/x");
  CHECK(NormalizePath("/a/./b/../c/") == "/a/c/");
  CHECK(NormalizePath("/clusters/c1/node-groups/ng") == "/clusters/c1/node-groups/ng");
}

TEST_CASE("sigv4: the canonical URI encodes the wire path once more (every service but S3)") {
  CHECK(sigv4::CanonicalUri("/\xe1\x88\xb4") == "/%E1%88%B4");
  CHECK(sigv4::CanonicalUri("/example space/") == "/example%20space/");
  // A path sent as /my%20cluster is signed as /my%2520cluster: botocore quotes the encoded URL path.
  CHECK(sigv4::CanonicalUri("/clusters/my%20cluster") == "/clusters/my%2520cluster");
  CHECK(sigv4::CanonicalUri("/-._~") == "/-._~");
  CHECK(sigv4::CanonicalUri("/a+b=c") == "/a%2Bb%3Dc");
}

TEST_CASE("sigv4: the canonical query sorts by encoded name, then value, and keeps empty values") {
  CHECK(sigv4::CanonicalQuery({}) == "");
  CHECK(sigv4::CanonicalQuery({{"b", "2"}, {"a", ""}, {"a", "1"}}) == "a=&a=1&b=2");
  CHECK(sigv4::CanonicalQuery({{"Param-3", "Value3"}, {"Param", "Value2"}, {"\xe1\x88\xb4", "Value1"}}) ==
        "%E1%88%B4=Value1&Param=Value2&Param-3=Value3");
  CHECK(sigv4::CanonicalQuery({{"k", "a b+c/d=e&f~"}}) == "k=a%20b%2Bc%2Fd%3De%26f~");
}

TEST_CASE("sigv4: canonical headers are lower-cased, trimmed, collapsed, sorted and merged") {
  std::string signed_headers;
  const std::string canonical = sigv4::CanonicalHeaders({{"Host", "example.com"},
                                                         {"My-Header2", "  \"a   b \t c\"  "},
                                                         {"X-Amz-Date", "20150830T123600Z"},
                                                         {"my-header1", "one"},
                                                         {"My-Header1", "two"}},
                                                        signed_headers);
  CHECK(canonical == "host:example.com\nmy-header1:one,two\nmy-header2:\"a b c\"\nx-amz-date:20150830T123600Z\n");
  CHECK(signed_headers == "host;my-header1;my-header2;x-amz-date");
}

TEST_CASE("sigv4: the header form adds X-Amz-Date, the session token and Authorization, in that order") {
  sigv4::Request r;
  r.method = "GET";
  r.host = "example.amazonaws.com";
  r.headers = {{"User-Agent", "runbookd"}, {"Expect", "100-continue"}};  // never signed
  const sigv4::HeaderSignature s = sigv4::SignHeaders(r, At("20150830T123600Z", "service"), Keys("TOKEN"));
  REQUIRE(s.headers.size() == 3);
  CHECK(s.headers[0] == std::pair<std::string, std::string>{"X-Amz-Date", "20150830T123600Z"});
  CHECK(s.headers[1] == std::pair<std::string, std::string>{"X-Amz-Security-Token", "TOKEN"});
  CHECK(s.headers[2].first == "Authorization");
  CHECK(s.steps.signed_headers == "host;x-amz-date;x-amz-security-token");
  CHECK(s.authorization.rfind("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
                              "SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=",
                              0) == 0);
}

TEST_CASE("sigv4: a caller's own Host, X-Amz-Date or Authorization is replaced, as botocore does") {
  sigv4::Request plain;
  plain.host = "example.amazonaws.com";
  sigv4::Request cluttered = plain;
  cluttered.headers = {{"Host", "other"}, {"X-Amz-Date", "19990101T000000Z"}, {"Authorization", "old"}};
  const auto params = At("20150830T123600Z", "service");
  CHECK(sigv4::SignHeaders(cluttered, params, Keys()).authorization ==
        sigv4::SignHeaders(plain, params, Keys()).authorization);
}

TEST_CASE("sigv4: UNSIGNED-PAYLOAD is the payload hash and is sent as X-Amz-Content-SHA256") {
  sigv4::Request r;
  r.method = "PUT";
  r.host = "example.amazonaws.com";
  r.body = "ignored by the signature";
  sigv4::Params p = At("20150830T123600Z", "service");
  p.payload = sigv4::PayloadHash::kUnsigned;
  const sigv4::HeaderSignature s = sigv4::SignHeaders(r, p, Keys());
  const std::string& canonical = s.steps.canonical_request.Reveal();
  CHECK(canonical.substr(canonical.rfind('\n') + 1) == "UNSIGNED-PAYLOAD");
  CHECK(canonical.find("x-amz-content-sha256:UNSIGNED-PAYLOAD\n") != std::string::npos);
  CHECK(s.steps.signed_headers == "host;x-amz-content-sha256;x-amz-date");
  REQUIRE(s.headers.size() == 3);
  CHECK(s.headers[1] == std::pair<std::string, std::string>{"X-Amz-Content-SHA256", "UNSIGNED-PAYLOAD"});
}

TEST_CASE("sigv4: the canonical request holds the session token only inside a Secret") {
  sigv4::Request r;
  r.host = "example.amazonaws.com";
  const sigv4::HeaderSignature s = sigv4::SignHeaders(r, At("20150830T123600Z", "service"), Keys("SESSION-TOKEN"));
  std::ostringstream printed;
  printed << s.steps.canonical_request;
  CHECK(printed.str() == "<secret>");
  CHECK(s.steps.canonical_request.Reveal().find("x-amz-security-token:SESSION-TOKEN\n") != std::string::npos);
  CHECK(s.authorization.find("SESSION-TOKEN") == std::string::npos);
  CHECK(s.authorization.find("secret") == std::string::npos);
  CHECK(s.steps.string_to_sign.find("SESSION-TOKEN") == std::string::npos);
}

TEST_CASE("sigv4: the request awscli 1.45 signed for elbv2 describe-target-health gets the same Authorization") {
  // Captured from `aws elbv2 describe-target-health` under faketime against a local listener.
  sigv4::Request r;
  r.method = "POST";
  r.host = "127.0.0.1:18931";
  r.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  r.body = FormEncode({{"Action", "DescribeTargetHealth"},
                       {"Version", "2015-12-01"},
                       {"TargetGroupArn", "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tg/abc"}});
  CHECK(r.body ==
        "Action=DescribeTargetHealth&Version=2015-12-01&TargetGroupArn=arn%3Aaws%3Aelasticloadbalancing%3Aus-east-1%"
        "3A123456789012%3Atargetgroup%2Ftg%2Fabc");
  const sigv4::HeaderSignature s = sigv4::SignHeaders(r, At("20240501T100000Z", "elasticloadbalancing"), Keys("tok"));
  CHECK(s.authorization ==
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240501/us-east-1/elasticloadbalancing/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, "
        "Signature=8aaeafde76489ee699828adf8ed12d65b6fb2a107a9e4f5010eceaeba0a1ac32");
}

TEST_CASE("sigv4: presigning puts the operation's parameters first, then the auth ones, the signature last") {
  sigv4::Request r;
  r.method = "GET";
  r.host = "sts.us-east-1.amazonaws.com";
  r.query = {{"Action", "GetCallerIdentity"}, {"Version", "2011-06-15"}};
  r.headers = {{"x-k8s-aws-id", "c1"}};
  const sigv4::QuerySignature s =
      sigv4::Presign(r, At("20240501T100000Z", "sts"), std::chrono::seconds(60), Keys("tok/en+="));
  // The same URL awscli 1.45 printed (base64url-decoded) for `aws eks get-token --cluster-name c1`.
  CHECK(s.query.Reveal() ==
        "Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%"
        "2F20240501%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-Date=20240501T100000Z&X-Amz-Expires=60&X-Amz-"
        "SignedHeaders=host%3Bx-k8s-aws-id&X-Amz-Security-Token=tok%2Fen%2B%3D&X-Amz-Signature="
        "616f0233c61dad9feac3e83603c1fe58906a3bf21ae4829f812ebe5ae06a1e15");
  CHECK(s.steps.signed_headers == "host;x-k8s-aws-id");
  // No X-Amz-Date header in the presigned form: the date is in the query.
  CHECK(s.steps.canonical_request.Reveal().find("\nx-amz-date:") == std::string::npos);
}

TEST_CASE("sigv4: Host headers carry the port only when it is not the scheme's default") {
  CHECK(sigv4::HostHeader("https", "sts.amazonaws.com", "") == "sts.amazonaws.com");
  CHECK(sigv4::HostHeader("https", "sts.amazonaws.com", "443") == "sts.amazonaws.com");
  CHECK(sigv4::HostHeader("http", "127.0.0.1", "80") == "127.0.0.1");
  CHECK(sigv4::HostHeader("http", "127.0.0.1", "8080") == "127.0.0.1:8080");
  CHECK(sigv4::HostHeader("https", "127.0.0.1", "80") == "127.0.0.1:80");
  CHECK(sigv4::HostHeader("http", "[::1]", "9000") == "[::1]:9000");
}

TEST_CASE("sigv4: a signed http_client request carries exactly the signed Host, path and query") {
  std::string error;
  const auto endpoint = ParseEndpoint("http://127.0.0.1:8080/prefix/", error);
  REQUIRE(endpoint);
  CHECK(endpoint->HostHeader() == "127.0.0.1:8080");
  CHECK(endpoint->base_path == "/prefix");
  sigv4::Request r;
  r.method = "GET";
  r.path = "/clusters/my%20cluster/updates/u 1";
  r.query = {{"nodegroupName", "ng a"}};
  const http_client::Request http = SignedHttpRequest(*endpoint, r, At("20240501T100000Z", "eks"), Keys());
  CHECK(std::string(http.url.buffer()) ==
        "http://127.0.0.1:8080/prefix/clusters/my%20cluster/updates/u%201?nodegroupName=ng%20a");
  REQUIRE(!http.headers.empty());
  CHECK(http.headers.front() == std::pair<std::string, std::string>{"Host", "127.0.0.1:8080"});

  CHECK_FALSE(ParseEndpoint("ftp://x", error));
  CHECK_FALSE(ParseEndpoint("https://x/?a=b", error));
  CHECK_FALSE(ParseEndpoint("https://user:pw@x/", error));
  CHECK_FALSE(ParseEndpoint("not a url", error));
}

TEST_CASE("aws time: X-Amz-Date and ISO 8601 round trips, offsets and fractions") {
  const WallTime t = *ParseAmzDate("20150830T123600Z");
  CHECK(FormatAmzDate(t) == "20150830T123600Z");
  CHECK(FormatScopeDate(t) == "20150830");
  CHECK(FormatIso8601(t) == "2015-08-30T12:36:00Z");
  CHECK(ParseIso8601("2015-08-30T12:36:00Z") == t);
  CHECK(ParseIso8601("2015-08-30T12:36:00.123Z") == t);
  CHECK(ParseIso8601("2015-08-30T14:36:00+02:00") == t);
  CHECK(ParseIso8601("2015-08-30T11:36:00-01:00") == t);
  CHECK_FALSE(ParseIso8601("2015-08-30 12:36"));
  CHECK_FALSE(ParseIso8601("2015-02-30T12:36:00Z"));
  CHECK_FALSE(ParseIso8601("2015-08-30T12:36:00"));
  CHECK_FALSE(ParseAmzDate("2015-08-30T12:36:00Z"));
}

TEST_CASE("aws encoding: percent-encoding, decoding and base64url") {
  CHECK(PercentEncode("a b/c~") == "a%20b%2Fc~");
  CHECK(PercentEncode("a b/c~", true) == "a%20b/c~");
  CHECK(PercentDecode("%E1%88%B4+x") == std::string("\xe1\x88\xb4+x"));
  CHECK_FALSE(PercentDecode("%E"));
  CHECK_FALSE(PercentDecode("%GG"));
  CHECK(*ParseQuery("a=1&b&c=&d=%20") == QueryParams{{"a", "1"}, {"b", ""}, {"c", ""}, {"d", " "}});
  for (const std::string text : {"", "f", "fo", "foo", "foob", "fooba", "foobar", "\xff\xfe\xfd?>"}) {
    std::string back;
    REQUIRE(DecodeBase64Url(Base64UrlNoPad(text), back));
    CHECK(back == text);
    CHECK(Base64UrlNoPad(text).find_first_of("+/=") == std::string::npos);
  }
  std::string out;
  CHECK_FALSE(DecodeBase64Url("a+b/", out));
  CHECK(Sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}
