#include "daemon/gates/silence_book.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <ctime>

#include "daemon/gates/approval_store_job.hpp"
#include "daemon/rules/labels.hpp"

namespace runbookd::gates {

namespace asio = boost::asio;
using store::SilenceMatcher;
using store::SilenceMatchOp;
using store::SilenceRecord;

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// "value" → value, with \" and \\ unescaped; anything else is taken as it is.
std::string Unquote(std::string_view v) {
  if (v.size() < 2 || v.front() != '"' || v.back() != '"') return std::string(v);
  std::string out;
  for (size_t i = 1; i + 1 < v.size(); ++i) {
    if (v[i] == '\\' && i + 2 < v.size()) ++i;
    out += v[i];
  }
  return out;
}

std::string UtcText(WallTime t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string Describe(const std::vector<SilenceMatcher>& matchers) {
  std::string out;
  for (const auto& m : matchers) {
    out += (out.empty() ? "" : ",") + m.name + std::string(ToString(m.op)) + rules::QuoteLabelValue(m.value);
  }
  return out;
}

}  // namespace

std::string_view ToString(SilenceError error) {
  switch (error) {
    case SilenceError::kInvalid:
      return "bad_request";
    case SilenceError::kNotFound:
      return "not_found";
    case SilenceError::kAlreadyExpired:
      return "already_expired";
    case SilenceError::kStoreUnavailable:
      return "store_unavailable";
  }
  return "store_unavailable";
}

std::optional<SilenceMatcher> ParseSilenceMatcher(std::string_view text, std::string& error) {
  const std::string_view t = Trim(text);
  const size_t pos = t.find_first_of("=!");
  if (pos == std::string_view::npos || pos == 0 || Trim(t.substr(0, pos)).empty()) {
    error =
        "\"" + std::string(text) + "\" is not a matcher: expected NAME=VALUE, NAME!=VALUE, NAME=~REGEX or NAME!~REGEX";
    return std::nullopt;
  }
  static constexpr std::pair<std::string_view, SilenceMatchOp> kOps[] = {
      {"=~", SilenceMatchOp::kRegex},
      {"!~", SilenceMatchOp::kNotRegex},
      {"!=", SilenceMatchOp::kNotEqual},
      {"=", SilenceMatchOp::kEqual},
  };
  const std::string_view rest = t.substr(pos);
  for (const auto& [op, value] : kOps) {
    if (rest.substr(0, op.size()) == op) {
      return SilenceMatcher{std::string(Trim(t.substr(0, pos))), value, Unquote(Trim(rest.substr(op.size())))};
    }
  }
  error = "\"" + std::string(text) + "\" has no operator: expected =, !=, =~ or !~";
  return std::nullopt;
}

std::optional<rules::LabelMatcher> CompileSilenceMatcher(const SilenceMatcher& m, std::string& error) {
  if (!rules::IsValidLabelName(m.name)) {
    error = "invalid label name \"" + m.name + "\"";
    return std::nullopt;
  }
  rules::LabelMatcher lm;
  lm.name = m.name;
  lm.value = m.value;
  // Same order in both enums; spelled out so that a reordering cannot slip through.
  switch (m.op) {
    case SilenceMatchOp::kEqual:
      lm.op = rules::MatchOp::kEqual;
      break;
    case SilenceMatchOp::kNotEqual:
      lm.op = rules::MatchOp::kNotEqual;
      break;
    case SilenceMatchOp::kRegex:
      lm.op = rules::MatchOp::kRegex;
      break;
    case SilenceMatchOp::kNotRegex:
      lm.op = rules::MatchOp::kNotRegex;
      break;
  }
  if (lm.op == rules::MatchOp::kRegex || lm.op == rules::MatchOp::kNotRegex) {
    lm.regex = rules::CompileAnchoredRegex(m.value, error);
    if (!lm.regex) return std::nullopt;
  }
  return lm;
}

std::string CheckNewSilence(const store::NewSilence& s, WallTime now) {
  if (s.matchers.empty()) return "a silence needs at least one matcher";
  bool all_match_empty = true;
  for (const auto& m : s.matchers) {
    std::string error;
    auto compiled = CompileSilenceMatcher(m, error);
    if (!compiled) return "matcher " + m.name + ": " + error;
    all_match_empty = all_match_empty && compiled->Matches({});
  }
  // Alertmanager's rule too: `env!=dev` alone would silence nearly everything.
  if (all_match_empty) return "at least one matcher must not match the empty string (it would silence everything)";
  if (s.ends_at <= s.starts_at) return "ends_at must be after starts_at";
  if (s.ends_at <= now) return "ends_at is in the past";
  return {};
}

SilenceBook::SilenceBook(asio::any_io_executor executor, store::StoreWriter& writer,
                         std::shared_ptr<spdlog::logger> logger)
    : executor_(std::move(executor)), writer_(writer), logger_(std::move(logger)) {}

void SilenceBook::Keep(const SilenceRecord& record) {
  Entry entry{record, {}};
  for (const auto& m : record.matchers) {
    std::string error;
    auto compiled = CompileSilenceMatcher(m, error);
    if (!compiled) {
      // Only a store written by another version could hold one; matching it partly would widen it.
      logger_->error("silence {} is ignored: {}", record.id, error);
      return;
    }
    entry.matchers.push_back(std::move(*compiled));
  }
  silences_[record.id] = std::move(entry);
}

void SilenceBook::Prune(WallTime now) {
  std::erase_if(silences_, [now](const auto& s) { return s.second.record.EndedAt(now); });
}

void SilenceBook::Restore(const std::vector<SilenceRecord>& current) {
  for (const auto& s : current) {
    if (!s.expired_at) Keep(s);
  }
}

asio::awaitable<SilenceAnswer> SilenceBook::Add(store::NewSilence silence, WallTime now) {
  if (auto why = CheckNewSilence(silence, now); !why.empty()) {
    co_return SilenceAnswer{std::nullopt, SilenceError::kInvalid, why};
  }
  auto insert = RunStoreJob<store::SilenceId>(
      writer_, [silence](store::Store& s) -> store::Result<store::SilenceId> { return s.InsertSilence(silence); });
  auto id = co_await std::move(insert);
  if (!id) co_return SilenceAnswer{std::nullopt, SilenceError::kStoreUnavailable, id.error().message};
  SilenceRecord record{*id,
                       silence.matchers,
                       silence.starts_at,
                       silence.ends_at,
                       silence.created_by,
                       silence.comment,
                       silence.created_at,
                       std::nullopt};
  Prune(now);
  Keep(record);
  logger_->info("silence {} by {} from {} to {}: {} ({})", record.id, record.created_by, UtcText(record.starts_at),
                UtcText(record.ends_at), Describe(record.matchers), record.comment);
  co_return SilenceAnswer{std::move(record), std::nullopt, {}};
}

asio::awaitable<SilenceAnswer> SilenceBook::Expire(store::SilenceId id, WallTime now) {
  auto expire = RunStoreJob<SilenceRecord>(
      writer_, [id, now](store::Store& s) -> store::Result<SilenceRecord> { return s.ExpireSilence(id, now); });
  auto expired = co_await std::move(expire);
  if (!expired) {
    const auto code = expired.error().code;
    const SilenceError error = code == store::ErrorCode::kNotFound          ? SilenceError::kNotFound
                               : code == store::ErrorCode::kInvalidArgument ? SilenceError::kAlreadyExpired
                                                                            : SilenceError::kStoreUnavailable;
    co_return SilenceAnswer{std::nullopt, error, expired.error().message};
  }
  silences_.erase(id);
  Prune(now);
  logger_->info("silence {} expired", id);
  co_return SilenceAnswer{std::move(expired).value(), std::nullopt, {}};
}

std::vector<SilenceRecord> SilenceBook::Current(WallTime now) const {
  std::vector<SilenceRecord> out;
  for (const auto& [id, entry] : silences_) {
    if (!entry.record.EndedAt(now)) out.push_back(entry.record);
  }
  return out;
}

asio::awaitable<store::Result<std::vector<SilenceRecord>>> SilenceBook::All(int limit) {
  store::SilenceFilter filter;
  filter.include_ended = true;
  filter.limit = limit;
  auto list = RunStoreJob<std::vector<SilenceRecord>>(
      writer_,
      [filter](store::Store& s) -> store::Result<std::vector<SilenceRecord>> { return s.ListSilences(filter); });
  auto all = co_await std::move(list);
  co_return all;
}

std::vector<store::SilenceId> SilenceBook::Matches(const std::map<std::string, std::string>& labels,
                                                   WallTime now) const {
  std::vector<store::SilenceId> ids;
  for (const auto& [id, entry] : silences_) {
    if (!entry.record.ActiveAt(now)) continue;
    const bool all = std::all_of(entry.matchers.begin(), entry.matchers.end(),
                                 [&](const rules::LabelMatcher& m) { return m.Matches(labels); });
    if (all) ids.push_back(id);
  }
  return ids;
}

GateDecision SilenceBook::Check(const GateRequest& request) const {
  const auto ids = Matches(request.labels, request.now);
  if (ids.empty()) return GateDecision::Allow("silence");
  const SilenceRecord& s = silences_.at(ids.front()).record;
  std::string reason = "silenced by silence " + std::to_string(s.id) + " until " + UtcText(s.ends_at);
  if (!s.comment.empty()) reason += " (" + s.comment + ")";
  if (ids.size() > 1) reason += " and " + std::to_string(ids.size() - 1) + " more";
  return GateDecision::Deny("silence", reason);
}

}  // namespace runbookd::gates
