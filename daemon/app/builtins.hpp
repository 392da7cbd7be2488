#pragma once

#include "daemon/core/registry.hpp"

namespace runbookd {

// The one explicit list of built-in probe types and /probe modules.
Registry MakeBuiltinRegistry();

}  // namespace runbookd
