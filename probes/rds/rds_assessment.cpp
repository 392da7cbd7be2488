#include "probes/rds/rds_assessment.hpp"

#include <algorithm>
#include <cctype>
#include <string>
#include <utility>
#include <vector>

#include "probes/rds/db_status.hpp"

namespace runbookd::probes::rds {

namespace {

constexpr std::size_t kMaxReadersListed = 5;

std::string Text(pugi::xml_node node) { return node.text().as_string(); }

// RDS keeps identifiers in lower case whatever case they were created or asked with.
bool SameIdentifier(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}

pugi::xml_node FindItem(pugi::xml_node list, const char* item, const char* id_key, std::string_view id) {
  for (pugi::xml_node node : list.children(item)) {
    if (SameIdentifier(Text(node.child(id_key)), id)) return node;
  }
  return {};
}

ProbeResult Unusable(std::string what) {
  return ProbeResult::Unknown(ProbeReason::kApiError, "unexpected answer from RDS: " + std::move(what));
}

// "(aurora-postgresql db.r6g.large)", or "" when RDS named neither.
std::string Parenthesised(std::vector<std::string> parts) {
  std::erase_if(parts, [](const std::string& part) { return part.empty(); });
  std::string out;
  for (const std::string& part : parts) out += (out.empty() ? " (" : " ") + part;
  return out.empty() ? out : out + ")";
}

// Sets `result` from `status`, keeping its observations. `subject` is "DB instance db-1
// (postgres db.m6g.large)"; `suffix` follows what is said of the status ("; writer db-1, ...").
void Conclude(ProbeResult& result, const std::string& status, const std::string& subject, const std::string& suffix) {
  switch (ClassifyStatus(status)) {
    case StatusClass::kAvailable:
      result.Conclude(ProbeStatus::kHealthy, ProbeReason::kOk, subject + " available" + suffix);
      return;
    case StatusClass::kAvailableBusy:
      result.Conclude(ProbeStatus::kHealthy, ProbeReason::kOk,
                      subject + " " + status + " (serving meanwhile)" + suffix);
      return;
    case StatusClass::kTransitioning:
      result.Conclude(ProbeStatus::kUnhealthy, ProbeReason::kDbTransitioning,
                      subject + " is " + status + ": not reliably serving until it is available again" + suffix);
      return;
    case StatusClass::kFailingOver:
      result.Conclude(ProbeStatus::kUnhealthy, ProbeReason::kFailingOver,
                      subject + " is failing-over: writes fail until the failover completes" + suffix);
      return;
    case StatusClass::kDown:
      result.Conclude(ProbeStatus::kUnhealthy, ProbeReason::kDbStatus, subject + " is " + status + suffix);
      return;
    case StatusClass::kUnrecognised:
      result.Conclude(ProbeStatus::kUnknown, ProbeReason::kDbStatus,
                      subject + " reports status \"" + status + "\", which this probe does not know" + suffix);
      return;
  }
}

}  // namespace

ProbeResult AssessInstance(pugi::xml_node result, std::string_view id) {
  const pugi::xml_node instance = FindItem(result.child("DBInstances"), "DBInstance", "DBInstanceIdentifier", id);
  if (!instance) return Unusable("DescribeDBInstances did not list DB instance " + std::string(id));
  const std::string status = Text(instance.child("DBInstanceStatus"));
  if (status.empty()) return Unusable("DB instance " + std::string(id) + " has no DBInstanceStatus");
  const std::string subject = "DB instance " + Text(instance.child("DBInstanceIdentifier")) +
                              Parenthesised({Text(instance.child("Engine")), Text(instance.child("DBInstanceClass"))});
  ProbeResult out;
  Conclude(out, status, subject, "");
  return out;
}

ProbeResult AssessCluster(pugi::xml_node result, std::string_view id) {
  const pugi::xml_node cluster = FindItem(result.child("DBClusters"), "DBCluster", "DBClusterIdentifier", id);
  if (!cluster) return Unusable("DescribeDBClusters did not list DB cluster " + std::string(id));
  const std::string name = Text(cluster.child("DBClusterIdentifier"));
  const std::string status = Text(cluster.child("Status"));
  if (status.empty()) return Unusable("DB cluster " + name + " has no Status");
  const pugi::xml_node members = cluster.child("DBClusterMembers");
  if (!members) return Unusable("DB cluster " + name + " has no DBClusterMembers");

  std::vector<std::string> writers;
  std::vector<std::string> readers;
  for (pugi::xml_node member : members.children("DBClusterMember")) {
    const std::string member_id = Text(member.child("DBInstanceIdentifier"));
    const std::string writer = Text(member.child("IsClusterWriter"));
    if (member_id.empty() || (writer != "true" && writer != "false")) {
      return Unusable("a member of DB cluster " + name + " without DBInstanceIdentifier or IsClusterWriter");
    }
    (writer == "true" ? writers : readers).push_back(member_id);
  }

  ProbeResult out;
  out.Observe("cluster_members", static_cast<double>(writers.size() + readers.size()));
  out.Observe("cluster_readers", static_cast<double>(readers.size()));
  out.Observe("cluster_writers", static_cast<double>(writers.size()));

  // "writer db-1, 2 readers (db-2, db-3)": who takes writes now, and who could be promoted.
  std::string members_text;
  for (const std::string& writer : writers) members_text += (members_text.empty() ? "writer " : ", writer ") + writer;
  if (writers.empty()) members_text = "no writer";
  members_text += ", " + std::to_string(readers.size()) + (readers.size() == 1 ? " reader" : " readers");
  for (std::size_t i = 0; i < readers.size() && i < kMaxReadersListed; ++i) {
    members_text += (i == 0 ? " (" : ", ") + readers[i];
  }
  if (readers.size() > kMaxReadersListed) members_text += ", ...";
  if (!readers.empty()) members_text += ")";

  const std::string subject = "DB cluster " + name + Parenthesised({Text(cluster.child("Engine"))});
  Conclude(out, status, subject, "; " + members_text);
  if (out.status == ProbeStatus::kHealthy && writers.empty()) {
    out.Conclude(ProbeStatus::kUnhealthy, ProbeReason::kNoWriter,
                 out.detail + ": writes fail until a writer is promoted");
  }
  return out;
}

ProbeResult Combine(ProbeResult first, ProbeResult second) {
  const auto rank = [](ProbeStatus s) { return s == ProbeStatus::kUnhealthy ? 0 : s == ProbeStatus::kUnknown ? 1 : 2; };
  ProbeResult out = rank(second.status) < rank(first.status) ? second : first;
  out.detail = first.detail + "; " + second.detail;
  out.observations = std::move(first.observations);
  for (auto& [name, value] : second.observations) out.Observe(std::move(name), value);
  return out;
}

}  // namespace runbookd::probes::rds
