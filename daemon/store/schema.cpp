#include "daemon/store/schema.hpp"

#include <array>

namespace runbookd::store::schema {
namespace {

// Version 1. Times are unix milliseconds (INTEGER); JSON columns hold text checked by json_valid.
// Ids that users see (incidents, intents, approvals, silences) use AUTOINCREMENT, so an id is
// never reused even after rows are pruned.
constexpr const char* kVersion1 = R"sql(
CREATE TABLE incidents (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  rule          TEXT    NOT NULL,
  group_key     TEXT    NOT NULL,
  group_labels  TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(group_labels)),
  severity      TEXT    NOT NULL,
  state         TEXT    NOT NULL CHECK (state IN ('open', 'mitigating', 'resolved', 'escalated')),
  suppressed_by TEXT,
  opened_at     INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL,
  resolved_at   INTEGER,
  CHECK ((state = 'resolved') = (resolved_at IS NOT NULL))
) STRICT;
-- At most one unresolved incident per rule and group.
CREATE UNIQUE INDEX incidents_one_unresolved ON incidents (rule, group_key) WHERE state <> 'resolved';
CREATE INDEX incidents_by_state ON incidents (state, id);

-- kind is not CHECKed: new kinds must not need a table rebuild. The code parses it strictly.
CREATE TABLE incident_timeline (
  id          INTEGER PRIMARY KEY,
  incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
  at          INTEGER NOT NULL,
  source      TEXT    NOT NULL,
  kind        TEXT    NOT NULL,
  message     TEXT    NOT NULL,
  data        TEXT    CHECK (data IS NULL OR json_valid(data))
) STRICT;
CREATE INDEX incident_timeline_by_incident ON incident_timeline (incident_id, at, id);

-- One row per alert instance: Alertmanager's fingerprint plus startsAt.
CREATE TABLE alerts (
  fingerprint   TEXT    NOT NULL,
  starts_at     INTEGER NOT NULL,
  status        TEXT    NOT NULL CHECK (status IN ('firing', 'resolved')),
  labels        TEXT    NOT NULL CHECK (json_valid(labels)),
  annotations   TEXT    NOT NULL CHECK (json_valid(annotations)),
  ends_at       INTEGER,
  generator_url TEXT    NOT NULL,
  receiver      TEXT    NOT NULL,
  group_key     TEXT    NOT NULL,
  first_seen    INTEGER NOT NULL,
  last_seen     INTEGER NOT NULL,
  incident_id   INTEGER REFERENCES incidents (id) ON DELETE SET NULL,
  PRIMARY KEY (fingerprint, starts_at)
) STRICT, WITHOUT ROWID;
CREATE INDEX alerts_firing ON alerts (fingerprint, starts_at) WHERE status = 'firing';
CREATE INDEX alerts_by_incident ON alerts (incident_id) WHERE incident_id IS NOT NULL;

-- An intent is committed before its action runs; an intent without a final outcome at start-up
-- is marked interrupted and re-validated, never re-executed blindly.
CREATE TABLE action_intents (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  incident_id INTEGER REFERENCES incidents (id) ON DELETE SET NULL,
  action      TEXT    NOT NULL,
  target      TEXT    NOT NULL,
  plan_hash   TEXT    NOT NULL,
  plan        TEXT    NOT NULL CHECK (json_valid(plan)),
  dry_run     INTEGER NOT NULL DEFAULT 0 CHECK (dry_run IN (0, 1)),
  state       TEXT    NOT NULL,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX action_intents_by_incident ON action_intents (incident_id);
CREATE INDEX action_intents_by_target ON action_intents (action, target, created_at);
CREATE INDEX action_intents_by_plan ON action_intents (plan_hash);

-- One row per attempt, so that retries keep their history.
CREATE TABLE action_outcomes (
  intent_id   INTEGER NOT NULL REFERENCES action_intents (id) ON DELETE CASCADE,
  attempt     INTEGER NOT NULL CHECK (attempt >= 1),
  outcome     TEXT    NOT NULL,
  retryable   INTEGER NOT NULL DEFAULT 0 CHECK (retryable IN (0, 1)),
  reason      TEXT    NOT NULL,
  detail      TEXT    NOT NULL DEFAULT '',
  started_at  INTEGER NOT NULL,
  finished_at INTEGER NOT NULL,
  PRIMARY KEY (intent_id, attempt)
) STRICT;

-- An approval binds to a plan hash: a changed plan needs a new approval.
CREATE TABLE approvals (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  intent_id    INTEGER REFERENCES action_intents (id) ON DELETE CASCADE,
  plan_hash    TEXT    NOT NULL,
  requested_at INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL,
  quorum       INTEGER NOT NULL DEFAULT 1 CHECK (quorum >= 1),
  state        TEXT    NOT NULL CHECK (state IN ('pending', 'approved', 'denied', 'expired')),
  decided_at   INTEGER
) STRICT;
CREATE INDEX approvals_pending ON approvals (expires_at) WHERE state = 'pending';
CREATE INDEX approvals_by_intent ON approvals (intent_id);

CREATE TABLE approval_votes (
  approval_id INTEGER NOT NULL REFERENCES approvals (id) ON DELETE CASCADE,
  approver    TEXT    NOT NULL,
  verdict     TEXT    NOT NULL CHECK (verdict IN ('approve', 'deny')),
  comment     TEXT    NOT NULL DEFAULT '',
  at          INTEGER NOT NULL,
  PRIMARY KEY (approval_id, approver)
) STRICT;

-- Budgets count actions per window; cooldowns hold a target back until a time.
-- scope: 'global' | 'rule' | 'action' | 'target'; key names the rule, action or target.
CREATE TABLE budgets (
  scope          TEXT    NOT NULL,
  key            TEXT    NOT NULL,
  window_start   INTEGER NOT NULL,
  count          INTEGER NOT NULL DEFAULT 0 CHECK (count >= 0),
  cooldown_until INTEGER,
  PRIMARY KEY (scope, key)
) STRICT;

-- Maintenance windows: matchers are a JSON array of {name, op, value} (Alertmanager operators).
CREATE TABLE silences (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  matchers   TEXT    NOT NULL CHECK (json_valid(matchers)),
  starts_at  INTEGER NOT NULL,
  ends_at    INTEGER NOT NULL CHECK (ends_at > starts_at),
  created_by TEXT    NOT NULL,
  comment    TEXT    NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  expired_at INTEGER
) STRICT;
CREATE INDEX silences_by_end ON silences (ends_at);
)sql";

// Version 2. An approval is usually requested before any intent exists (the intent is written
// right before the action runs), so it carries what approvers are shown itself: the incident, the
// action, its target and plan. `reason` says why it was decided (a deny comment, expiry, or why
// the pipeline invalidated it); `invalidated` marks a deny because the world changed after the plan.
constexpr const char* kVersion2 = R"sql(
ALTER TABLE approvals ADD COLUMN incident_id INTEGER REFERENCES incidents (id) ON DELETE SET NULL;
ALTER TABLE approvals ADD COLUMN action TEXT NOT NULL DEFAULT '';
ALTER TABLE approvals ADD COLUMN target TEXT NOT NULL DEFAULT '';
ALTER TABLE approvals ADD COLUMN summary TEXT NOT NULL DEFAULT '';
ALTER TABLE approvals ADD COLUMN plan TEXT CHECK (plan IS NULL OR json_valid(plan));
ALTER TABLE approvals ADD COLUMN requested_by TEXT NOT NULL DEFAULT '';
ALTER TABLE approvals ADD COLUMN reason TEXT NOT NULL DEFAULT '';
ALTER TABLE approvals ADD COLUMN invalidated INTEGER NOT NULL DEFAULT 0 CHECK (invalidated IN (0, 1));
)sql";

// Version 3. A sliding window ("3 per hour") is decided by the run times themselves, which a
// window start and a count cannot give back after a restart: `runs` holds them (unix ms, oldest
// first), `count` their number and `window_start` the oldest (0 when none). `circuit_open_until` is
// set while a rule, action or global budget's circuit is open; `cooldown_until` stays the target's
// cooldown.
constexpr const char* kVersion3 = R"sql(
ALTER TABLE budgets ADD COLUMN runs TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(runs));
ALTER TABLE budgets ADD COLUMN circuit_open_until INTEGER;
)sql";

constexpr std::array<Migration, 3> kMigrations = {{
    {1, kVersion1},
    {2, kVersion2},
    {3, kVersion3},
}};

}  // namespace

std::span<const Migration> Migrations() { return kMigrations; }

int CurrentVersion() { return kMigrations.back().version; }

}  // namespace runbookd::store::schema
