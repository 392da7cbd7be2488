#include <algorithm>
#include <catch2/catch.hpp>

#include "config/duration.hpp"
#include "config/node.hpp"

using namespace runbookd::config;

TEST_CASE("durations parse like Prometheus", "[config]") {
  CHECK(ParseDuration("500ms") == Duration(500));
  CHECK(ParseDuration("15s") == Duration(15000));
  CHECK(ParseDuration("1h30m") == Duration(5400000));
  CHECK(ParseDuration("0") == Duration(0));
  CHECK_FALSE(ParseDuration("15"));
  CHECK_FALSE(ParseDuration("5m1h"));
  CHECK_FALSE(ParseDuration("-1s"));
}

TEST_CASE("unknown keys are reported with a suggestion", "[config]") {
  Diagnostics diags;
  auto doc = Document::Parse("server:\n  listn: 1\n", "t.yaml", diags);
  auto server = doc.root()["server"];
  (void)server["listen"].AsString();
  doc.CheckUnknownKeys();
  CHECK(diags.Format() == "t.yaml:2:3: server.listn: unknown key \"listn\" (did you mean \"listen\"?)\n");
}

TEST_CASE("keys that are not plain words are quoted in paths", "[config]") {
  Diagnostics diags;
  auto doc = Document::Parse("labels:\n  app.kubernetes.io/name: [1]\n", "t.yaml", diags);
  (void)doc.root()["labels"].AsStringMap();
  CHECK(diags.Format() == "t.yaml:2:27: labels[\"app.kubernetes.io/name\"]: expected a string\n");
}

TEST_CASE("a message quoting a value with line breaks stays on one line", "[config]") {
  Diagnostics diags;
  auto doc = Document::Parse("? |\n  first\n  second\n: 1\n", "t.yaml", diags);
  (void)doc.root()["server"];
  doc.CheckUnknownKeys();
  const std::string out = diags.Format();
  CHECK(out.find("unknown key \"first\\nsecond\\n\"") != std::string::npos);
  CHECK(std::count(out.begin(), out.end(), '\n') == 1);
}
