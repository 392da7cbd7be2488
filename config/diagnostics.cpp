#include "config/diagnostics.hpp"

#include <algorithm>
#include <tuple>

namespace runbookd::config {

namespace {

// One diagnostic is one line (FILE:LINE:COL: path: message): a message that quotes a value with
// line breaks (a multi-line key, a file's text) shows them as \n instead of breaking the format.
std::string OneLine(std::string message) {
  std::string out;
  out.reserve(message.size());
  for (char c : message) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

void Diagnostics::Add(Location where, std::string path, std::string message) {
  items_.push_back(Diagnostic{std::move(where), std::move(path), OneLine(std::move(message))});
}

std::string Diagnostics::Format() const {
  std::vector<const Diagnostic*> sorted;
  sorted.reserve(items_.size());
  for (const auto& d : items_) sorted.push_back(&d);
  std::stable_sort(sorted.begin(), sorted.end(), [](const Diagnostic* a, const Diagnostic* b) {
    return std::tie(a->where.file, a->where.line, a->where.column) <
           std::tie(b->where.file, b->where.line, b->where.column);
  });
  std::string out;
  for (const auto* d : sorted) {
    out += d->where.file + ":" + std::to_string(d->where.line) + ":" + std::to_string(d->where.column) + ": ";
    out += d->path.empty() ? std::string("(root)") : d->path;
    out += ": " + d->message + "\n";
  }
  return out;
}

}  // namespace runbookd::config
