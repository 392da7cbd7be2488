#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/clock.hpp"
#include "daemon/core/gate.hpp"
#include "daemon/rules/label_matcher.hpp"
#include "daemon/store/records_gates.hpp"
#include "daemon/store/store_writer.hpp"

namespace spdlog {
class logger;
}

// Maintenance windows: while a silence matches a planned run's labels, the action is not taken
// (and notifications about it are held), whatever the rule says.
namespace runbookd::gates {

enum class SilenceError { kInvalid, kNotFound, kAlreadyExpired, kStoreUnavailable };
std::string_view ToString(SilenceError error);  // "bad_request", "not_found", "already_expired", "store_unavailable"

struct SilenceAnswer {
  std::optional<store::SilenceRecord> silence;
  std::optional<SilenceError> error;
  std::string message;
  bool ok() const { return !error.has_value(); }
};

// `name=value`, `name!=value`, `name=~regex`, `name!~regex` (amtool's syntax; the value may be
// double-quoted). nullopt with `error` set when it is not one.
std::optional<store::SilenceMatcher> ParseSilenceMatcher(std::string_view text, std::string& error);
// The matcher ready to match, as Alertmanager would: a label name of [a-zA-Z_][a-zA-Z0-9_]*, and
// a regex that compiles, anchored. nullopt with `error` set otherwise.
std::optional<rules::LabelMatcher> CompileSilenceMatcher(const store::SilenceMatcher& matcher, std::string& error);
// Why a new silence cannot be stored, or "" when it can: no matchers, a matcher that does not
// compile, matchers that all match the empty string (it would silence everything), an end not
// after the start or already past at `now`.
std::string CheckNewSilence(const store::NewSilence& silence, WallTime now);

// The silences not yet ended, on the core's io_context (every method is called there). Writes go
// through StoreWriter and are durable before they return; matching reads memory only.
class SilenceBook {
 public:
  SilenceBook(boost::asio::any_io_executor executor, store::StoreWriter& writer,
              std::shared_ptr<spdlog::logger> logger);

  // The silences the previous run left (Store::ListSilences of those not ended, before the writer starts).
  void Restore(const std::vector<store::SilenceRecord>& current);

  boost::asio::awaitable<SilenceAnswer> Add(store::NewSilence silence, WallTime now);
  // Ends it now (expired_at set). kNotFound, kAlreadyExpired (expired or past its end).
  boost::asio::awaitable<SilenceAnswer> Expire(store::SilenceId id, WallTime now);
  // Active and scheduled silences, oldest first.
  std::vector<store::SilenceRecord> Current(WallTime now) const;
  // Every silence, ended ones too, newest first, from the store.
  boost::asio::awaitable<store::Result<std::vector<store::SilenceRecord>>> All(int limit);

  // The active silences whose matchers all match `labels` (absent labels read as "").
  std::vector<store::SilenceId> Matches(const std::map<std::string, std::string>& labels, WallTime now) const;
  // The silence gate: deny while a silence matches the request's labels at request.now, else allow.
  GateDecision Check(const GateRequest& request) const;

 private:
  struct Entry {
    store::SilenceRecord record;
    std::vector<rules::LabelMatcher> matchers;
  };
  void Keep(const store::SilenceRecord& record);
  void Prune(WallTime now);

  boost::asio::any_io_executor executor_;
  store::StoreWriter& writer_;
  std::shared_ptr<spdlog::logger> logger_;
  std::map<store::SilenceId, Entry> silences_;
};

}  // namespace runbookd::gates
