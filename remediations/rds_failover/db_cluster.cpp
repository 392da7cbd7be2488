#include "remediations/rds_failover/db_cluster.hpp"

#include <algorithm>
#include <boost/json/array.hpp>
#include <cctype>
#include <utility>

namespace runbookd::remediations::rds_failover {

namespace json = boost::json;

namespace {

constexpr std::string_view kAvailable = "available";

std::string Join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : ", ") + w;
  return out;
}

std::vector<std::string> MemberIds(const DbCluster& cluster) {
  std::vector<std::string> ids;
  for (const auto& m : cluster.members) ids.push_back(m.id);
  return ids;
}

std::string StringAt(const json::object& o, std::string_view key) {
  const auto* found = o.if_contains(key);
  return found && found->is_string() ? std::string(found->get_string()) : std::string();
}

void Conclude(ActionPlan& plan, OutcomeReason verdict, std::string summary) {
  plan.verdict = verdict;
  plan.summary = std::move(summary);
}

bool IsLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::string DbCluster::Writer() const {
  for (const auto& m : members) {
    if (m.writer) return m.id;
  }
  return {};
}

std::vector<std::string> DbCluster::Readers() const {
  std::vector<std::string> out;
  for (const auto& m : members) {
    if (!m.writer) out.push_back(m.id);
  }
  return out;
}

std::string DbCluster::Display() const {
  return (engine.rfind("aurora", 0) == 0 ? "Aurora cluster " : "DB cluster ") + id;
}

std::optional<DbCluster> ReadCluster(pugi::xml_node result, std::string_view id) {
  for (pugi::xml_node node : result.child("DBClusters").children("DBCluster")) {
    const std::string name = node.child_value("DBClusterIdentifier");
    // RDS keeps identifiers in lower case but matches them without regard to case.
    const bool same =
        name.size() == id.size() && std::equal(name.begin(), name.end(), id.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
        });
    if (!same) continue;
    DbCluster cluster;
    cluster.id = name;
    cluster.status = node.child_value("Status");
    cluster.engine = node.child_value("Engine");
    for (pugi::xml_node m : node.child("DBClusterMembers").children("DBClusterMember")) {
      cluster.members.push_back(ClusterMember{m.child_value("DBInstanceIdentifier"),
                                              std::string_view(m.child_value("IsClusterWriter")) == "true"});
    }
    return cluster;
  }
  return std::nullopt;
}

bool IsRdsIdentifier(std::string_view id) {
  if (id.empty() || id.size() > 63 || !IsLetter(id.front()) || id.back() == '-') return false;
  if (id.find("--") != std::string_view::npos) return false;
  return std::all_of(id.begin(), id.end(), [](char c) { return IsLetter(c) || IsDigit(c) || c == '-'; });
}

json::object ObservedCluster(const DbCluster& cluster) {
  json::array members;
  for (const auto& id : MemberIds(cluster)) members.emplace_back(id);
  return json::object{{"kind", "DBCluster"},
                      {"name", cluster.id},
                      {"writer", cluster.Writer()},
                      {"status", cluster.status},
                      {"members", std::move(members)}};
}

ActionPlan PlanFailover(const FailoverRequest& request, const DbCluster& cluster, std::string target) {
  ActionPlan plan;
  plan.type = std::string(kType);
  plan.target = std::move(target);
  plan.observed.push_back(ObservedCluster(cluster));
  const std::string display = cluster.Display();
  const std::string writer = cluster.Writer();
  const std::vector<std::string> readers = cluster.Readers();
  if (cluster.status != kAvailable) {
    Conclude(plan, OutcomeReason::kRefused,
             display + " is " + cluster.status + ", not available: refusing to fail over (plan again when it is)");
    return plan;
  }
  if (writer.empty()) {
    Conclude(plan, OutcomeReason::kRefused, display + " has no writer to fail over from");
    return plan;
  }
  std::string to;
  if (!request.target.empty()) {
    const auto is_target = [&](const ClusterMember& m) { return m.id == request.target; };
    const auto member = std::find_if(cluster.members.begin(), cluster.members.end(), is_target);
    if (member == cluster.members.end()) {
      Conclude(plan, OutcomeReason::kInvalidParams,
               "target_db_instance_identifier " + request.target + " is not a member of " + display +
                   " (members: " + Join(MemberIds(cluster)) + ")");
      return plan;
    }
    if (member->writer) {
      Conclude(plan, OutcomeReason::kNoop, request.target + " is already the writer of " + display);
      return plan;
    }
    to = request.target;
  } else if (readers.empty()) {
    Conclude(plan, OutcomeReason::kRefused,
             display + " has no reader to fail over to (members: " + Join(MemberIds(cluster)) + ")");
    return plan;
  } else if (readers.size() == 1) {
    to = readers.front();
  } else {
    // RDS promotes by promotion tier, then size; which one it picks is known only afterwards.
    to = "the reader RDS picks (" + Join(readers) + ")";
  }
  plan.summary = "fail over " + display + ": writer " + writer + " → " + to;
  std::string call = "POST rds FailoverDBCluster DBClusterIdentifier=" + request.cluster;
  if (!request.target.empty()) call += " TargetDBInstanceIdentifier=" + request.target;
  plan.steps = {
      "POST rds DescribeDBClusters DBClusterIdentifier=" + request.cluster + " (writer still " + writer + "?)",
      std::move(call), "poll DescribeDBClusters until the writer changed and status is available"};
  plan.details = json::object{{"db_cluster_identifier", request.cluster},
                              {"target_db_instance_identifier", request.target},
                              {"old_writer", writer}};
  return plan;
}

std::optional<std::string> DescribeChange(const json::object& observed, const DbCluster& now,
                                          const std::string& target_instance) {
  const std::string planned_writer = StringAt(observed, "writer");
  const std::string writer = now.Writer();
  if (writer != planned_writer) {
    return "writer changed since the plan (" + planned_writer + " → " + (writer.empty() ? "none" : writer) +
           "); plan again";
  }
  const std::string planned_status = StringAt(observed, "status");
  if (now.status != planned_status) {
    return now.Display() + " changed since the plan (status " + planned_status + " → " + now.status + "); plan again";
  }
  if (!target_instance.empty()) {
    const auto readers = now.Readers();
    if (std::find(readers.begin(), readers.end(), target_instance) == readers.end()) {
      return target_instance + " is no longer a reader of " + now.Display() + "; plan again";
    }
  }
  return std::nullopt;
}

bool IsFailedStatus(std::string_view status) {
  const auto ends_with = [&](std::string_view suffix) {
    return status.size() >= suffix.size() && status.substr(status.size() - suffix.size()) == suffix;
  };
  return status == "failed" || ends_with("-failed") || status.rfind("inaccessible-", 0) == 0 ||
         status.rfind("incompatible-", 0) == 0 || status == "deleting" || status == "stopping" || status == "stopped";
}

}  // namespace runbookd::remediations::rds_failover
