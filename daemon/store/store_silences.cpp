// Silences (maintenance windows). Matchers are kept as a JSON array of {name, op, value}.
#include <algorithm>
#include <boost/json.hpp>

#include "daemon/store/codec.hpp"
#include "daemon/store/store.hpp"

namespace runbookd::store {
namespace {

using codec::ToUnixMs;
namespace json = boost::json;

constexpr const char* kInsert =
    "INSERT INTO silences (matchers, starts_at, ends_at, created_by, comment, created_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id";
constexpr const char* kSelect =
    "SELECT id, matchers, starts_at, ends_at, created_by, comment, created_at, expired_at FROM silences";
constexpr const char* kExpire = "UPDATE silences SET expired_at = ?2, ends_at = ?3 WHERE id = ?1";

std::string EncodeMatchers(const std::vector<SilenceMatcher>& matchers) {
  json::array array;
  for (const auto& m : matchers) {
    array.push_back(json::object{{"name", m.name}, {"op", ToString(m.op)}, {"value", m.value}});
  }
  return json::serialize(array);
}

Result<std::vector<SilenceMatcher>> DecodeMatchers(SilenceId id, std::string_view text) {
  const Error corrupt{ErrorCode::kIo, "silence " + std::to_string(id) + " has unreadable matchers"};
  boost::system::error_code ec;
  const json::value parsed = json::parse(text, ec);
  if (ec || !parsed.is_array()) return corrupt;
  std::vector<SilenceMatcher> matchers;
  for (const auto& item : parsed.get_array()) {
    const auto* o = item.if_object();
    const auto* name = o ? o->if_contains("name") : nullptr;
    const auto* op = o ? o->if_contains("op") : nullptr;
    const auto* value = o ? o->if_contains("value") : nullptr;
    if (!name || !op || !value || !name->is_string() || !op->is_string() || !value->is_string()) return corrupt;
    const auto parsed_op = ParseSilenceMatchOp(op->get_string());
    if (!parsed_op) return corrupt;
    matchers.push_back(SilenceMatcher{std::string(name->get_string()), *parsed_op, std::string(value->get_string())});
  }
  return matchers;
}

Result<SilenceRecord> ReadSilence(const sqlite::Statement& row) {
  SilenceRecord s;
  s.id = row.Int64(0);
  auto matchers = DecodeMatchers(s.id, row.Text(1));
  if (!matchers) return matchers.error();
  s.matchers = std::move(matchers).value();
  s.starts_at = codec::FromUnixMs(row.Int64(2));
  s.ends_at = codec::FromUnixMs(row.Int64(3));
  s.created_by = row.Text(4);
  s.comment = row.Text(5);
  s.created_at = codec::FromUnixMs(row.Int64(6));
  s.expired_at = codec::FromUnixMs(row.OptionalInt64(7));
  return s;
}

}  // namespace

Result<SilenceId> Store::InsertSilence(const NewSilence& silence) {
  if (silence.matchers.empty()) return Error{ErrorCode::kInvalidArgument, "a silence needs at least one matcher"};
  if (ToUnixMs(silence.ends_at) <= ToUnixMs(silence.starts_at)) {
    return Error{ErrorCode::kInvalidArgument, "a silence must end after it starts"};
  }
  auto insert = Prepared(kInsert);
  if (!insert) return insert.error();
  (*insert)->BindAll(EncodeMatchers(silence.matchers), ToUnixMs(silence.starts_at), ToUnixMs(silence.ends_at),
                     silence.created_by, silence.comment, ToUnixMs(silence.created_at));
  auto inserted = (*insert)->Step();
  if (!inserted) return inserted.error();
  return (*insert)->Int64(0);
}

Result<std::vector<SilenceRecord>> Store::QuerySilences(const std::string& where_and_order, int64_t param, int limit) {
  auto select = Prepared(std::string(kSelect) + where_and_order + " LIMIT ?2");
  if (!select) return select.error();
  (*select)->BindAll(param, int64_t{limit > 0 ? limit : -1});
  std::vector<SilenceRecord> silences;
  while (true) {
    auto row = (*select)->Step();
    if (!row) return row.error();
    if (!row.value()) break;
    auto silence = ReadSilence(**select);
    if (!silence) return silence.error();
    silences.push_back(std::move(silence).value());
  }
  return silences;
}

Result<std::vector<SilenceRecord>> Store::ListSilences(const SilenceFilter& filter) {
  if (filter.include_ended) return QuerySilences(" WHERE ?1 = ?1 ORDER BY id DESC", 0, filter.limit);
  return QuerySilences(" WHERE expired_at IS NULL AND ends_at > ?1 ORDER BY id", ToUnixMs(filter.now), filter.limit);
}

Result<std::optional<SilenceRecord>> Store::GetSilence(SilenceId id) {
  auto found = QuerySilences(" WHERE id = ?1", id, 1);
  if (!found) return found.error();
  if (found->empty()) return std::optional<SilenceRecord>();
  return std::optional<SilenceRecord>(std::move(found->front()));
}

Result<SilenceRecord> Store::ExpireSilence(SilenceId id, WallTime now) {
  auto found = GetSilence(id);
  if (!found) return found.error();
  if (!*found) return Error{ErrorCode::kNotFound, "no silence " + std::to_string(id)};
  SilenceRecord silence = std::move(**found);
  const WallTime at = codec::FromUnixMs(ToUnixMs(now));
  if (silence.EndedAt(at)) {
    return Error{ErrorCode::kInvalidArgument, "silence " + std::to_string(id) + " has already ended"};
  }
  // ends_at must stay after starts_at (a CHECK), so one that has not started ends right after its start.
  const WallTime ends_at = std::max(at, silence.starts_at + std::chrono::milliseconds(1));
  auto update = Prepared(kExpire);
  if (!update) return update.error();
  (*update)->BindAll(id, ToUnixMs(at), ToUnixMs(ends_at));
  if (auto s = (*update)->Run(); !s) return s.error();
  silence.expired_at = at;
  silence.ends_at = ends_at;
  return silence;
}

}  // namespace runbookd::store
