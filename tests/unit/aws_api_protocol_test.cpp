// The wire formats of the AWS API client: the Query form body, Query XML answers and errors (ELBv2
// and RDS shapes from protocol-facts §3.1–3.3), REST-JSON errors (§3.4) and ApiError's one line.
#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include "daemon/clients/aws/api_errors.hpp"
#include "daemon/clients/aws/query_protocol.hpp"
#include "daemon/clients/aws/rest_json.hpp"

using namespace runbookd::aws;

namespace {

constexpr const char* kTargetHealth =
    R"(<DescribeTargetHealthResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/">)"
    R"(<DescribeTargetHealthResult><TargetHealthDescriptions><member><HealthCheckPort>80</HealthCheckPort>)"
    R"(<TargetHealth><State>unhealthy</State><Reason>Target.ResponseCodeMismatch</Reason>)"
    R"(<Description>Health checks failed with these codes: [502]</Description></TargetHealth>)"
    R"(<Target><Port>80</Port><Id>i-0fed</Id></Target></member></TargetHealthDescriptions>)"
    R"(</DescribeTargetHealthResult><ResponseMetadata><RequestId>req-elb-1</RequestId></ResponseMetadata>)"
    R"(</DescribeTargetHealthResponse>)";

constexpr const char* kClusters =
    R"(<DescribeDBClustersResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><DescribeDBClustersResult>)"
    R"(<DBClusters><DBCluster><DBClusterIdentifier>c1</DBClusterIdentifier><Status>available</Status>)"
    R"(<DBClusterMembers><DBClusterMember><DBInstanceIdentifier>db-1</DBInstanceIdentifier>)"
    R"(<IsClusterWriter>true</IsClusterWriter></DBClusterMember><DBClusterMember>)"
    R"(<DBInstanceIdentifier>db-2</DBInstanceIdentifier><IsClusterWriter>false</IsClusterWriter>)"
    R"(</DBClusterMember></DBClusterMembers></DBCluster></DBClusters></DescribeDBClustersResult>)"
    R"(<ResponseMetadata><RequestId>req-rds-1</RequestId></ResponseMetadata></DescribeDBClustersResponse>)";

std::string ErrorXml(const std::string& ns, const std::string& code, const std::string& message) {
  return R"(<ErrorResponse xmlns=")" + ns + R"("><Error><Type>Sender</Type><Code>)" + code + "</Code><Message>" +
         message + "</Message></Error><RequestId>req-err</RequestId></ErrorResponse>";
}

}  // namespace

TEST_CASE("aws query body: Action and Version first, then the parameters in order, AWS-encoded") {
  CHECK(QueryBody("FailoverDBCluster", "2014-10-31",
                  {{"DBClusterIdentifier", "c1"}, {"TargetDBInstanceIdentifier", "db2"}}) ==
        "Action=FailoverDBCluster&Version=2014-10-31&DBClusterIdentifier=c1&TargetDBInstanceIdentifier=db2");
  // ARNs carry ':' and '/'; spaces are %20 (never '+'), '+', '&', '=' and non-ASCII are escaped, '~' is not.
  CHECK(QueryBody("DescribeTargetHealth", "2015-12-01",
                  {{"TargetGroupArn", "arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/web/73e2"},
                   {"Names.member.1", "a b+c&d=e~f\xC3\xA9"}}) ==
        "Action=DescribeTargetHealth&Version=2015-12-01"
        "&TargetGroupArn=arn%3Aaws%3Aelasticloadbalancing%3Aeu-west-1%3A1%3Atargetgroup%2Fweb%2F73e2"
        "&Names.member.1=a%20b%2Bc%26d%3De~f%C3%A9");
  CHECK(QueryBody("DescribeLoadBalancers", "2015-12-01", {{"Names", ""}}) ==
        "Action=DescribeLoadBalancers&Version=2015-12-01&Names=");
  CHECK(QueryVersion(AwsService::kElbv2) == "2015-12-01");
  CHECK(QueryVersion(AwsService::kRds) == "2014-10-31");
  CHECK(QueryVersion(AwsService::kSts) == "2011-06-15");
  CHECK(QueryVersion(AwsService::kEks).empty());
}

TEST_CASE("aws query answer: the Result element of an ELBv2 answer, and its request id") {
  const QueryReply reply = ParseQueryAnswer("DescribeTargetHealth", 200, kTargetHealth);
  REQUIRE(reply.error.ok());
  REQUIRE(reply.document);
  CHECK(reply.error.request_id == "req-elb-1");
  const pugi::xml_node member = reply.result.child("TargetHealthDescriptions").child("member");
  CHECK(std::string(member.child("Target").child_value("Id")) == "i-0fed");
  CHECK(std::string(member.child("TargetHealth").child_value("State")) == "unhealthy");
  CHECK(std::string(member.child("TargetHealth").child_value("Reason")) == "Target.ResponseCodeMismatch");
}

TEST_CASE("aws query answer: RDS named list items, and a Result element found below other wrappers") {
  const QueryReply reply = ParseQueryAnswer("DescribeDBClusters", 200, kClusters);
  REQUIRE(reply.error.ok());
  const pugi::xml_node cluster = reply.result.child("DBClusters").child("DBCluster");
  CHECK(std::string(cluster.child_value("Status")) == "available");
  int writers = 0;
  for (pugi::xml_node m : cluster.child("DBClusterMembers").children("DBClusterMember")) {
    writers += std::string(m.child_value("IsClusterWriter")) == "true";
  }
  CHECK(writers == 1);
  CHECK(reply.error.request_id == "req-rds-1");

  const QueryReply nested =
      ParseQueryAnswer("GetCallerIdentity", 200,
                       "<Outer><Inner><GetCallerIdentityResult><Account>1</Account></GetCallerIdentityResult>"
                       "</Inner></Outer>");
  REQUIRE(nested.error.ok());
  CHECK(std::string(nested.result.child_value("Account")) == "1");
}

TEST_CASE("aws query answer: an answer without outputs, a missing Result, and not XML") {
  const QueryReply empty =
      ParseQueryAnswer("DeregisterTargets", 200,
                       "<DeregisterTargetsResponse><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>"
                       "</DeregisterTargetsResponse>");
  CHECK(empty.error.ok());
  CHECK_FALSE(empty.result);

  const QueryReply wrong = ParseQueryAnswer("DescribeDBClusters", 200, kTargetHealth);
  CHECK(wrong.error.kind == ApiErrorKind::kBadResponse);
  CHECK(wrong.error.message == "the answer has no <DescribeDBClustersResult> element");

  CHECK(ParseQueryAnswer("DescribeDBClusters", 200, "<html>").error.kind == ApiErrorKind::kBadResponse);
  CHECK(ParseQueryAnswer("DescribeDBClusters", 200, "").error.kind == ApiErrorKind::kBadResponse);
}

TEST_CASE("aws query answer: ErrorResponse code, message and request id, classified") {
  const QueryReply gone = ParseQueryAnswer(
      "DescribeDBClusters", 404,
      ErrorXml("http://rds.amazonaws.com/doc/2014-10-31/", "DBClusterNotFoundFault", "DBCluster c9 not found."));
  CHECK(gone.error.kind == ApiErrorKind::kNotFound);
  CHECK(gone.error.http_status == 404);
  CHECK(gone.error.code == "DBClusterNotFoundFault");
  CHECK(gone.error.message == "DBCluster c9 not found.");
  CHECK(gone.error.request_id == "req-err");
  CHECK_FALSE(gone.document);

  const QueryReply tg = ParseQueryAnswer(
      "DescribeTargetHealth", 400,
      ErrorXml("http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/", "TargetGroupNotFound", "nope"));
  CHECK(tg.error.kind == ApiErrorKind::kNotFound);

  const QueryReply state = ParseQueryAnswer(
      "FailoverDBCluster", 400,
      ErrorXml("http://rds.amazonaws.com/doc/2014-10-31/", "InvalidDBClusterStateFault", "not available"));
  CHECK(state.error.kind == ApiErrorKind::kInvalid);

  const QueryReply throttled = ParseQueryAnswer("DescribeTargetHealth", 400, ErrorXml("x", "Throttling", "Rate"));
  CHECK(throttled.error.kind == ApiErrorKind::kThrottled);

  // Not an ErrorResponse at all: the status decides; the body is never quoted.
  const QueryReply gateway = ParseQueryAnswer("DescribeDBClusters", 502, "<html>Bad gateway SECRET</html>");
  CHECK(gateway.error.kind == ApiErrorKind::kServer);
  CHECK(gateway.error.code.empty());
  CHECK(gateway.error.message.empty());

  // The older <Response><Errors><Error> shape.
  const QueryReply old = ParseQueryAnswer(
      "X", 403, "<Response><Errors><Error><Code>AuthFailure</Code><Message>m</Message></Error></Errors></Response>");
  CHECK(old.error.code == "AuthFailure");
  CHECK(old.error.kind == ApiErrorKind::kAuth);
}

TEST_CASE("aws query answer: a server message keeps its first line only, printable") {
  const QueryReply r = ParseQueryAnswer(
      "GetCallerIdentity", 403,
      ErrorXml("x", "SignatureDoesNotMatch",
               "The request signature we calculated does not match.\n\nThe Canonical String for this request "
               "should have been\n'POST\n/\n\nx-amz-security-token:TOKEN-VALUE'"));
  CHECK(r.error.message == "The request signature we calculated does not match.");
  CHECK(SanitizedServerText("a\tb\x01") == "a?b?");
  CHECK(SanitizedServerText(std::string(400, 'x')).size() == 303);
}

TEST_CASE("aws rest-json errors: x-amzn-ErrorType first, cut at ':', else code or __type") {
  const JsonReply header = ParseRestJsonAnswer(
      404, "ResourceNotFoundException:http://internal.amazon.com/coral/com.amazonaws.eks/",
      R"({"message":"No node group found for name: ng.","clusterName":"prod","nodegroupName":"ng"})");
  CHECK(header.error.kind == ApiErrorKind::kNotFound);
  CHECK(header.error.code == "ResourceNotFoundException");
  CHECK(header.error.message == "No node group found for name: ng.");
  CHECK(header.http_status == 404);
  CHECK(header.body.at("clusterName").as_string() == "prod");

  const JsonReply code = ParseRestJsonAnswer(400, "", R"({"code":"InvalidParameterException","message":"bad"})");
  CHECK(code.error.code == "InvalidParameterException");
  CHECK(code.error.kind == ApiErrorKind::kInvalid);

  const JsonReply type = ParseRestJsonAnswer(409, "", R"({"__type":"com.amazonaws.eks#ResourceInUseException",
                                                        "Message":"busy"})");
  CHECK(type.error.code == "ResourceInUseException");
  CHECK(type.error.message == "busy");
  CHECK(type.error.kind == ApiErrorKind::kInvalid);

  CHECK(RestJsonErrorCode("", boost::json::parse("[1]")).empty());
  CHECK(ParseRestJsonAnswer(500, "ServerException", "").error.kind == ApiErrorKind::kServer);
  CHECK(ParseRestJsonAnswer(503, "", "<html>").error.kind == ApiErrorKind::kServer);
  CHECK(ParseRestJsonAnswer(403, "InvalidSignatureException", "{}").error.kind == ApiErrorKind::kAuth);
}

TEST_CASE("aws rest-json answers: a body, an empty body, and a body that is not JSON") {
  const JsonReply ok = ParseRestJsonAnswer(200, "", R"({"update":{"id":"u1","status":"InProgress"}})");
  CHECK(ok.error.ok());
  CHECK(ok.body.at("update").at("id").as_string() == "u1");
  const JsonReply empty = ParseRestJsonAnswer(204, "", "");
  CHECK(empty.error.ok());
  CHECK(empty.body.is_null());
  CHECK(ParseRestJsonAnswer(200, "", "{").error.kind == ApiErrorKind::kBadResponse);

  const auto split = SplitPathQuery("/clusters/prod/updates/u1?nodegroupName=ng%201");
  REQUIRE(split);
  CHECK(split->path == "/clusters/prod/updates/u1");
  REQUIRE(split->query.size() == 1);
  CHECK(split->query[0] == std::pair<std::string, std::string>("nodegroupName", "ng 1"));
  CHECK(SplitPathQuery("/clusters/prod")->query.empty());
  CHECK_FALSE(SplitPathQuery("/x?a=%zz"));
}

TEST_CASE("aws api error: one line naming the call") {
  ApiError e;
  e.kind = ApiErrorKind::kInvalid;
  e.http_status = 400;
  e.code = "InvalidDBClusterStateFault";
  e.message = "DB cluster is not available";
  e.call = "rds FailoverDBCluster";
  CHECK(e.ToString() == "rds FailoverDBCluster: 400 InvalidDBClusterStateFault: DB cluster is not available");

  ApiError timeout{ApiErrorKind::kTimeout, 0, "", "the deadline passed", "", "elbv2 DescribeTargetHealth"};
  CHECK(timeout.ToString() == "elbv2 DescribeTargetHealth: timeout: the deadline passed");

  ApiError bad{ApiErrorKind::kBadResponse, 200, "", "the answer is not JSON", "", "eks GET /clusters/prod"};
  CHECK(bad.ToString() == "eks GET /clusters/prod: bad_response (HTTP 200): the answer is not JSON");

  ApiError bare{ApiErrorKind::kServer, 503, "", "", "", ""};
  CHECK(bare.ToString() == "503");
  CHECK(ToString(ApiErrorKind::kNotFound) == "not_found");
  CHECK(ToString(ApiErrorKind::kThrottled) == "throttled");
}
