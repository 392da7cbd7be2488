#pragma once

#include <boost/json/array.hpp>
#include <string>
#include <vector>

namespace runbookd {

// What changed between two plans' observed objects ([{kind, namespace, name, uid,
// resourceVersion}, ...]), one line per object both observed: "Deployment production/web was
// replaced", "Deployment production/web (resourceVersion 1001 -> 1009)". Objects only one plan
// observed are not compared (a fresh plan may pick other objects, which says nothing by itself);
// `compared` says how many were.
std::vector<std::string> ObservedChanges(const boost::json::array& before, const boost::json::array& after,
                                         int* compared = nullptr);

}  // namespace runbookd
