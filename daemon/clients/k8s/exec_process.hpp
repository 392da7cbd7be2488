#pragma once

#include "daemon/clients/process/run_process.hpp"

// Exec credential plugins run through the shared process runner (daemon/clients/process), which
// the approval hook uses too. Stdin stays /dev/null and the environment is the daemon's plus the
// exec section's `env`, as kubectl does.
namespace runbookd::k8s {

using process::ProcessResult;
using process::ProcessSpec;
using process::RunProcess;

}  // namespace runbookd::k8s
