#include "daemon/app/builtins.hpp"

namespace runbookd {

Registry MakeBuiltinRegistry() {
  Registry r;
  return r;
}

}  // namespace runbookd
