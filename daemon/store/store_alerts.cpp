// Alerts as Alertmanager delivers them: one row per instance (fingerprint + startsAt).
#include "daemon/store/codec.hpp"
#include "daemon/store/store.hpp"

namespace runbookd::store {
namespace {

using codec::ToUnixMs;

constexpr const char* kSelectState = "SELECT status, last_seen FROM alerts WHERE fingerprint = ?1 AND starts_at = ?2";
constexpr const char* kInsert =
    "INSERT INTO alerts (fingerprint, starts_at, status, labels, annotations, ends_at, generator_url, receiver,"
    " group_key, first_seen, last_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)";
constexpr const char* kResolve =
    "UPDATE alerts SET status = 'resolved', ends_at = ?3, last_seen = max(last_seen, ?4)"
    " WHERE fingerprint = ?1 AND starts_at = ?2";
constexpr const char* kTouch = "UPDATE alerts SET last_seen = ?3 WHERE fingerprint = ?1 AND starts_at = ?2";
constexpr const char* kColumns =
    "SELECT fingerprint, starts_at, status, labels, annotations, ends_at, generator_url, receiver, group_key,"
    " first_seen, last_seen, incident_id FROM alerts";
constexpr const char* kLink = "UPDATE alerts SET incident_id = ?3 WHERE fingerprint = ?1 AND starts_at = ?2";

// A resolved delivery always carries endsAt; if one does not, the time it arrived stands in.
int64_t EndsAtMs(const AlertRecord& alert) { return ToUnixMs(alert.ends_at.value_or(alert.seen_at)); }

Result<StoredAlert> ReadAlert(const sqlite::Statement& row) {
  StoredAlert stored;
  AlertRecord& alert = stored.record;
  alert.fingerprint = row.Text(0);
  alert.starts_at = codec::FromUnixMs(row.Int64(1));
  const auto status = ParseAlertStatus(row.Text(2));
  if (!status) return Error{ErrorCode::kIo, "alert " + alert.fingerprint + " has an unknown status"};
  alert.status = *status;
  auto labels = codec::DecodeLabels(row.Text(3));
  if (!labels) return labels.error();
  alert.labels = std::move(labels).value();
  auto annotations = codec::DecodeLabels(row.Text(4));
  if (!annotations) return annotations.error();
  alert.annotations = std::move(annotations).value();
  alert.ends_at = codec::FromUnixMs(row.OptionalInt64(5));
  alert.generator_url = row.Text(6);
  alert.receiver = row.Text(7);
  alert.group_key = row.Text(8);
  stored.first_seen = codec::FromUnixMs(row.Int64(9));
  alert.seen_at = codec::FromUnixMs(row.Int64(10));
  stored.incident_id = row.OptionalInt64(11);
  return stored;
}

}  // namespace

// A repeat changes only last_seen; a resolved delivery closes only its own instance; a firing
// delivery never reopens a resolved instance (Alertmanager may deliver out of order).
Result<AlertUpsert> Store::UpsertAlert(const AlertRecord& alert) {
  const int64_t starts_at = ToUnixMs(alert.starts_at);
  const int64_t seen_at = ToUnixMs(alert.seen_at);
  auto select = Prepared(kSelectState);
  if (!select) return select.error();
  (*select)->BindAll(alert.fingerprint, starts_at);
  auto found = (*select)->Step();
  if (!found) return found.error();

  const bool resolving = alert.status == AlertStatus::kResolved;
  if (!found.value()) {
    auto insert = Prepared(kInsert);
    if (!insert) return insert.error();
    (*insert)->BindAll(alert.fingerprint, starts_at, ToString(alert.status), codec::EncodeLabels(alert.labels),
                       codec::EncodeLabels(alert.annotations),
                       resolving ? std::optional<int64_t>(EndsAtMs(alert)) : std::nullopt, alert.generator_url,
                       alert.receiver, alert.group_key, seen_at);
    if (auto s = (*insert)->Run(); !s) return s.error();
    return AlertUpsert::kInserted;
  }

  const bool stored_firing = (*select)->Text(0) == ToString(AlertStatus::kFiring);
  const int64_t last_seen = (*select)->Int64(1);
  if (stored_firing && resolving) {
    auto resolve = Prepared(kResolve);
    if (!resolve) return resolve.error();
    (*resolve)->BindAll(alert.fingerprint, starts_at, EndsAtMs(alert), seen_at);
    if (auto s = (*resolve)->Run(); !s) return s.error();
    return AlertUpsert::kResolved;
  }
  if ((!stored_firing && !resolving) || seen_at <= last_seen) return AlertUpsert::kUnchanged;
  auto touch = Prepared(kTouch);
  if (!touch) return touch.error();
  (*touch)->BindAll(alert.fingerprint, starts_at, seen_at);
  if (auto s = (*touch)->Run(); !s) return s.error();
  return AlertUpsert::kUpdatedLastSeen;
}

Result<std::optional<StoredAlert>> Store::GetAlert(std::string_view fingerprint, WallTime starts_at) {
  auto select = Prepared(std::string(kColumns) + " WHERE fingerprint = ?1 AND starts_at = ?2");
  if (!select) return select.error();
  (*select)->BindAll(fingerprint, ToUnixMs(starts_at));
  auto found = (*select)->Step();
  if (!found) return found.error();
  if (!found.value()) return std::optional<StoredAlert>();
  auto alert = ReadAlert(**select);
  if (!alert) return alert.error();
  return std::optional<StoredAlert>(std::move(alert).value());
}

Result<std::vector<StoredAlert>> Store::ListFiringAlerts() {
  auto select = Prepared(std::string(kColumns) + " WHERE status = 'firing' ORDER BY fingerprint, starts_at");
  if (!select) return select.error();
  std::vector<StoredAlert> alerts;
  while (true) {
    auto row = (*select)->Step();
    if (!row) return row.error();
    if (!row.value()) return alerts;
    auto alert = ReadAlert(**select);
    if (!alert) return alert.error();
    alerts.push_back(std::move(alert).value());
  }
}

Status Store::LinkAlertToIncident(std::string_view fingerprint, WallTime starts_at, IncidentId incident) {
  auto link = Prepared(kLink);
  if (!link) return link.error();
  (*link)->BindAll(fingerprint, ToUnixMs(starts_at), incident);
  if (auto s = (*link)->Run(); !s) return s;
  if (db_.Changes() == 0) {
    return Error{ErrorCode::kNotFound, "no alert " + std::string(fingerprint) + " starting at " +
                                           std::to_string(ToUnixMs(starts_at)) + " ms"};
  }
  return Ok();
}

}  // namespace runbookd::store
