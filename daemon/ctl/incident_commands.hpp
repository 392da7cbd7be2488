#pragma once

#include <string>

#include "daemon/ctl/api_client.hpp"

namespace runbookd::ctl {

// `runbookctl incidents [--all]`: open incidents (or every one), newest first.
int ListIncidents(const ApiClient& api, bool all, bool as_json);
// `runbookctl incident ID [--report]`: one incident and its timeline; --report prints it as a
// post-incident summary in the runbooks' communication style.
int ShowIncident(const ApiClient& api, const std::string& id, bool report, bool as_json);
// `runbookctl ack ID [--comment TEXT]`: the caller takes the open incident; its escalation stops.
int AcknowledgeIncident(const ApiClient& api, const std::string& id, const std::string& comment, bool as_json);

}  // namespace runbookd::ctl
