#include "probes/rds/db_status.hpp"

#include <algorithm>
#include <array>

namespace runbookd::probes::rds {

namespace {

// From the RDS and Aurora user guides' status tables (the API model has no enum).
constexpr std::array kBusy = {
    std::string_view("backing-up"),
    std::string_view("storage-optimization"),
    std::string_view("configuring-enhanced-monitoring"),
    std::string_view("configuring-iam-database-auth"),
    std::string_view("configuring-log-exports"),
    std::string_view("update-iam-db-auth"),
};
constexpr std::array kTransitioning = {
    std::string_view("backtracking"),
    std::string_view("converting-to-vpc"),
    std::string_view("creating"),
    std::string_view("maintenance"),
    std::string_view("migrating"),
    std::string_view("modifying"),
    std::string_view("moving-to-vpc"),
    std::string_view("promoting"),
    std::string_view("rebooting"),
    std::string_view("renaming"),
    std::string_view("resetting-master-credentials"),
    std::string_view("starting"),
    std::string_view("upgrading"),
};
constexpr std::array kDown = {
    std::string_view("cloning-failed"),
    std::string_view("deleting"),
    std::string_view("failed"),
    std::string_view("incompatible-network"),
    std::string_view("incompatible-option-group"),
    std::string_view("incompatible-parameters"),
    std::string_view("incompatible-restore"),
    std::string_view("insufficient-capacity"),
    std::string_view("migration-failed"),
    std::string_view("restore-error"),
    std::string_view("stopped"),
    std::string_view("stopping"),
    std::string_view("storage-full"),
};

template <std::size_t N>
bool In(const std::array<std::string_view, N>& words, std::string_view status) {
  return std::find(words.begin(), words.end(), status) != words.end();
}

}  // namespace

StatusClass ClassifyStatus(std::string_view status) {
  if (status == "available") return StatusClass::kAvailable;
  if (status == "failing-over") return StatusClass::kFailingOver;
  if (In(kBusy, status)) return StatusClass::kAvailableBusy;
  if (In(kTransitioning, status)) return StatusClass::kTransitioning;
  // inaccessible-encryption-credentials and its -recoverable variant: the KMS key is unusable.
  if (In(kDown, status) || status.rfind("inaccessible-encryption-credentials", 0) == 0) return StatusClass::kDown;
  return StatusClass::kUnrecognised;
}

}  // namespace runbookd::probes::rds
