// The credential sources' pure parts: environment variables, the shared credentials and config
// files, the JSON of IMDS and container endpoints, STS's XML, and which endpoints are allowed.
#include <catch2/catch.hpp>
#include <string>

#include "daemon/clients/aws/aws_time.hpp"
#include "daemon/clients/aws/container_credentials.hpp"
#include "daemon/clients/aws/credentials.hpp"
#include "daemon/clients/aws/imds_credentials.hpp"
#include "daemon/clients/aws/profile_files.hpp"
#include "daemon/clients/aws/web_identity.hpp"
#include "tests/support/subprocess.hpp"

using namespace runbookd;
using namespace runbookd::aws;
using runbookd::testing::TempDir;

namespace {

// An environment whose shared files are in `dir` (absent until written).
Environment FilesIn(const TempDir& dir) {
  return {{"HOME", dir.path()},
          {"AWS_SHARED_CREDENTIALS_FILE", dir.path() + "/credentials"},
          {"AWS_CONFIG_FILE", dir.path() + "/config"}};
}

}  // namespace

TEST_CASE("environment credentials: keys, session token, legacy token, expiration, partial keys") {
  CHECK(ReadEnvironmentCredentials({}).status == CredentialsStatus::kNotConfigured);
  CHECK(ReadEnvironmentCredentials({{"AWS_ACCESS_KEY_ID", ""}}).status == CredentialsStatus::kNotConfigured);

  const CredentialsResult plain =
      ReadEnvironmentCredentials({{"AWS_ACCESS_KEY_ID", "AKID"}, {"AWS_SECRET_ACCESS_KEY", "SECRET"}});
  REQUIRE(plain.ok());
  CHECK(plain.credentials.access_key_id.Reveal() == "AKID");
  CHECK(plain.credentials.secret_access_key.Reveal() == "SECRET");
  CHECK_FALSE(plain.credentials.temporary());
  CHECK_FALSE(plain.credentials.expiration);
  CHECK(plain.credentials.source == "environment");

  const CredentialsResult session = ReadEnvironmentCredentials({{"AWS_ACCESS_KEY_ID", "AKID"},
                                                                {"AWS_SECRET_ACCESS_KEY", "SECRET"},
                                                                {"AWS_SESSION_TOKEN", "TOKEN"},
                                                                {"AWS_SECURITY_TOKEN", "LEGACY"},
                                                                {"AWS_CREDENTIAL_EXPIRATION", "2030-01-01T00:00:00Z"}});
  REQUIRE(session.ok());
  CHECK(session.credentials.session_token.Reveal() == "TOKEN");
  CHECK(session.credentials.expiration == ParseIso8601("2030-01-01T00:00:00Z"));

  const CredentialsResult legacy = ReadEnvironmentCredentials(
      {{"AWS_ACCESS_KEY_ID", "AKID"}, {"AWS_SECRET_ACCESS_KEY", "SECRET"}, {"AWS_SECURITY_TOKEN", "LEGACY"}});
  CHECK(legacy.credentials.session_token.Reveal() == "LEGACY");

  const CredentialsResult partial = ReadEnvironmentCredentials({{"AWS_ACCESS_KEY_ID", "AKID"}});
  CHECK(partial.status == CredentialsStatus::kFailed);
  CHECK(partial.error == "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
  CHECK(ReadEnvironmentCredentials({{"AWS_SECRET_ACCESS_KEY", "SECRET"}}).status == CredentialsStatus::kFailed);
  CHECK(ReadEnvironmentCredentials({{"AWS_ACCESS_KEY_ID", "AKID"},
                                    {"AWS_SECRET_ACCESS_KEY", "SECRET"},
                                    {"AWS_CREDENTIAL_EXPIRATION", "tomorrow"}})
            .status == CredentialsStatus::kFailed);
}

TEST_CASE("ini: sections, both separators, comments, continuation lines, CRLF, errors with line numbers") {
  std::string error;
  const auto ini = ParseIni(
      "# comment\r\n[default]\r\naws_access_key_id = AKID\r\nAWS_Secret_Access_Key: SECRET \r\n; other\r\n"
      "[profile x]\nregion=eu-west-1\ns3 =\n  max_concurrent_requests = 10\n",
      error);
  REQUIRE(ini);
  CHECK(ini->at("default").at("aws_access_key_id") == "AKID");
  CHECK(ini->at("default").at("aws_secret_access_key") == "SECRET");
  CHECK(ini->at("profile x").at("region") == "eu-west-1");
  CHECK(ini->at("profile x").at("s3") == "\nmax_concurrent_requests = 10");

  CHECK_FALSE(ParseIni("key = value\n", error));
  CHECK(error == "line 1: a setting before any [section]");
  CHECK_FALSE(ParseIni("[a]\nno separator here\n", error));
  CHECK(error == "line 2: expected key = value");
  CHECK_FALSE(ParseIni("[a\n", error));
  CHECK(error == "line 1: a section header must end with ']'");
}

TEST_CASE("shared files: locations and the profile follow botocore's variables") {
  const SharedFiles defaults = LocateSharedFiles({{"HOME", "/home/ops"}}, "");
  CHECK(defaults.credentials_file == "/home/ops/.aws/credentials");
  CHECK(defaults.config_file == "/home/ops/.aws/config");
  CHECK(defaults.profile == "default");
  CHECK_FALSE(defaults.profile_explicit);

  const SharedFiles named = LocateSharedFiles({{"HOME", "/home/ops"},
                                               {"AWS_SHARED_CREDENTIALS_FILE", "~/creds"},
                                               {"AWS_CONFIG_FILE", "/etc/aws/config"},
                                               {"AWS_DEFAULT_PROFILE", "legacy"},
                                               {"AWS_PROFILE", "ops"}},
                                              "");
  CHECK(named.credentials_file == "/home/ops/creds");
  CHECK(named.config_file == "/etc/aws/config");
  CHECK(named.profile == "ops");
  CHECK(named.profile_explicit);
  CHECK(LocateSharedFiles({{"AWS_PROFILE", "ops"}}, "from-config").profile == "from-config");
  CHECK(LocateSharedFiles({{"AWS_DEFAULT_PROFILE", "legacy"}}, "").profile == "legacy");
  // Without HOME the default paths cannot be found: no files.
  CHECK(LocateSharedFiles({}, "").credentials_file.empty());
}

TEST_CASE("shared files: the credentials file wins over the config file, [profile x] vs [x]") {
  TempDir dir;
  dir.Write("credentials",
            "[default]\naws_access_key_id = CRED-AKID\naws_secret_access_key = CRED-SECRET\n"
            "[ops]\naws_access_key_id = OPS-AKID\naws_secret_access_key = OPS-SECRET\naws_session_token = OPS-TOKEN\n");
  dir.Write("config",
            "[default]\naws_access_key_id = CONF-AKID\naws_secret_access_key = CONF-SECRET\nregion = us-east-1\n"
            "[profile onlyconfig]\naws_access_key_id = OC-AKID\naws_secret_access_key = OC-SECRET\n"
            "[onlyconfig]\naws_access_key_id = WRONG\naws_secret_access_key = WRONG\n"
            "[profile regiononly]\nregion = eu-west-1\n");
  const Environment env = FilesIn(dir);

  const CredentialsResult d = ReadProfileCredentials(LocateSharedFiles(env, ""));
  REQUIRE(d.ok());
  CHECK(d.credentials.access_key_id.Reveal() == "CRED-AKID");
  CHECK(d.credentials.source == "profile default");

  const CredentialsResult ops = ReadProfileCredentials(LocateSharedFiles(env, "ops"));
  REQUIRE(ops.ok());
  CHECK(ops.credentials.session_token.Reveal() == "OPS-TOKEN");

  const CredentialsResult oc = ReadProfileCredentials(LocateSharedFiles(env, "onlyconfig"));
  REQUIRE(oc.ok());
  CHECK(oc.credentials.access_key_id.Reveal() == "OC-AKID");  // `[onlyconfig]` in the config file is not it

  // A profile with settings but no keys lets the later sources try; a missing named one is an error.
  CHECK(ReadProfileCredentials(LocateSharedFiles(env, "regiononly")).status == CredentialsStatus::kNotConfigured);
  const CredentialsResult missing = ReadProfileCredentials(LocateSharedFiles(env, "nope"));
  CHECK(missing.status == CredentialsStatus::kFailed);
  CHECK(missing.error.find("profile \"nope\" is in neither") == 0);

  std::string error;
  const auto merged = LoadProfile(LocateSharedFiles(env, ""), error);
  REQUIRE(merged);
  CHECK(merged->at("region") == "us-east-1");
  CHECK(merged->at("aws_access_key_id") == "CRED-AKID");
}

TEST_CASE("shared files: absent files, a missing default, partial keys, unsupported profile kinds") {
  TempDir dir;
  Environment env = FilesIn(dir);
  CHECK(ReadProfileCredentials(LocateSharedFiles(env, "")).status == CredentialsStatus::kNotConfigured);

  dir.Write("credentials", "[default]\naws_access_key_id = AKID\n");
  const CredentialsResult partial = ReadProfileCredentials(LocateSharedFiles(env, ""));
  CHECK(partial.status == CredentialsStatus::kFailed);
  CHECK(partial.error.find("has aws_access_key_id but no aws_secret_access_key") != std::string::npos);

  dir.Write("credentials", "[default]\naws_access_key_id = AKID\naws_secret_access_key = S\n");
  dir.Write("config", "[default]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = base\n");
  const CredentialsResult role = ReadProfileCredentials(LocateSharedFiles(env, ""));
  CHECK(role.status == CredentialsStatus::kFailed);
  CHECK(role.error == "profile \"default\" uses assume role (role_arn), which runbookd does not support yet");

  dir.Write("config", "[profile p]\ncredential_process = /bin/echo\n");
  CHECK(ReadProfileCredentials(LocateSharedFiles(env, "p")).error.find("credential_process") != std::string::npos);
  dir.Write("config", "[profile p]\nsso_session = corp\n");
  CHECK(ReadProfileCredentials(LocateSharedFiles(env, "p")).status == CredentialsStatus::kFailed);

  dir.Write("config", "region = us-east-1\n");
  const CredentialsResult broken = ReadProfileCredentials(LocateSharedFiles(env, ""));
  CHECK(broken.status == CredentialsStatus::kFailed);
  CHECK(broken.error == "\"" + dir.path() + "/config\" line 1: a setting before any [section]");
}

TEST_CASE("credentials JSON: the IMDS / container answer, and what is wrong with a bad one") {
  const CredentialsResult ok = ParseCredentialsJson(
      R"({"Code":"Success","LastUpdated":"2024-05-01T09:00:00Z","Type":"AWS-HMAC","AccessKeyId":"ASIA",)"
      R"("SecretAccessKey":"SECRET","Token":"TOKEN","Expiration":"2024-05-01T15:00:00Z"})",
      "instance metadata role web");
  REQUIRE(ok.ok());
  CHECK(ok.credentials.access_key_id.Reveal() == "ASIA");
  CHECK(ok.credentials.session_token.Reveal() == "TOKEN");
  CHECK(ok.credentials.expiration == ParseIso8601("2024-05-01T15:00:00Z"));
  CHECK(ok.credentials.source == "instance metadata role web");

  CHECK(ParseCredentialsJson("not json SECRET", "container").error == "container: the answer is not a JSON object");
  CHECK(ParseCredentialsJson(R"({"Code":"AssumeRoleUnauthorizedAccess","Message":"x"})", "imds").error ==
        "imds: the answer has Code \"AssumeRoleUnauthorizedAccess\"");
  CHECK(ParseCredentialsJson(R"({"AccessKeyId":"A","SecretAccessKey":"S","Expiration":"2024-05-01T15:00:00Z"})",
                             "container")
            .error == "container: the answer has no \"Token\"");
  CHECK(
      ParseCredentialsJson(R"({"AccessKeyId":"A","SecretAccessKey":"S","Token":"T","Expiration":"soon"})", "c").error ==
      "c: the answer's \"Expiration\" is not an ISO 8601 time");
}

TEST_CASE("STS XML: AssumeRoleWithWebIdentity credentials, and ErrorResponse code and message") {
  const CredentialsResult ok = ParseAssumeRoleWithWebIdentityResponse(
      200, R"(<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">)"
           R"(<AssumeRoleWithWebIdentityResult><SubjectFromWebIdentityToken>system:serviceaccount:ops:runbookd)"
           R"(</SubjectFromWebIdentityToken><Credentials><SessionToken>TOKEN</SessionToken>)"
           R"(<SecretAccessKey>SECRET</SecretAccessKey><Expiration>2024-05-01T11:00:00Z</Expiration>)"
           R"(<AccessKeyId>ASIA</AccessKeyId></Credentials></AssumeRoleWithWebIdentityResult>)"
           R"(<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></AssumeRoleWithWebIdentityResponse>)");
  REQUIRE(ok.ok());
  CHECK(ok.credentials.access_key_id.Reveal() == "ASIA");
  CHECK(ok.credentials.secret_access_key.Reveal() == "SECRET");
  CHECK(ok.credentials.session_token.Reveal() == "TOKEN");
  CHECK(ok.credentials.expiration == ParseIso8601("2024-05-01T11:00:00Z"));

  const CredentialsResult denied = ParseAssumeRoleWithWebIdentityResponse(
      400, R"(<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>)"
           R"(<Code>InvalidIdentityToken</Code><Message>Incorrect token audience</Message></Error>)"
           R"(<RequestId>r</RequestId></ErrorResponse>)");
  CHECK(denied.status == CredentialsStatus::kFailed);
  CHECK(denied.error ==
        "STS AssumeRoleWithWebIdentity answered HTTP 400 InvalidIdentityToken: Incorrect token audience");
  CHECK(ParseAssumeRoleWithWebIdentityResponse(503, "<html>").error ==
        "STS AssumeRoleWithWebIdentity answered HTTP 503");
  CHECK(ParseAssumeRoleWithWebIdentityResponse(200, "<x/>").status == CredentialsStatus::kFailed);
  CHECK(ParseAssumeRoleWithWebIdentityResponse(200, "not xml").status == CredentialsStatus::kFailed);
}

TEST_CASE("web identity: configured by both variables, STS endpoint and request body like botocore") {
  CHECK_FALSE(WebIdentityFromEnvironment({{"AWS_ROLE_ARN", "arn"}}, "https://sts"));
  const auto web = WebIdentityFromEnvironment({{"AWS_ROLE_ARN", "arn:aws:iam::1:role/r"},
                                               {"AWS_WEB_IDENTITY_TOKEN_FILE", "/t"},
                                               {"AWS_ROLE_SESSION_NAME", "s"}},
                                              "https://sts.example");
  REQUIRE(web);
  CHECK(web->role_arn == "arn:aws:iam::1:role/r");
  CHECK(web->session_name == "s");
  CHECK(web->sts_url == "https://sts.example");

  CHECK(StsUrl({}, "", "") == "https://sts.amazonaws.com");
  CHECK(StsUrl({{"AWS_DEFAULT_REGION", "eu-west-1"}}, "", "") == "https://sts.eu-west-1.amazonaws.com");
  CHECK(StsUrl({{"AWS_REGION", "us-west-2"}, {"AWS_DEFAULT_REGION", "eu-west-1"}}, "", "") ==
        "https://sts.us-west-2.amazonaws.com");
  CHECK(StsUrl({{"AWS_REGION", "us-west-2"}}, "cn-north-1", "") == "https://sts.cn-north-1.amazonaws.com.cn");
  CHECK(StsUrl({{"AWS_ENDPOINT_URL", "http://all"}}, "us-east-1", "") == "http://all");
  CHECK(StsUrl({{"AWS_ENDPOINT_URL", "http://all"}, {"AWS_ENDPOINT_URL_STS", "http://sts"}}, "", "") == "http://sts");
  CHECK(StsUrl({{"AWS_ENDPOINT_URL_STS", "http://sts"}}, "", "http://override") == "http://override");

  CHECK(AssumeRoleWithWebIdentityBody("arn:aws:iam::123456789012:role/r", "botocore-session-1795401117",
                                      "eyJhbGciOi.web.token") ==
        "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fr&"
        "RoleSessionName=botocore-session-1795401117&WebIdentityToken=eyJhbGciOi.web.token");
}

TEST_CASE("container: relative and full URIs, the allowed plain-http hosts, the token variables") {
  CHECK(ContainerFromEnvironment({}, "http://169.254.170.2").status == CredentialsStatus::kNotConfigured);

  const ContainerLookup relative =
      ContainerFromEnvironment({{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc"},
                                {"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1/ignored"}},
                               "http://169.254.170.2");
  REQUIRE(relative.status == CredentialsStatus::kOk);
  CHECK(relative.settings.url == "http://169.254.170.2/v2/credentials/abc");

  for (const std::string url :
       {"http://169.254.170.23/v1/credentials", "http://[fd00:ec2::23]/v1/credentials", "http://localhost:8080/creds",
        "http://127.0.0.2/creds", "http://[::1]:1/c", "https://creds.example.com/"}) {
    INFO(url);
    CHECK(ContainerFromEnvironment({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", url}}, "").status == CredentialsStatus::kOk);
  }
  const ContainerLookup remote =
      ContainerFromEnvironment({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://10.0.0.1/creds"}}, "");
  CHECK(remote.status == CredentialsStatus::kFailed);
  CHECK(remote.error.find("host \"10.0.0.1\" is not allowed over http") != std::string::npos);
  CHECK(ContainerFromEnvironment({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "ftp://127.0.0.1/"}}, "").status ==
        CredentialsStatus::kFailed);

  const ContainerLookup token = ContainerFromEnvironment({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1/c"},
                                                          {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "TOKEN"},
                                                          {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/var/run/token"}},
                                                         "");
  CHECK(token.settings.authorization.Reveal() == "TOKEN");
  CHECK(token.settings.authorization_file == "/var/run/token");
}

TEST_CASE("imds: disabled, endpoint override and mode, v1 switch") {
  CHECK_FALSE(ImdsFromEnvironment({{"AWS_EC2_METADATA_DISABLED", "TRUE"}}, ""));
  CHECK(ImdsFromEnvironment({{"AWS_EC2_METADATA_DISABLED", "false"}}, "")->endpoint == "http://169.254.169.254");
  CHECK(ImdsFromEnvironment({{"AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv6"}}, "")->endpoint ==
        "http://[fd00:ec2::254]");
  CHECK(ImdsFromEnvironment({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9/"}}, "")->endpoint ==
        "http://127.0.0.1:9/");
  CHECK(ImdsFromEnvironment({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://a"}}, "http://b")->endpoint == "http://b");
  CHECK(ImdsFromEnvironment({{"AWS_EC2_METADATA_V1_DISABLED", "true"}}, "")->v1_disabled);
  CHECK_FALSE(ImdsFromEnvironment({}, "")->v1_disabled);
}
