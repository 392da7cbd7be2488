// The kafka probe's spec: bootstrap forms, security keys becoming librdkafka properties, the
// `librdkafka:` pass-through and what it refuses, and errors that never quote a value.
#include "probes/kafka/kafka_config.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <string>

#include "probes/kafka/kafka_probe.hpp"
#include "tests/support/probe_harness.hpp"
#include "tests/support/subprocess.hpp"

using runbookd::probes::kafka::ClientProperty;
using runbookd::probes::kafka::KafkaCheck;
using runbookd::probes::kafka::MakeProbeFactory;
using runbookd::probes::kafka::ReadKafkaProbeSpec;
using runbookd::probetest::BuildProbe;
using runbookd::probetest::ConfigErrors;

namespace {

KafkaCheck Read(const std::string& yaml) {
  runbookd::config::Diagnostics diags;
  auto doc = runbookd::config::Document::Parse(yaml, "t.yaml", diags);
  auto check = ReadKafkaProbeSpec(doc.root());
  doc.CheckUnknownKeys();
  INFO(diags.Format());
  REQUIRE(diags.empty());
  REQUIRE(check);
  return *check;
}

const ClientProperty* Find(const KafkaCheck& check, const std::string& name) {
  for (const auto& p : check.properties) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

std::string Errors(const std::string& yaml) { return ConfigErrors(MakeProbeFactory(), yaml); }

}  // namespace

TEST_CASE("kafka config: bootstrap as a list or a comma-separated string", "[kafka]") {
  CHECK(Read("bootstrap: [kafka-1:9092, 'kafka-2:9092']").bootstrap == "kafka-1:9092,kafka-2:9092");
  CHECK(Read("bootstrap: 'kafka-1:9092, kafka-2:9092,[::1]:9093'").bootstrap == "kafka-1:9092,kafka-2:9092,[::1]:9093");
  const KafkaCheck defaults = Read("bootstrap: kafka:9092");
  CHECK(defaults.assessment.min_brokers == 1);
  CHECK(defaults.assessment.topics.empty());
  CHECK(defaults.assessment.max_under_replicated == 0);
  REQUIRE(Find(defaults, "security.protocol"));
  CHECK(Find(defaults, "security.protocol")->value == "plaintext");

  const KafkaCheck full =
      Read("bootstrap: kafka:9092\nmin_brokers: 3\ntopics: [orders, payments]\nmax_under_replicated: 2");
  CHECK(full.assessment.min_brokers == 3);
  CHECK(full.assessment.topics == std::vector<std::string>{"orders", "payments"});
  CHECK(full.assessment.max_under_replicated == 2);
}

TEST_CASE("kafka config: spec errors", "[kafka]") {
  CHECK_THAT(Errors("min_brokers: 2"), Catch::Contains("missing required key"));
  CHECK_THAT(Errors("bootstrap: kafka"), Catch::Contains("bootstrap: \"kafka\" is not host:port"));
  CHECK_THAT(Errors("bootstrap: 'kafka:99999'"), Catch::Contains("is not host:port"));
  CHECK_THAT(Errors("bootstrap: ','"), Catch::Contains("bootstrap needs at least one host:port"));
  CHECK_THAT(Errors("bootstrap: k:1\nmin_brokers: 0"), Catch::Contains("min_brokers"));
  CHECK_THAT(Errors("bootstrap: k:1\ntopics: []"), Catch::Contains("topics needs at least one name"));
  CHECK_THAT(Errors("bootstrap: k:1\nsecurity_protocol: tls"), Catch::Contains("sasl_ssl"));
  CHECK_THAT(Errors("bootstrap: k:1\nsasl_username: u"), Catch::Contains("sasl_username needs security_protocol"));
  CHECK_THAT(Errors("bootstrap: k:1\nssl_ca_file: /etc/ca.pem"),
             Catch::Contains("ssl_ca_file needs security_protocol"));
  CHECK_THAT(Errors("bootstrap: k:1\nsecurity_protocol: sasl_ssl"), Catch::Contains("sasl_mechanism"));
  CHECK_THAT(Errors("bootstrap: k:1\nsecurity_protocol: sasl_plaintext\nsasl_mechanism: PLAIN\nsasl_username: u"),
             Catch::Contains("needs sasl_password_file or sasl_password_env"));
  CHECK_THAT(Errors("bootstrap: k:1\nsecurity_protocol: ssl\nssl_ca_file: /nonexistent/ca.pem"),
             Catch::Contains("cannot read \"/nonexistent/ca.pem\""));
  CHECK_THAT(Errors("bootstrap: k:1\nbogus: 1"), Catch::Contains("bogus"));
}

TEST_CASE("kafka config: SASL and TLS become librdkafka properties and the password stays secret", "[kafka]") {
  runbookd::testing::TempDir dir;
  const std::string ca = dir.Write("ca.pem", "not really a certificate, but readable\n");
  ::setenv("RUNBOOKD_TEST_KAFKA_PASSWORD", "hunter2-kafka", 1);
  const KafkaCheck check = Read(
      "bootstrap: kafka:9093\nsecurity_protocol: sasl_ssl\nsasl_mechanism: SCRAM-SHA-512\nsasl_username: probe\n"
      "sasl_password_env: RUNBOOKD_TEST_KAFKA_PASSWORD\nssl_ca_file: '" +
      ca + "'");
  REQUIRE(Find(check, "security.protocol"));
  CHECK(Find(check, "security.protocol")->value == "sasl_ssl");
  REQUIRE(Find(check, "sasl.mechanism"));
  CHECK(Find(check, "sasl.mechanism")->value == "SCRAM-SHA-512");
  REQUIRE(Find(check, "sasl.username"));
  CHECK(Find(check, "sasl.username")->value == "probe");
  const ClientProperty* password = Find(check, "sasl.password");
  REQUIRE(password);
  CHECK(password->secret);
  CHECK(password->value == "hunter2-kafka");
  REQUIRE(Find(check, "ssl.ca.location"));
  CHECK(Find(check, "ssl.ca.location")->value == ca);
  ::unsetenv("RUNBOOKD_TEST_KAFKA_PASSWORD");
}

TEST_CASE("kafka config: librdkafka properties pass through, checked by librdkafka", "[kafka]") {
  const KafkaCheck check = Read("bootstrap: k:1\nlibrdkafka:\n  socket.keepalive.enable: true\n  client.id: bastion\n");
  REQUIRE(Find(check, "socket.keepalive.enable"));
  CHECK(Find(check, "socket.keepalive.enable")->value == "true");
  REQUIRE(Find(check, "client.id"));

  CHECK_THAT(Errors("bootstrap: k:1\nlibrdkafka: {no.such.property: 1}"),
             Catch::Contains("No such configuration property"));
  // librdkafka's message would quote the value; the error does not.
  const std::string bad_value = Errors("bootstrap: k:1\nlibrdkafka: {socket.timeout.ms: sekrit-looking-value}");
  CHECK_THAT(bad_value, Catch::Contains("librdkafka refused socket.timeout.ms"));
  CHECK_THAT(bad_value, !Catch::Contains("sekrit-looking-value"));
}

TEST_CASE("kafka config: librdkafka properties that are the probe's, run code, or hold secrets are refused",
          "[kafka]") {
  CHECK_THAT(Errors("bootstrap: k:1\nlibrdkafka: {bootstrap.servers: 'x:1'}"),
             Catch::Contains("with the probe's key bootstrap"));
  CHECK_THAT(Errors("bootstrap: k:1\nlibrdkafka: {enable.sparse.connections: 'true'}"),
             Catch::Contains("is set by the probe itself"));
  CHECK_THAT(Errors("bootstrap: k:1\nlibrdkafka: {plugin.library.paths: /tmp/evil.so}"),
             Catch::Contains("it loads shared libraries"));
  CHECK_THAT(Errors("bootstrap: k:1\nlibrdkafka: {sasl.kerberos.kinit.cmd: 'rm -rf /'}"),
             Catch::Contains("it runs a shell command"));
  const std::string secret = Errors("bootstrap: k:1\nlibrdkafka: {sasl.oauthbearer.client.secret: s3cr3t}");
  CHECK_THAT(secret, Catch::Contains("holds a secret"));
  CHECK_THAT(secret, !Catch::Contains("s3cr3t"));
}

TEST_CASE("kafka config: a probe builds without the daemon's pool (config checks)", "[kafka]") {
  CHECK(BuildProbe(MakeProbeFactory(), "bootstrap: kafka:9092"));
}
