#include "probes/kafka/metadata_fetch.hpp"

#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "probes/kafka/broker_states.hpp"

namespace runbookd::probes::kafka {

namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

// While no broker is up, metadata attempts are this short, so that librdkafka's "all brokers
// are down" (reported between attempts) ends the run early instead of at the deadline.
constexpr milliseconds kConnectSlice = 200ms;
constexpr milliseconds kPollSlice = 20ms;
// Statistics (the per-broker connection states) this often; the documented 1000 ms
// granularity is not enforced by 2.0.2.
constexpr const char* kStatsIntervalMs = "50";

// What librdkafka's callbacks report during one fetch. The error and statistics callbacks run
// inside rd_kafka_poll on the fetching thread; the log callback runs on librdkafka's threads and
// only touches the (thread-safe) logger.
struct Session {
  std::shared_ptr<spdlog::logger> logger;
  std::vector<std::pair<rd_kafka_resp_err_t, std::string>> errors;
  std::string stats;

  const std::string* Find(rd_kafka_resp_err_t err) const {
    for (const auto& [e, reason] : errors) {
      if (e == err) return &reason;
    }
    return nullptr;
  }
};

void OnLog(const rd_kafka_t* rk, int level, const char* facility, const char* message) {
  const auto* session = static_cast<const Session*>(rd_kafka_opaque(rk));
  if (session != nullptr && session->logger) session->logger->debug("librdkafka {} ({}): {}", facility, level, message);
}

void OnError(rd_kafka_t*, int err, const char* reason, void* opaque) {
  static_cast<Session*>(opaque)->errors.emplace_back(static_cast<rd_kafka_resp_err_t>(err), reason);
}

int OnStats(rd_kafka_t*, char* json, size_t json_len, void* opaque) {
  static_cast<Session*>(opaque)->stats.assign(json, json_len);
  return 0;  // librdkafka frees json
}

struct HandleDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
struct ConfDeleter {
  void operator()(rd_kafka_conf_t* conf) const { rd_kafka_conf_destroy(conf); }
};
struct MetadataDeleter {
  void operator()(const rd_kafka_metadata_t* md) const { rd_kafka_metadata_destroy(md); }
};

milliseconds Remaining(SteadyTime budget_end) {
  return std::chrono::duration_cast<milliseconds>(budget_end - std::chrono::steady_clock::now());
}

// librdkafka's messages may quote a property value; secret ones never leave this file.
std::string Redacted(std::string text, const KafkaCheck& check) {
  for (const ClientProperty& p : check.properties) {
    if (!p.secret || p.value.empty()) continue;
    const std::string mask = "<secret>";
    for (auto at = text.find(p.value); at != std::string::npos; at = text.find(p.value, at + mask.size())) {
      text.replace(at, p.value.size(), mask);
    }
  }
  return text;
}

ProbeResult Misconfigured(const std::string& what) { return ProbeResult::Unknown(ProbeReason::kMisconfigured, what); }

std::unique_ptr<rd_kafka_conf_t, ConfDeleter> MakeConf(const KafkaCheck& check, Session& session, std::string& error) {
  std::unique_ptr<rd_kafka_conf_t, ConfDeleter> conf(rd_kafka_conf_new());
  std::vector<ClientProperty> properties{{"client.id", "runbookd", false}};
  properties.insert(properties.end(), check.properties.begin(), check.properties.end());
  // The probe's own, last: connect to every broker (reachability), report their states, and
  // never create a topic by asking about it.
  properties.push_back({"bootstrap.servers", check.bootstrap, false});
  properties.push_back({"enable.sparse.connections", "false", false});
  properties.push_back({"statistics.interval.ms", kStatsIntervalMs, false});
  properties.push_back({"allow.auto.create.topics", "false", false});
  properties.push_back({"log.connection.close", "false", false});
  char errstr[512] = "";
  for (const ClientProperty& p : properties) {
    if (rd_kafka_conf_set(conf.get(), p.name.c_str(), p.value.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
      error = "librdkafka refused " + p.name + ": " + Redacted(errstr, check);
      return nullptr;
    }
  }
  rd_kafka_conf_set_opaque(conf.get(), &session);
  rd_kafka_conf_set_log_cb(conf.get(), OnLog);
  rd_kafka_conf_set_error_cb(conf.get(), OnError);
  rd_kafka_conf_set_stats_cb(conf.get(), OnStats);
  return conf;
}

ClusterMetadata Copy(const rd_kafka_metadata_t& md) {
  ClusterMetadata out;
  for (int i = 0; i < md.broker_cnt; ++i) {
    const rd_kafka_metadata_broker_t& b = md.brokers[i];
    out.brokers.push_back({b.id, b.host != nullptr ? b.host : "", b.port, false});
  }
  for (int i = 0; i < md.topic_cnt; ++i) {
    const rd_kafka_metadata_topic_t& t = md.topics[i];
    TopicMetadata topic{t.topic != nullptr ? t.topic : "", t.err, t.err != 0 ? rd_kafka_err2str(t.err) : "", {}};
    for (int j = 0; j < t.partition_cnt; ++j) {
      const rd_kafka_metadata_partition_t& p = t.partitions[j];
      topic.partitions.push_back({p.id, p.leader, std::vector<int32_t>(p.replicas, p.replicas + p.replica_cnt),
                                  std::vector<int32_t>(p.isrs, p.isrs + p.isr_cnt), p.err,
                                  p.err != 0 ? rd_kafka_err2str(p.err) : ""});
    }
    out.topics.push_back(std::move(topic));
  }
  return out;
}

// Why no broker answered: the most telling error librdkafka reported while trying.
ProbeResult NoAnswer(rd_kafka_resp_err_t last, const Session& session, const KafkaCheck& check) {
  constexpr std::array<std::pair<rd_kafka_resp_err_t, ProbeReason>, 7> kByMeaning{{
      {RD_KAFKA_RESP_ERR__AUTHENTICATION, ProbeReason::kAuthFailed},
      {RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED, ProbeReason::kAuthFailed},
      {RD_KAFKA_RESP_ERR__SSL, ProbeReason::kTlsError},
      {RD_KAFKA_RESP_ERR__RESOLVE, ProbeReason::kDnsError},
      {RD_KAFKA_RESP_ERR__BAD_MSG, ProbeReason::kProtocolError},
      {RD_KAFKA_RESP_ERR__TRANSPORT, ProbeReason::kConnectionFailed},
      {RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, ProbeReason::kConnectionFailed},
  }};
  for (const auto& [err, reason] : kByMeaning) {
    if (const std::string* message = session.Find(err)) {
      return ProbeResult::Unhealthy(reason, "no broker usable: " + Redacted(*message, check));
    }
  }
  if (last == RD_KAFKA_RESP_ERR__TIMED_OUT || last == RD_KAFKA_RESP_ERR__TRANSPORT) {
    return ProbeResult::Unhealthy(ProbeReason::kTimeout,
                                  last == RD_KAFKA_RESP_ERR__TIMED_OUT
                                      ? "no Metadata answer from " + check.bootstrap + " within the timeout"
                                      : "no broker of " + check.bootstrap + " connected within the timeout");
  }
  return ProbeResult::Unhealthy(ProbeReason::kProtocolError,
                                std::string("Metadata request failed: ") + rd_kafka_err2str(last));
}

// librdkafka gives up on its own only by reporting these between attempts.
bool GaveUp(const Session& session) {
  return session.Find(RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) != nullptr ||
         session.Find(RD_KAFKA_RESP_ERR__AUTHENTICATION) != nullptr;
}

// Metadata of every topic from any broker; null (with `last` saying why) when none answered.
std::unique_ptr<const rd_kafka_metadata_t, MetadataDeleter> RequestMetadata(rd_kafka_t* rk, const Session& session,
                                                                            SteadyTime budget_end,
                                                                            rd_kafka_resp_err_t& last) {
  bool request_sent = false;
  last = RD_KAFKA_RESP_ERR__TIMED_OUT;
  for (milliseconds left = Remaining(budget_end); left > 0ms; left = Remaining(budget_end)) {
    // Until a request went out, short attempts; after that, wait for the answer until the end.
    const milliseconds slice = request_sent ? left : std::min(left, kConnectSlice);
    const rd_kafka_metadata_t* raw = nullptr;
    last = rd_kafka_metadata(rk, 1, nullptr, &raw, static_cast<int>(slice.count()));
    rd_kafka_poll(rk, 0);  // serves the error callback
    if (last == RD_KAFKA_RESP_ERR_NO_ERROR) return std::unique_ptr<const rd_kafka_metadata_t, MetadataDeleter>(raw);
    if (last == RD_KAFKA_RESP_ERR__TIMED_OUT) {
      request_sent = true;
    } else if (last != RD_KAFKA_RESP_ERR__TRANSPORT || GaveUp(session)) {
      break;  // __TRANSPORT alone means no broker is up yet
    }
  }
  return nullptr;
}

// Marks each broker reachable or not from librdkafka's statistics, polling until every one is
// decided or the budget ends (undecided brokers, e.g. blackholed ones, count as unreachable).
void AwaitBrokerConnections(rd_kafka_t* rk, Session& session, ClusterMetadata& metadata, SteadyTime budget_end) {
  if (metadata.brokers.empty()) return;
  while (true) {
    if (!session.stats.empty()) {
      const auto connections = ParseBrokerConnections(session.stats);
      session.stats.clear();
      bool all_decided = true;
      for (BrokerMetadata& broker : metadata.brokers) {
        const auto found = connections.find(broker.id);
        const Reachability reachability = found == connections.end() ? Reachability::kUndecided : Judge(found->second);
        broker.reachable = reachability == Reachability::kReachable;
        all_decided = all_decided && reachability != Reachability::kUndecided;
      }
      if (all_decided) return;
    }
    const milliseconds left = Remaining(budget_end);
    if (left <= 0ms) return;
    rd_kafka_poll(rk, static_cast<int>(std::min(left, kPollSlice).count()));
  }
}

}  // namespace

FetchOutcome FetchMetadata(const KafkaCheck& check, SteadyTime budget_end,
                           const std::shared_ptr<spdlog::logger>& logger) {
  FetchOutcome outcome;
  Session session{logger, {}, {}};  // outlives the handle: its callbacks point here
  std::string error;
  auto conf = MakeConf(check, session, error);
  if (!conf) {
    outcome.failure = Misconfigured(error);
    return outcome;
  }
  char errstr[512] = "";
  // rd_kafka_new takes the configuration only when it succeeds.
  std::unique_ptr<rd_kafka_t, HandleDeleter> rk(rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), errstr, sizeof errstr));
  if (!rk) {
    outcome.failure = Misconfigured("librdkafka: " + Redacted(errstr, check));
    return outcome;
  }
  conf.release();

  rd_kafka_resp_err_t last = RD_KAFKA_RESP_ERR_NO_ERROR;
  const auto md = RequestMetadata(rk.get(), session, budget_end, last);
  if (!md) {
    outcome.failure = NoAnswer(last, session, check);
    return outcome;
  }
  outcome.metadata = Copy(*md);
  AwaitBrokerConnections(rk.get(), session, *outcome.metadata, budget_end);
  return outcome;
}

}  // namespace runbookd::probes::kafka
