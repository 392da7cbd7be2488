#include "probes/k8s_events/events_assessment.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <utility>

#include "config/duration.hpp"
#include "daemon/clients/k8s/resources.hpp"
#include "probes/k8s_common/k8s_common.hpp"

namespace runbookd::probes::k8s_events {

namespace {

using namespace k8s_common::reading;

constexpr std::size_t kMaxReasons = 5;    // reasons named in the detail
constexpr std::size_t kMaxMessage = 200;  // bytes of each reason's latest message

// Events of one reason in the window.
struct ReasonTally {
  std::string reason;
  int64_t count = 0;
  WallTime latest{};
  std::string latest_object;  // "pod/web-7d9f-abc"
  std::string latest_message;
};

// The time of an event, as kubectl's --sort-by=.lastTimestamp would place the new-style ones:
// the first of these fields that holds a time.
std::optional<WallTime> EventTime(const json::value& event) {
  for (const auto& path :
       {std::initializer_list<std::string_view>{"series", "lastObservedTime"},
        std::initializer_list<std::string_view>{"lastTimestamp"}, std::initializer_list<std::string_view>{"eventTime"},
        std::initializer_list<std::string_view>{"firstTimestamp"},
        std::initializer_list<std::string_view>{"metadata", "creationTimestamp"}}) {
    if (auto time = common::ParseTime(StringAt(event, path))) return time;
  }
  return std::nullopt;
}

// How many occurrences an event object stands for (the API folds repeats into one object).
int64_t Weight(const json::value& event) {
  if (auto count = IntAt(event, {"count"}); count && *count > 0) return *count;
  if (auto count = IntAt(event, {"series", "count"}); count && *count > 0) return *count;
  return 1;
}

bool ObjectMatches(const json::value& event, const std::string& filter) {
  if (filter.empty()) return true;
  const std::string name = StringAt(event, {"involvedObject", "name"});
  if (filter.back() == '*') return name.compare(0, filter.size() - 1, filter, 0, filter.size() - 1) == 0;
  return name == filter;
}

std::string ObjectOf(const json::value& event) {
  std::string kind = StringAt(event, {"involvedObject", "kind"});
  std::transform(kind.begin(), kind.end(), kind.begin(), [](unsigned char c) { return std::tolower(c); });
  const std::string name = StringAt(event, {"involvedObject", "name"});
  return kind.empty() ? name : kind + "/" + name;
}

}  // namespace

ProbeResult AssessEvents(const json::value& event_list, std::string_view ns, WallTime now, const EventsSpec& spec) {
  const json::array* events = common::ItemsOf(event_list);
  if (events == nullptr) return common::UnusableAnswer("the event list has no items array");

  std::map<std::string, ReasonTally> by_reason;
  int64_t total = 0;
  for (const auto& event : *events) {
    if (StringAt(event, {"type"}) != "Warning") continue;  // the fieldSelector should have done this
    const std::string reason = StringAt(event, {"reason"});
    if (!spec.reasons.empty() && std::find(spec.reasons.begin(), spec.reasons.end(), reason) == spec.reasons.end()) {
      continue;
    }
    if (!ObjectMatches(event, spec.involved_object)) continue;
    const std::optional<WallTime> time = EventTime(event);
    if (!time || now - *time > spec.window) continue;  // undated events cannot be placed in the window
    const int64_t weight = Weight(event);
    total += weight;
    ReasonTally& tally = by_reason[reason];
    tally.reason = reason;
    tally.count += weight;
    if (tally.latest_object.empty() || *time >= tally.latest) {
      tally.latest = *time;
      tally.latest_object = ObjectOf(event);
      tally.latest_message = common::OneLine(StringAt(event, {"message"}), kMaxMessage);
    }
  }

  // The most frequent reasons, then shown oldest first like --sort-by=.lastTimestamp (newest last).
  std::vector<ReasonTally> top;
  for (auto& [_, tally] : by_reason) top.push_back(std::move(tally));
  std::sort(top.begin(), top.end(), [](const ReasonTally& a, const ReasonTally& b) {
    return a.count != b.count ? a.count > b.count : a.latest > b.latest;
  });
  const std::size_t more = top.size() > kMaxReasons ? top.size() - kMaxReasons : 0;
  top.resize(std::min(top.size(), kMaxReasons));
  std::stable_sort(top.begin(), top.end(),
                   [](const ReasonTally& a, const ReasonTally& b) { return a.latest < b.latest; });

  ProbeResult result;
  result.Observe("events_warning", static_cast<double>(total));

  const std::string window = config::FormatDuration(spec.window);
  std::string detail;
  if (total == 0) {
    detail = "no Warning events in " + window;
  } else {
    detail = std::to_string(total) + (total == 1 ? " Warning event in " : " Warning events in ") + window;
  }
  detail += " in namespace " + std::string(ns);
  if (spec.max_warnings > 0) detail += " (max " + std::to_string(spec.max_warnings) + ")";
  for (std::size_t i = 0; i < top.size(); ++i) {
    const ReasonTally& t = top[i];
    detail += (i == 0 ? ": " : ", ") + (t.reason.empty() ? std::string("(no reason)") : t.reason) + " x" +
              std::to_string(t.count) + " (" + t.latest_object + ": " + t.latest_message + ")";
  }
  if (more > 0) detail += ", +" + std::to_string(more) + " more reasons";

  common::Judge(result, total > spec.max_warnings, ProbeReason::kWarningEvents, std::move(detail));
  return result;
}

}  // namespace runbookd::probes::k8s_events
