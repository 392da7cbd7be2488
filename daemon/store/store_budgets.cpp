// The budget gate's state: run times per scope, cooldowns, open circuits.
#include <algorithm>
#include <boost/json.hpp>

#include "daemon/store/codec.hpp"
#include "daemon/store/store.hpp"

namespace runbookd::store {
namespace {

using codec::FromUnixMs;
using codec::ToUnixMs;

constexpr const char* kDeleteBudgets = "DELETE FROM budgets";
constexpr const char* kInsertBudget =
    "INSERT INTO budgets (scope, key, window_start, count, cooldown_until, runs, circuit_open_until)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
constexpr const char* kSelectBudgets =
    "SELECT scope, key, runs, cooldown_until, circuit_open_until FROM budgets ORDER BY scope, key";

std::string EncodeRuns(std::vector<WallTime> runs) {
  std::sort(runs.begin(), runs.end());
  boost::json::array array;
  for (const WallTime run : runs) array.emplace_back(ToUnixMs(run));
  return boost::json::serialize(array);
}

Result<std::vector<WallTime>> DecodeRuns(const std::string& scope, const std::string& key, std::string_view json) {
  const Error bad{ErrorCode::kIo, "budget " + scope + "/" + key + " has runs that are not a JSON array of times"};
  boost::system::error_code ec;
  const boost::json::value parsed = boost::json::parse(json, ec);
  if (ec || !parsed.is_array()) return bad;
  std::vector<WallTime> runs;
  for (const boost::json::value& item : parsed.get_array()) {
    if (!item.is_int64()) return bad;
    runs.push_back(FromUnixMs(item.get_int64()));
  }
  std::sort(runs.begin(), runs.end());
  return runs;
}

}  // namespace

Status Store::SaveBudgets(const std::vector<BudgetRecord>& rows) {
  // A named savepoint works both inside StoreWriter's transaction and on its own.
  if (auto s = db_.Exec("SAVEPOINT budgets"); !s) return s;
  auto fail = [this](Error error) -> Status {
    (void)db_.Exec("ROLLBACK TO budgets; RELEASE budgets");
    return error;
  };
  auto clear = Prepared(kDeleteBudgets);
  if (!clear) return fail(clear.error());
  if (auto s = (*clear)->Run(); !s) return fail(s.error());
  for (const BudgetRecord& row : rows) {
    auto insert = Prepared(kInsertBudget);
    if (!insert) return fail(insert.error());
    const int64_t window_start = row.runs.empty() ? 0 : ToUnixMs(*std::min_element(row.runs.begin(), row.runs.end()));
    (*insert)->BindAll(row.scope, row.key, window_start, static_cast<int64_t>(row.runs.size()),
                       ToUnixMs(row.cooldown_until), EncodeRuns(row.runs), ToUnixMs(row.circuit_open_until));
    if (auto s = (*insert)->Run(); !s) return fail(s.error());
  }
  if (auto s = db_.Exec("RELEASE budgets"); !s) return fail(s.error());
  return Ok();
}

Result<std::vector<BudgetRecord>> Store::LoadBudgets() {
  auto select = Prepared(kSelectBudgets);
  if (!select) return select.error();
  std::vector<BudgetRecord> rows;
  while (true) {
    auto row = (*select)->Step();
    if (!row) return row.error();
    if (!row.value()) break;
    BudgetRecord record;
    record.scope = (*select)->Text(0);
    record.key = (*select)->Text(1);
    auto runs = DecodeRuns(record.scope, record.key, (*select)->Text(2));
    if (!runs) return runs.error();
    record.runs = std::move(runs).value();
    record.cooldown_until = FromUnixMs((*select)->OptionalInt64(3));
    record.circuit_open_until = FromUnixMs((*select)->OptionalInt64(4));
    rows.push_back(std::move(record));
  }
  return rows;
}

}  // namespace runbookd::store
