#include <catch2/catch.hpp>
#include <random>
#include <regex>
#include <sstream>

#include "daemon/app/builtins.hpp"
#include "daemon/app/settings.hpp"
#include "tests/support/manual_clock.hpp"
#include "tests/support/subprocess.hpp"

using namespace runbookd;

namespace {

// Deterministic mutations of a valid config: byte flips, deleted and duplicated lines, inserted
// YAML punctuation. Whatever the input, loading must not crash or throw, and every diagnostic
// must keep the FILE:LINE:COL: path: message shape.
std::string Mutate(const std::string& base, std::mt19937& rng) {
  std::string s = base;
  static const char* kInserts[] = {":",   "- ", "{",  "}",      "[",  "]", "\"", "'", "\n", "  ",
                                   "&a ", "*a", "? ", "!!str ", "0x", "~", "|",  ">", "#",  "\t"};
  const int edits = 1 + rng() % 4;
  for (int e = 0; e < edits && !s.empty(); ++e) {
    const size_t pos = rng() % s.size();
    switch (rng() % 4) {
      case 0:
        s[pos] = static_cast<char>(32 + rng() % 95);
        break;
      case 1:
        s.insert(pos, kInserts[rng() % std::size(kInserts)]);
        break;
      case 2: {
        const size_t end = s.find('\n', pos);
        s.erase(pos, end == std::string::npos ? std::string::npos : end - pos);
        break;
      }
      default: {
        const size_t start = s.rfind('\n', pos);
        const size_t end = s.find('\n', pos);
        if (start != std::string::npos && end != std::string::npos) s.insert(end, s.substr(start, end - start));
      }
    }
  }
  return s;
}

}  // namespace

TEST_CASE("mutated configs never crash the loader and always give well-formed errors", "[fuzz][config]") {
  const std::string base = testing::ReadFile(std::string(RUNBOOKD_SOURCE_DIR) + "/config/examples/runbookd.yaml");
  REQUIRE_FALSE(base.empty());
  testing::TempDir dir;
  // Token files the example refers to, so mutations exercise more than the first error.
  for (const char* t : {"admin", "reader", "alertmanager"}) dir.Write(std::string("tokens/") + t + ".token", "x-token");
  const Registry registry = MakeBuiltinRegistry();
  testing::ManualClock clock;
  // FILE:LINE:COL: path: message, where the path is one token (odd keys are quoted: a["b c"]).
  const std::regex kLine(R"(^[^:\n]+:\d+:\d+: (?:[^\s"]|"(?:[^"\\]|\\.)*")+: .+$)");
  std::mt19937 rng(20261122);
  int rejected = 0;
  for (int i = 0; i < 1500; ++i) {
    const std::string text = Mutate(base, rng);
    const std::string file = dir.Write("runbookd.yaml", text);
    config::Diagnostics diags;
    REQUIRE_NOTHROW(LoadSettings(file, registry, ProbeDeps{&clock, nullptr}, diags));
    std::istringstream lines(diags.Format());
    for (std::string line; std::getline(lines, line);) {
      INFO("line: " << line << "\ninput:\n" << text);
      REQUIRE(std::regex_match(line, kLine));
    }
    rejected += diags.empty() ? 0 : 1;
  }
  CHECK(rejected > 0);
}
