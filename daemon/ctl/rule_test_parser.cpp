#include "daemon/ctl/rule_test_parser.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <set>

#include "config/node.hpp"
#include "daemon/ctl/rule_test_inputs.hpp"
#include "daemon/rules/rule_parser.hpp"

namespace runbookd::ctl {

namespace {

using config::Node;

// A timeline longer than this is a typo (`at: 100h` with a 1s interval), not a test.
constexpr int64_t kMaxEvaluations = 1'000'000;

// Top-level keys of a runbookd config that a pack may carry beside `rules:`. They are not tested
// here, but a typo next to them is still reported.
constexpr const char* kOtherConfigKeys[] = {"server",  "auth",    "store", "log",       "connections", "probes",
                                            "modules", "actions", "gates", "notifiers", "escalation",  "include"};

std::string Quoted(const std::string& s) { return "\"" + s + "\""; }

DeclaredProbe ReadDeclaredProbe(const std::string& name, const Node& node) {
  DeclaredProbe probe;
  probe.labels = ReadLabels(node["labels"]);
  // The same bounds as a probe in runbookd.yaml.
  probe.fail_after = static_cast<int>(node["fail_after"].AsInt(1, 1, 1000));
  probe.recover_after = static_cast<int>(node["recover_after"].AsInt(1, 1, 1000));
  const Node initial = node["initial"];
  if (initial.defined()) {
    const ProbeStatus status = ProbeStatusFromName(initial.AsEnum(ProbeStatusNames(), "unknown"));
    probe.initial = ProbeInput{name, status, DefaultReason(status)};
  }
  return probe;
}

// Each rule file is a runbookd config fragment (a pack) whose `rules:` list is read. The documents
// stay alive until their unknown keys are checked.
std::vector<rules::Rule> LoadRules(const Node& rule_files, const std::filesystem::path& base,
                                   const std::set<std::string>& probe_names, config::Diagnostics& diagnostics) {
  rules::RuleParser parser(probe_names);
  std::vector<config::Document> documents;
  for (const Node& item : rule_files.Items()) {
    const std::string name = item.AsString();
    if (name.empty()) continue;
    std::filesystem::path path = name;
    if (path.is_relative()) path = (base / path).lexically_normal();
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
      item.Error("cannot read rule file " + Quoted(path.string()));
      continue;
    }
    config::Document doc = config::Document::Load(path.string(), diagnostics);
    if (!doc.ok()) continue;
    const Node root = doc.root();
    parser.Read(root.Required("rules"));
    for (const char* key : kOtherConfigKeys) (void)root[key];
    documents.push_back(std::move(doc));
  }
  std::vector<rules::Rule> out = parser.Finish();
  for (const auto& doc : documents) doc.CheckUnknownKeys();
  return out;
}

RuleTestCase ReadTestCase(const Node& node, const RuleTestFile& file, bool check_rule_names) {
  RuleTestCase test;
  test.where = node.location();
  const Node name = node.Required("name");
  test.name = name.AsString();
  if (name.defined() && test.name.empty()) name.Error("a test needs a name");
  const InputContext context{file, check_rule_names};
  for (const Node& item : node["inputs"].Items()) ReadInput(item, context, test.inputs);
  for (const Node& item : node.Required("expect").Items()) test.checkpoints.push_back(ReadCheckpoint(item, context));
  std::stable_sort(test.inputs.begin(), test.inputs.end(),
                   [](const TimedInput& a, const TimedInput& b) { return a.at < b.at; });
  std::stable_sort(test.checkpoints.begin(), test.checkpoints.end(),
                   [](const Checkpoint& a, const Checkpoint& b) { return a.at < b.at; });

  TestTime end{0};
  if (!test.inputs.empty()) end = test.inputs.back().at;
  if (!test.checkpoints.empty()) end = std::max(end, test.checkpoints.back().at);
  if (end / file.evaluation_interval > kMaxEvaluations) {
    node.Error("the timeline spans more than " + std::to_string(kMaxEvaluations) +
               " evaluations; use a longer evaluation_interval");
  }
  return test;
}

}  // namespace

std::string AlertFingerprint(const rules::LabelSet& labels) {
  constexpr uint64_t kOffset = 14695981039346656037ULL;
  constexpr uint64_t kPrime = 1099511628211ULL;
  constexpr unsigned char kSeparator = 0xff;
  uint64_t hash = kOffset;
  auto add = [&](unsigned char byte) {
    hash ^= byte;
    hash *= kPrime;
  };
  for (const auto& [name, value] : labels) {  // a std::map: sorted by name, as Prometheus sorts
    for (char c : name) add(static_cast<unsigned char>(c));
    add(kSeparator);
    for (char c : value) add(static_cast<unsigned char>(c));
    add(kSeparator);
  }
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash));
  return text;
}

RuleTestFile LoadRuleTestFile(const std::string& file, config::Diagnostics& diagnostics) {
  RuleTestFile out;
  out.file = file;
  config::Document doc = config::Document::Load(file, diagnostics);
  if (!doc.ok()) return out;
  const Node root = doc.root();

  const Node interval = root["evaluation_interval"];
  out.evaluation_interval = interval.AsDuration(out.evaluation_interval);
  if (out.evaluation_interval <= TestTime::zero()) {
    interval.Error("evaluation_interval must be greater than 0");
    out.evaluation_interval = std::chrono::seconds(15);
  }
  for (const auto& [name, node] : root["probes"].Entries()) out.probes[name] = ReadDeclaredProbe(name, node);

  std::set<std::string> probe_names;
  for (const auto& [name, probe] : out.probes) probe_names.insert(name);
  const size_t errors_before_rules = diagnostics.items().size();
  const std::filesystem::path base = std::filesystem::path(file).parent_path();
  out.rules = LoadRules(root.Required("rule_files"), base, probe_names, diagnostics);
  // Rules that failed to load would make every expectation naming them look wrong as well.
  const bool check_rule_names = diagnostics.items().size() == errors_before_rules;

  std::set<std::string> test_names;
  for (const Node& item : root.Required("tests").Items()) {
    RuleTestCase test = ReadTestCase(item, out, check_rule_names);
    if (!test.name.empty() && !test_names.insert(test.name).second) {
      item["name"].Error("another test has the name " + Quoted(test.name));
    }
    out.tests.push_back(std::move(test));
  }
  doc.CheckUnknownKeys();
  return out;
}

}  // namespace runbookd::ctl
