#include "daemon/engine/flap_damper.hpp"

#include <algorithm>

namespace runbookd {

FlapDamper::FlapDamper(int fail_after, int recover_after)
    : fail_after_(std::max(1, fail_after)), recover_after_(std::max(1, recover_after)) {}

bool FlapDamper::Observe(ProbeStatus status) {
  if (status == streak_status_ && streak_ > 0) {
    ++streak_;
  } else {
    streak_status_ = status;
    streak_ = 1;
  }
  const int needed = status == ProbeStatus::kHealthy ? recover_after_ : fail_after_;
  if (streak_ >= needed && state_ != status) {
    state_ = status;
    return true;
  }
  return false;
}

FlapDamper FlapDamper::WithThresholds(int fail_after, int recover_after) const {
  FlapDamper copy(fail_after, recover_after);
  copy.state_ = state_;
  copy.streak_status_ = streak_status_;
  copy.streak_ = streak_;
  return copy;
}

}  // namespace runbookd
