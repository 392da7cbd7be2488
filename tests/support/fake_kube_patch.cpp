// The three patch types the API server accepts: RFC 6902 JSON patch, RFC 7386 merge patch, and
// the part of strategic merge patch that kubectl sends (maps merge, null deletes, well-known
// lists merge by their key, the `$patch`/`$setElementOrder` directives).

#include <algorithm>
#include <charconv>

#include "tests/support/fake_kube_internal.hpp"

namespace runbookd::testing::fake_kube {

namespace {

// ---- RFC 6901 JSON pointer ----

std::vector<std::string> ParsePointer(const std::string& pointer) {
  std::vector<std::string> tokens;
  if (pointer.empty()) return tokens;
  if (pointer[0] != '/') throw Invalid("JSON pointer must be empty or start with /: " + pointer);
  std::string token;
  for (size_t i = 1; i <= pointer.size(); ++i) {
    if (i == pointer.size() || pointer[i] == '/') {
      tokens.push_back(token);
      token.clear();
    } else if (pointer[i] == '~' && i + 1 < pointer.size() && (pointer[i + 1] == '0' || pointer[i + 1] == '1')) {
      token += pointer[i + 1] == '0' ? '~' : '/';
      ++i;
    } else if (pointer[i] == '~') {
      throw Invalid("invalid escape in JSON pointer: " + pointer);
    } else {
      token += pointer[i];
    }
  }
  return tokens;
}

// An array index token: digits without a leading zero, within `limit`.
std::optional<size_t> ArrayIndex(const std::string& token, size_t limit) {
  if (token.empty() || (token.size() > 1 && token[0] == '0')) return std::nullopt;
  size_t index = 0;
  auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), index);
  if (ec != std::errc() || end != token.data() + token.size() || index > limit) return std::nullopt;
  return index;
}

// The value a pointer names, or null when it names nothing.
json::value* Resolve(json::value& root, const std::vector<std::string>& tokens) {
  json::value* at = &root;
  for (const auto& token : tokens) {
    if (auto* object = at->if_object()) {
      at = object->if_contains(token);
    } else if (auto* array = at->if_array()) {
      auto index = ArrayIndex(token, array->empty() ? 0 : array->size() - 1);
      at = index && *index < array->size() ? &(*array)[*index] : nullptr;
    } else {
      at = nullptr;
    }
    if (at == nullptr) return nullptr;
  }
  return at;
}

std::string OpField(const json::object& op, const char* name) {
  const auto* value = op.if_contains(name);
  if (value == nullptr || !value->is_string()) {
    throw BadRequest(std::string("json patch operation is missing '") + name + "'");
  }
  return std::string(value->as_string());
}

void AddAt(json::value& root, const std::string& path, json::value value, const std::string& op_name) {
  auto tokens = ParsePointer(path);
  if (tokens.empty()) {
    root = std::move(value);
    return;
  }
  const std::string last = tokens.back();
  tokens.pop_back();
  json::value* parent = Resolve(root, tokens);
  if (parent == nullptr) throw Invalid(op_name + " operation does not apply: doc is missing path: \"" + path + "\"");
  if (auto* object = parent->if_object()) {
    (*object)[last] = std::move(value);
  } else if (auto* array = parent->if_array()) {
    if (last == "-") {
      array->push_back(std::move(value));
      return;
    }
    auto index = ArrayIndex(last, array->size());
    if (!index) throw Invalid(op_name + " operation does not apply: index out of bounds: " + path);
    array->insert(array->begin() + static_cast<std::ptrdiff_t>(*index), std::move(value));
  } else {
    throw Invalid(op_name + " operation does not apply: doc is missing path: \"" + path + "\"");
  }
}

json::value RemoveAt(json::value& root, const std::string& path, const std::string& op_name) {
  auto tokens = ParsePointer(path);
  if (tokens.empty()) throw Invalid(op_name + " operation does not apply: cannot remove the whole document");
  const std::string last = tokens.back();
  tokens.pop_back();
  json::value* parent = Resolve(root, tokens);
  const std::string missing = op_name + " operation does not apply: doc is missing key: " + path;
  if (parent == nullptr) throw Invalid(missing);
  if (auto* object = parent->if_object()) {
    auto it = object->find(last);
    if (it == object->end()) throw Invalid(missing);
    json::value removed = it->value();
    object->erase(it);
    return removed;
  }
  if (auto* array = parent->if_array()) {
    auto index = ArrayIndex(last, array->empty() ? 0 : array->size() - 1);
    if (!index || *index >= array->size()) throw Invalid(missing);
    json::value removed = (*array)[*index];
    array->erase(array->begin() + static_cast<std::ptrdiff_t>(*index));
    return removed;
  }
  throw Invalid(missing);
}

void ApplyOperation(json::value& doc, const json::object& op) {
  const std::string name = OpField(op, "op");
  const std::string path = OpField(op, "path");
  const auto value_of = [&]() -> json::value {
    const auto* value = op.if_contains("value");
    if (value == nullptr) throw BadRequest("json patch " + name + " operation is missing 'value'");
    return *value;
  };
  if (name == "add") {
    AddAt(doc, path, value_of(), name);
  } else if (name == "remove") {
    RemoveAt(doc, path, name);
  } else if (name == "replace") {
    json::value* target = Resolve(doc, ParsePointer(path));
    if (target == nullptr) throw Invalid("replace operation does not apply: doc is missing key: " + path);
    *target = value_of();
  } else if (name == "move") {
    const std::string from = OpField(op, "from");
    if (path.starts_with(from + "/")) throw Invalid("move operation does not apply: cannot move into a child: " + path);
    json::value moved = RemoveAt(doc, from, name);
    AddAt(doc, path, std::move(moved), name);
  } else if (name == "copy") {
    const std::string from = OpField(op, "from");
    json::value* source = Resolve(doc, ParsePointer(from));
    if (source == nullptr) throw Invalid("copy operation does not apply: doc is missing from path: " + from);
    AddAt(doc, path, *source, name);
  } else if (name == "test") {
    json::value* target = Resolve(doc, ParsePointer(path));
    const json::value expected = value_of();
    const bool equal = target == nullptr ? expected.is_null() : *target == expected;
    if (!equal) throw Invalid("testing value " + path + " failed: test failed");
  } else {
    throw BadRequest("Unexpected kind: " + name);
  }
}

// ---- strategic merge ----

// The merge key of the well-known lists (patchMergeKey in the Kubernetes API types); lists
// without one are replaced whole, as for any list without a strategy.
std::optional<std::string> MergeKeyFor(std::string_view field, const json::array& sample) {
  static const std::map<std::string_view, std::string_view> kByName = {
      {"containers", "name"},
      {"initContainers", "name"},
      {"ephemeralContainers", "name"},
      {"env", "name"},
      {"volumes", "name"},
      {"imagePullSecrets", "name"},
      {"volumeMounts", "mountPath"},
      {"volumeDevices", "devicePath"},
      {"conditions", "type"},
      {"hostAliases", "ip"},
      {"ownerReferences", "uid"},
  };
  if (auto it = kByName.find(field); it != kByName.end()) return std::string(it->second);
  if (field == "ports") {
    // Container ports merge on containerPort, Service ports on port.
    for (const auto& item : sample) {
      if (item.is_object() && item.as_object().contains("containerPort")) return std::string("containerPort");
    }
    return std::string("port");
  }
  return std::nullopt;
}

json::value StrategicMerge(const json::value& original, const json::value& patch);

json::array MergeKeyedList(const json::array& original, const json::array& patch, const std::string& key) {
  json::array result = original;
  for (const auto& item : patch) {
    const auto* patch_item = item.if_object();
    const auto* key_value = patch_item ? patch_item->if_contains(key) : nullptr;
    if (key_value == nullptr) {
      result.push_back(item);
      continue;
    }
    auto match = std::find_if(result.begin(), result.end(), [&](const json::value& existing) {
      const auto* object = existing.if_object();
      const auto* existing_key = object ? object->if_contains(key) : nullptr;
      return existing_key != nullptr && *existing_key == *key_value;
    });
    const auto* directive = patch_item->if_contains("$patch");
    if (directive != nullptr && directive->is_string() && directive->as_string() == "delete") {
      if (match != result.end()) result.erase(match);
      continue;
    }
    if (match != result.end()) {
      *match = StrategicMerge(*match, item);
    } else {
      result.push_back(StrategicMerge(json::object(), item));
    }
  }
  return result;
}

json::value StrategicMerge(const json::value& original, const json::value& patch) {
  const auto* patch_object = patch.if_object();
  if (patch_object == nullptr) return patch;
  if (const auto* directive = patch_object->if_contains("$patch")) {
    if (directive->is_string() && directive->as_string() == "replace") {
      json::object replaced = *patch_object;
      replaced.erase("$patch");
      return replaced;
    }
    if (directive->is_string() && directive->as_string() == "delete") return json::value();
  }
  json::object result = original.is_object() ? original.as_object() : json::object();
  for (const auto& [raw_key, value] : *patch_object) {
    const std::string_view key = raw_key;
    // Ordering and retain-keys directives only steer the order and pruning of the real merge.
    if (key.starts_with("$setElementOrder/") || key == "$retainKeys" || key == "$patch") continue;
    if (key.starts_with("$deleteFromPrimitiveList/")) {
      const auto field = key.substr(std::string_view("$deleteFromPrimitiveList/").size());
      if (auto* list = result.if_contains(field); list && list->is_array() && value.is_array()) {
        auto& items = list->as_array();
        for (const auto& gone : value.as_array()) {
          items.erase(std::remove(items.begin(), items.end(), gone), items.end());
        }
      }
      continue;
    }
    if (value.is_null()) {
      result.erase(key);
      continue;
    }
    const json::value* existing = result.if_contains(key);
    if (value.is_array() && existing != nullptr && existing->is_array()) {
      auto merge_key = MergeKeyFor(key, existing->as_array());
      if (merge_key) {
        result[key] = MergeKeyedList(existing->as_array(), value.as_array(), *merge_key);
        continue;
      }
    }
    if (value.is_object()) {
      json::value merged = StrategicMerge(existing ? *existing : json::value(json::object()), value);
      if (merged.is_null()) {
        result.erase(key);
      } else {
        result[key] = std::move(merged);
      }
      continue;
    }
    result[key] = value;
  }
  return result;
}

}  // namespace

json::value ApplyJsonPatch(const json::value& document, const json::value& patch) {
  if (!patch.is_array()) throw BadRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
  json::value doc = document;
  for (const auto& op : patch.as_array()) {
    if (!op.is_object()) throw BadRequest("json patch operation is not an object");
    ApplyOperation(doc, op.as_object());
  }
  return doc;
}

json::value ApplyMergePatch(const json::value& target, const json::value& patch) {
  if (!patch.is_object()) return patch;
  json::object result = target.is_object() ? target.as_object() : json::object();
  for (const auto& [key, value] : patch.as_object()) {
    if (value.is_null()) {
      result.erase(key);
    } else {
      const json::value* existing = result.if_contains(key);
      result[key] = ApplyMergePatch(existing ? *existing : json::value(), value);
    }
  }
  return result;
}

json::value ApplyStrategicMergePatch(const json::value& target, const json::value& patch) {
  if (!patch.is_object()) throw BadRequest("strategic merge patch must be a JSON object");
  return StrategicMerge(target, patch);
}

}  // namespace runbookd::testing::fake_kube
