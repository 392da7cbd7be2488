// Incidents and their timelines.
#include "daemon/store/codec.hpp"
#include "daemon/store/store.hpp"

namespace runbookd::store {
namespace {

using codec::ToUnixMs;

constexpr const char* kColumns =
    "SELECT id, rule, group_key, group_labels, severity, state, suppressed_by, opened_at, updated_at, resolved_at"
    " FROM incidents";
constexpr const char* kFindUnresolved =
    "SELECT id FROM incidents WHERE rule = ?1 AND group_key = ?2 AND state <> 'resolved'";
constexpr const char* kInsert =
    "INSERT INTO incidents (rule, group_key, group_labels, severity, state, opened_at, updated_at)"
    " VALUES (?1, ?2, ?3, ?4, 'open', ?5, ?5) RETURNING id";
// Leaving 'resolved' is refused by the WHERE clause; ExplainNoIncidentChange says why.
constexpr const char* kSetState =
    "UPDATE incidents SET state = ?2, updated_at = ?3, resolved_at = CASE WHEN ?2 = 'resolved' THEN ?3 END"
    " WHERE id = ?1 AND state <> 'resolved'";
constexpr const char* kSetSuppressedBy = "UPDATE incidents SET suppressed_by = ?2, updated_at = ?3 WHERE id = ?1";
constexpr const char* kInsertTimeline =
    "INSERT INTO incident_timeline (incident_id, at, source, kind, message, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
    " RETURNING id";
constexpr const char* kSelectTimeline =
    "SELECT id, incident_id, at, source, kind, message, data FROM incident_timeline WHERE incident_id = ?1"
    " ORDER BY at, id";

Result<IncidentRecord> ReadIncident(const sqlite::Statement& row) {
  IncidentRecord incident;
  incident.id = row.Int64(0);
  incident.rule = row.Text(1);
  incident.group_key = row.Text(2);
  auto labels = codec::DecodeLabels(row.Text(3));
  if (!labels) return labels.error();
  incident.group_labels = std::move(labels).value();
  incident.severity = row.Text(4);
  const auto state = ParseIncidentState(row.Text(5));
  if (!state) return Error{ErrorCode::kIo, "incident " + std::to_string(incident.id) + " has an unknown state"};
  incident.state = *state;
  incident.suppressed_by = row.OptionalText(6);
  incident.opened_at = codec::FromUnixMs(row.Int64(7));
  incident.updated_at = codec::FromUnixMs(row.Int64(8));
  incident.resolved_at = codec::FromUnixMs(row.OptionalInt64(9));
  return incident;
}

Result<TimelineEntry> ReadTimelineEntry(const sqlite::Statement& row) {
  TimelineEntry entry;
  entry.id = row.Int64(0);
  entry.incident_id = row.Int64(1);
  entry.at = codec::FromUnixMs(row.Int64(2));
  entry.source = row.Text(3);
  const auto kind = ParseTimelineKind(row.Text(4));
  if (!kind) return Error{ErrorCode::kIo, "timeline entry " + std::to_string(entry.id) + " has an unknown kind"};
  entry.kind = *kind;
  entry.message = row.Text(5);
  entry.data_json = row.OptionalText(6).value_or("");
  return entry;
}

// Steps `stmt` to the end, reading every row with `read`.
template <typename T, typename ReadRow>
Result<std::vector<T>> ReadAll(sqlite::Statement& stmt, ReadRow read) {
  std::vector<T> rows;
  while (true) {
    auto row = stmt.Step();
    if (!row) return row.error();
    if (!row.value()) return rows;
    auto value = read(stmt);
    if (!value) return value.error();
    rows.push_back(std::move(value).value());
  }
}

std::string StateList(const std::vector<IncidentState>& states) {
  std::string list;
  for (size_t i = 0; i < states.size(); ++i) list += (i == 0 ? "?" : ", ?") + std::to_string(i + 1);
  return list;
}

}  // namespace

Result<OpenedIncident> Store::OpenIncident(const NewIncident& incident) {
  auto find = Prepared(kFindUnresolved);
  if (!find) return find.error();
  (*find)->BindAll(incident.rule, incident.group_key);
  auto found = (*find)->Step();
  if (!found) return found.error();
  if (found.value()) return OpenedIncident{(*find)->Int64(0), false};

  auto insert = Prepared(kInsert);
  if (!insert) return insert.error();
  (*insert)->BindAll(incident.rule, incident.group_key, codec::EncodeLabels(incident.group_labels), incident.severity,
                     ToUnixMs(incident.opened_at));
  auto inserted = (*insert)->Step();
  if (!inserted) return inserted.error();
  return OpenedIncident{(*insert)->Int64(0), true};
}

Status Store::SetIncidentState(IncidentId id, IncidentState state, WallTime at) {
  auto update = Prepared(kSetState);
  if (!update) return update.error();
  (*update)->BindAll(id, ToString(state), ToUnixMs(at));
  if (auto s = (*update)->Run(); !s) return s;
  if (db_.Changes() == 0) return ExplainNoIncidentChange(id, state);
  return Ok();
}

// Nothing was updated: either there is no such incident, or it is resolved already.
Status Store::ExplainNoIncidentChange(IncidentId id, IncidentState wanted) {
  auto incident = GetIncident(id);
  if (!incident) return incident.error();
  if (!incident.value()) return Error{ErrorCode::kNotFound, "no incident " + std::to_string(id)};
  if (wanted == IncidentState::kResolved) return Ok();  // resolving twice changes nothing
  return Error{ErrorCode::kInvalidArgument,
               "incident " + std::to_string(id) + " is resolved; cannot move it to " + std::string(ToString(wanted))};
}

Status Store::SetSuppressedBy(IncidentId id, const std::optional<std::string>& suppressed_by, WallTime at) {
  auto update = Prepared(kSetSuppressedBy);
  if (!update) return update.error();
  (*update)->BindAll(id, suppressed_by, ToUnixMs(at));
  if (auto s = (*update)->Run(); !s) return s;
  if (db_.Changes() == 0) return Error{ErrorCode::kNotFound, "no incident " + std::to_string(id)};
  return Ok();
}

Result<int64_t> Store::AppendTimeline(const TimelineEntry& entry) {
  auto insert = Prepared(kInsertTimeline);
  if (!insert) return insert.error();
  const auto data = entry.data_json.empty() ? std::nullopt : std::optional<std::string>(entry.data_json);
  (*insert)->BindAll(entry.incident_id, ToUnixMs(entry.at), entry.source, ToString(entry.kind), entry.message, data);
  auto inserted = (*insert)->Step();
  if (!inserted) return inserted.error();
  return (*insert)->Int64(0);
}

Result<std::vector<IncidentRecord>> Store::QueryIncidents(const std::string& sql,
                                                          const std::function<void(sqlite::Statement&)>& bind) {
  auto select = Prepared(sql);
  if (!select) return select.error();
  bind(**select);
  return ReadAll<IncidentRecord>(**select, ReadIncident);
}

// The SQL text depends only on how many states are asked for (the limit is a parameter), so
// the statement cache holds at most one statement per count.
Result<std::vector<IncidentRecord>> Store::ListIncidents(const IncidentFilter& filter) {
  std::string sql = kColumns;
  if (!filter.states.empty()) sql += " WHERE state IN (" + StateList(filter.states) + ")";
  const int limit_index = static_cast<int>(filter.states.size()) + 1;
  sql += " ORDER BY id DESC LIMIT ?" + std::to_string(limit_index);
  return QueryIncidents(sql, [&](sqlite::Statement& stmt) {
    for (size_t i = 0; i < filter.states.size(); ++i) stmt.Bind(static_cast<int>(i + 1), ToString(filter.states[i]));
    stmt.Bind(limit_index, int64_t{filter.limit > 0 ? filter.limit : -1});  // -1: no limit
  });
}

Result<std::vector<IncidentRecord>> Store::LoadOpenIncidents() {
  return QueryIncidents(std::string(kColumns) + " WHERE state <> 'resolved' ORDER BY id", [](sqlite::Statement&) {});
}

Result<std::vector<TimelineEntry>> Store::QueryTimeline(IncidentId id) {
  auto select = Prepared(kSelectTimeline);
  if (!select) return select.error();
  (*select)->BindAll(id);
  return ReadAll<TimelineEntry>(**select, ReadTimelineEntry);
}

Result<std::optional<IncidentDetail>> Store::GetIncident(IncidentId id) {
  auto incidents =
      QueryIncidents(std::string(kColumns) + " WHERE id = ?1", [id](sqlite::Statement& stmt) { stmt.Bind(1, id); });
  if (!incidents) return incidents.error();
  if (incidents->empty()) return std::optional<IncidentDetail>();
  auto timeline = QueryTimeline(id);
  if (!timeline) return timeline.error();
  return std::optional<IncidentDetail>(IncidentDetail{std::move(incidents->front()), std::move(timeline).value()});
}

}  // namespace runbookd::store
