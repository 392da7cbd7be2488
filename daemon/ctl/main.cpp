// runbookctl: the command-line client of runbookd. Exit 0 success, 1 failure, 2 usage.
#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "daemon/app/builtins.hpp"
#include "daemon/app/settings.hpp"
#include "daemon/ctl/action_commands.hpp"
#include "daemon/ctl/api_client.hpp"
#include "daemon/ctl/approval_commands.hpp"
#include "daemon/ctl/incident_commands.hpp"
#include "daemon/ctl/rule_tests.hpp"
#include "daemon/ctl/silence_commands.hpp"

namespace json = boost::json;
using runbookd::ctl::ApiAnswer;
using runbookd::ctl::ApiClient;

namespace {

std::optional<std::string> ReadToken(const std::string& token_file) {
  std::string file = token_file;
  if (file.empty()) {
    if (const char* t = std::getenv("RUNBOOKD_TOKEN"); t && *t) return std::string(t);
    if (const char* f = std::getenv("RUNBOOKD_TOKEN_FILE"); f && *f) file = f;
  }
  if (file.empty()) return std::nullopt;
  std::ifstream in(file);
  if (!in) {
    std::fprintf(stderr, "runbookctl: cannot read token file %s\n", file.c_str());
    std::exit(1);
  }
  std::stringstream ss;
  ss << in.rdbuf();
  std::string token = ss.str();
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  return token;
}

std::string Str(const json::value* v) {
  if (v == nullptr || v->is_null()) return "-";
  if (v->is_string()) return std::string(v->as_string());
  return json::serialize(*v);
}

int Fail(const ApiAnswer& a) {
  std::fprintf(stderr, "runbookctl: %s\n", a.error.c_str());
  return 1;
}

int Probes(const ApiClient& api, bool as_json) {
  auto a = api.Get("/api/v1/probes");
  if (!a.error.empty()) return Fail(a);
  if (as_json) {
    std::printf("%s\n", json::serialize(a.body).c_str());
    return 0;
  }
  std::printf("%-28s %-10s %-10s %-24s %s\n", "NAME", "TYPE", "STATE", "REASON", "DETAIL");
  for (const auto& p : a.body.at("probes").as_array()) {
    const auto& o = p.as_object();
    const auto* last = o.if_contains("last");
    const json::object* l = last && last->is_object() ? &last->as_object() : nullptr;
    std::printf("%-28s %-10s %-10s %-24s %s\n", Str(o.if_contains("name")).c_str(), Str(o.if_contains("type")).c_str(),
                Str(o.if_contains("state")).c_str(), l ? Str(l->if_contains("reason")).c_str() : "-",
                l ? Str(l->if_contains("detail")).c_str() : "not run yet");
  }
  return 0;
}

int Status(const ApiClient& api, bool as_json) {
  auto ready = api.Get("/-/ready");
  if (ready.status == 0) return Fail(ready);
  auto probes = api.Get("/api/v1/probes");
  size_t total = 0, healthy = 0, unhealthy = 0;
  if (probes.error.empty()) {
    for (const auto& p : probes.body.at("probes").as_array()) {
      const std::string state = Str(p.as_object().if_contains("state"));
      ++total;
      healthy += state == "healthy";
      unhealthy += state == "unhealthy";
    }
  }
  if (as_json) {
    json::object o{{"ready", ready.status == 200}};
    if (probes.error.empty()) o["probes"] = {{"total", total}, {"healthy", healthy}, {"unhealthy", unhealthy}};
    std::printf("%s\n", json::serialize(o).c_str());
  } else {
    std::printf("runbookd: %s\n", ready.status == 200 ? "ready" : "not ready");
    if (probes.error.empty()) {
      std::printf("probes: %zu total, %zu healthy, %zu unhealthy, %zu unknown\n", total, healthy, unhealthy,
                  total - healthy - unhealthy);
    } else {
      std::printf("probes: %s\n", probes.error.c_str());
    }
  }
  return ready.status == 200 ? 0 : 1;
}

int CheckConfig(const std::string& file) {
  using namespace runbookd;
  Registry registry = MakeBuiltinRegistry();
  SystemClock clock;
  config::Diagnostics diagnostics;
  auto settings = LoadSettings(file, registry, ProbeDeps{&clock, nullptr}, diagnostics);
  if (!diagnostics.empty()) {
    std::fputs(diagnostics.Format().c_str(), stderr);
    return 1;
  }
  std::printf("%s: ok (%zu probes, %zu actions, %zu modules)\n", file.c_str(), settings.probes.size(),
              settings.actions.size(), settings.modules.size());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"runbookctl: command-line client of runbookd"};
  app.require_subcommand(1);
  std::string url = std::getenv("RUNBOOKD_URL") ? std::getenv("RUNBOOKD_URL") : "http://127.0.0.1:8474";
  std::string token_file;
  std::string output = "text";
  app.add_option("--url", url, "runbookd API base URL (env RUNBOOKD_URL)")->capture_default_str();
  app.add_option("--token-file", token_file, "file holding a bearer token (env RUNBOOKD_TOKEN, RUNBOOKD_TOKEN_FILE)");
  app.add_option("--output,-o", output, "text or json")->check(CLI::IsMember({"text", "json"}));

  auto* status = app.add_subcommand("status", "is runbookd ready, and how are its probes");
  auto* probes = app.add_subcommand("probes", "latest result of every probe");
  auto* incidents = app.add_subcommand("incidents", "open incidents, newest first");
  bool all_incidents = false;
  incidents->add_flag("--all", all_incidents, "resolved ones too");
  auto* incident = app.add_subcommand("incident", "one incident with its timeline");
  std::string incident_id;
  bool report = false;
  incident->add_option("ID", incident_id, "incident id")->required();
  incident->add_flag("--report", report, "print as a post-incident summary");
  auto* ack = app.add_subcommand("ack", "take an open incident: its escalation stops (approver token)")->fallthrough();
  std::string ack_id, ack_comment;
  ack->add_option("ID", ack_id, "incident id")->required();
  ack->add_option("--comment", ack_comment, "what you are doing about it");
  auto* run = app.add_subcommand("run", "plan and run a configured action (operator token)");
  std::string run_action;
  std::vector<std::string> run_params;
  bool run_dry = false;
  run->add_option("ACTION", run_action, "the action's name in the config")->required();
  run->add_option("--param", run_params, "KEY=VALUE handed to the action (repeatable)");
  run->add_flag("--dry-run", run_dry, "print the plan and record it; change nothing");
  // fallthrough: `runbookctl approvals --output json` works as well as `--output json approvals`.
  auto* approvals = app.add_subcommand("approvals", "pending approvals")->fallthrough();
  std::string vote_id, vote_comment;
  auto* approve = app.add_subcommand("approve", "approve a pending action (approver token)")->fallthrough();
  approve->add_option("ID", vote_id, "approval id")->required();
  approve->add_option("--comment", vote_comment, "why");
  auto* deny = app.add_subcommand("deny", "deny a pending action (approver token)")->fallthrough();
  deny->add_option("ID", vote_id, "approval id")->required();
  deny->add_option("--comment", vote_comment, "why");
  auto* silence = app.add_subcommand("silence", "maintenance windows that stop actions (operator token)");
  silence->fallthrough()->require_subcommand(1);
  std::vector<std::string> silence_matchers;
  std::string silence_duration, silence_until, silence_comment, silence_id;
  bool all_silences = false;
  auto* silence_add = silence->add_subcommand("add", "silence what matches MATCHER... (all of them)");
  silence_add->add_option("MATCHER", silence_matchers, "NAME=VALUE, NAME!=VALUE, NAME=~REGEX or NAME!~REGEX")
      ->required();
  auto* silence_for = silence_add->add_option("--duration", silence_duration, "how long, e.g. 2h");
  silence_add->add_option("--until", silence_until, "when it ends (RFC 3339)")->excludes(silence_for);
  silence_add->add_option("--comment", silence_comment, "why");
  auto* silence_list = silence->add_subcommand("list", "active and scheduled silences");
  silence_list->add_flag("--all", all_silences, "ended ones too");
  auto* silence_expire = silence->add_subcommand("expire", "end a silence now");
  silence_expire->add_option("ID", silence_id, "silence id")->required();
  auto* check = app.add_subcommand("check-config", "validate a config file offline");
  std::string check_file;
  check->add_option("FILE", check_file, "config file")->required();
  auto* test = app.add_subcommand("test", "offline tests (no daemon)");
  test->require_subcommand(1);
  auto* test_rules = test->add_subcommand("rules", "run rule test files (docs/rule-tests.md)");
  std::vector<std::string> test_files;
  test_rules->add_option("FILE", test_files, "rule test files")->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  if (check->parsed()) return CheckConfig(check_file);
  if (test_rules->parsed()) return runbookd::ctl::RunRuleTests(test_files, std::cout, std::cerr);
  const ApiClient api(url, ReadToken(token_file));
  const bool as_json = output == "json";
  if (status->parsed()) return Status(api, as_json);
  if (probes->parsed()) return Probes(api, as_json);
  if (incidents->parsed()) return runbookd::ctl::ListIncidents(api, all_incidents, as_json);
  if (incident->parsed()) return runbookd::ctl::ShowIncident(api, incident_id, report, as_json);
  if (ack->parsed()) return runbookd::ctl::AcknowledgeIncident(api, ack_id, ack_comment, as_json);
  if (run->parsed()) return runbookd::ctl::RunAction(api, run_action, run_params, run_dry, as_json);
  if (approvals->parsed()) return runbookd::ctl::ListApprovals(api, as_json);
  if (approve->parsed()) return runbookd::ctl::VoteOnApproval(api, vote_id, true, vote_comment, as_json);
  if (deny->parsed()) return runbookd::ctl::VoteOnApproval(api, vote_id, false, vote_comment, as_json);
  if (silence_add->parsed()) {
    return runbookd::ctl::AddSilence(api, silence_matchers, silence_duration, silence_until, silence_comment, as_json);
  }
  if (silence_list->parsed()) return runbookd::ctl::ListSilences(api, all_silences, as_json);
  if (silence_expire->parsed()) return runbookd::ctl::ExpireSilence(api, silence_id, as_json);
  return 2;
}
