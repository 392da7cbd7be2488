#include <catch2/catch.hpp>
#include <filesystem>

#include "tests/support/subprocess.hpp"

using runbookd::testing::ReadFile;
using runbookd::testing::RunCommand;

namespace {

const std::string kRunbookd = std::string(RUNBOOKD_BINARY_DIR) + "/daemon/app/runbookd";

// An aws connection without `region` falls back to these: the machine's own must not change the
// messages (set but empty counts as unset).
const std::map<std::string, std::string> kNoAwsSettings = {
    {"AWS_REGION", ""},          {"AWS_DEFAULT_REGION", ""},          {"AWS_PROFILE", ""},
    {"AWS_DEFAULT_PROFILE", ""}, {"AWS_CONFIG_FILE", "/nonexistent"}, {"AWS_SHARED_CREDENTIALS_FILE", "/nonexistent"}};

}  // namespace

TEST_CASE("the shipped example config is valid", "[check-config]") {
  auto r = RunCommand({kRunbookd, "--check-config", "config/examples/runbookd.yaml"}, RUNBOOKD_SOURCE_DIR);
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
}

// Each config/testdata/bad/NAME.yaml has NAME.err: the exact stderr of --check-config (made with
// the variables of kNoAwsSettings).
TEST_CASE("every bad config gives its exact expected message and exit 1", "[check-config]") {
  const std::filesystem::path dir = std::filesystem::path(RUNBOOKD_SOURCE_DIR) / "config/testdata/bad";
  int checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".yaml") continue;
    const std::string name = entry.path().filename().string();
    DYNAMIC_SECTION(name) {
      const std::string expected_file = entry.path().parent_path() / (entry.path().stem().string() + ".err");
      REQUIRE(std::filesystem::exists(expected_file));
      auto r =
          RunCommand({kRunbookd, "--check-config", "config/testdata/bad/" + name}, RUNBOOKD_SOURCE_DIR, kNoAwsSettings);
      CHECK(r.exit_code == 1);
      CHECK(r.err == ReadFile(expected_file));
    }
    ++checked;
  }
  CHECK(checked >= 10);
}
