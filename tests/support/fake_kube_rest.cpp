// The HTTP side of the fake API server: authentication, injected faults, the request log,
// /version, discovery, and routing of resource URLs to reads (here) and writes
// (fake_kube_writes.cpp).

#include <algorithm>
#include <cctype>

#include "tests/support/fake_kube_internal.hpp"

namespace runbookd::testing::fake_kube {

namespace {

std::string PercentDecode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::string Header(const TestRequest& request, const std::string& name) {
  auto it = request.headers.find(name);
  return it == request.headers.end() ? std::string() : it->second;
}

std::string ReasonFor(int status) {
  switch (status) {
    case 400:
      return "BadRequest";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "NotFound";
    case 405:
      return "MethodNotAllowed";
    case 409:
      return "Conflict";
    case 410:
      return "Expired";
    case 422:
      return "Invalid";
    case 429:
      return "TooManyRequests";
    case 500:
      return "InternalError";
    case 503:
      return "ServiceUnavailable";
    case 504:
      return "Timeout";
    default:
      return "Unknown";
  }
}

TestResponse Json(int status, const json::value& body) {
  return {status, {{"Content-Type", "application/json"}}, json::serialize(body)};
}

TestResponse StatusResponse(const ApiError& error) {
  return Json(error.code(), StatusBody(error.code(), error.reason(), error.what(), error.details()));
}

bool Authorized(const State& state, const TestRequest& request) {
  switch (state.options.auth) {
    case KubeAuth::kNone:
      return true;
    case KubeAuth::kBearerToken:
      return Header(request, "authorization") == "Bearer " + state.options.token;
    case KubeAuth::kClientCert:
      // The TLS handshake already required a certificate from the client CA.
      return !request.client_cert_subject.empty();
  }
  return false;
}

std::optional<TestResponse> InjectedFault(State& state, const std::string& method, const std::string& path) {
  for (auto& fault : state.faults) {
    if (fault.remaining <= 0 || (!fault.method.empty() && fault.method != method)) continue;
    if (!path.starts_with(fault.path_prefix)) continue;
    --fault.remaining;
    const std::string message = fault.message.empty() ? "injected failure" : fault.message;
    return StatusResponse(ApiError(fault.status, ReasonFor(fault.status), message));
  }
  return std::nullopt;
}

std::optional<Hold> TakeHold(State& state, const std::string& method, const std::string& path) {
  for (auto it = state.holds.begin(); it != state.holds.end(); ++it) {
    if ((!it->method.empty() && it->method != method) || !path.starts_with(it->path_prefix)) continue;
    Hold hold = *it;
    state.holds.erase(it);
    return hold;
  }
  return std::nullopt;
}

std::vector<std::string> Segments(std::string_view path) {
  std::vector<std::string> out;
  size_t start = 1;
  while (start <= path.size()) {
    const size_t slash = path.find('/', start);
    const auto part = path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (!part.empty()) out.push_back(PercentDecode(part));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return out;
}

TestResponse PageNotFound() { return {404, {{"Content-Type", "text/plain; charset=utf-8"}}, "404 page not found\n"}; }

// Parses /api/v1/... and /apis/G/V/... into a resource call; nullopt for any other path.
std::optional<ResourceCall> Route(const std::string& path) {
  const auto parts = Segments(path);
  size_t at = 0;
  ResourceCall call;
  std::string group, version;
  if (parts.size() >= 2 && parts[0] == "api") {
    version = parts[1];
    at = 2;
  } else if (parts.size() >= 3 && parts[0] == "apis") {
    group = parts[1];
    version = parts[2];
    at = 3;
  } else {
    return std::nullopt;
  }
  std::vector<std::string> rest(parts.begin() + static_cast<std::ptrdiff_t>(at), parts.end());
  if (rest.empty()) return std::nullopt;
  if (rest.size() >= 3 && rest[0] == "namespaces") {
    const auto* type = FindResource(group, version, rest[2]);
    if (type != nullptr && type->namespaced) {
      call.type = type;
      call.ns = rest[1];
      rest.erase(rest.begin(), rest.begin() + 3);
      if (!rest.empty()) call.name = rest[0];
      if (rest.size() >= 2) call.subresource = rest[1];
      return rest.size() > 2 ? std::nullopt : std::optional(call);
    }
  }
  call.type = FindResource(group, version, rest[0]);
  if (call.type == nullptr || rest.size() > 3) return std::nullopt;
  if (rest.size() >= 2) call.name = rest[1];
  if (rest.size() >= 3) call.subresource = rest[2];
  // A namespaced resource is only listed (across namespaces) without a namespace in the path.
  if (call.type->namespaced && !call.name.empty()) return std::nullopt;
  return call;
}

TestResponse List(State& state, const ResourceCall& call) {
  std::optional<LabelSelector> labels;
  std::optional<FieldSelector> fields;
  if (auto it = call.query.find("labelSelector"); it != call.query.end() && !it->second.empty()) {
    labels = LabelSelector::Parse(it->second);
  }
  if (auto it = call.query.find("fieldSelector"); it != call.query.end() && !it->second.empty()) {
    fields = FieldSelector::Parse(it->second, *call.type);
  }
  auto watch = call.query.find("watch");
  if (watch != call.query.end() && (watch->second == "true" || watch->second == "1")) {
    // No events since the list: an empty stream, which the client treats as a closed watch.
    return {200, {{"Content-Type", "application/json"}}, ""};
  }
  json::array items;
  const json::object no_labels;
  for (const auto* object : state.ObjectsOf(call.type->kind, call.ns)) {
    const auto* object_labels = FindPath(*object, {"metadata", "labels"});
    if (labels &&
        !labels->Matches(object_labels && object_labels->is_object() ? object_labels->as_object() : no_labels)) {
      continue;
    }
    if (fields && !fields->Matches(*object)) continue;
    items.push_back(*object);
  }
  return Json(200, json::object{{"kind", call.type->kind + "List"},
                                {"apiVersion", ApiVersionOf(*call.type)},
                                {"metadata", json::object{{"resourceVersion", std::to_string(state.resource_version)}}},
                                {"items", std::move(items)}});
}

TestResponse PodLog(State& state, const ResourceCall& call) {
  const json::object& pod = Existing(state, call);
  std::string text;
  if (auto it = state.pod_logs.find(KeyOf(pod)); it != state.pod_logs.end()) {
    text = it->second;
  } else {
    text = "2024-05-01T10:00:00Z starting " + call.name + "\n2024-05-01T10:00:01Z listening on :8080\n";
  }
  if (auto tail = call.query.find("tailLines"); tail != call.query.end()) {
    const long keep = std::stol(tail->second);
    if (keep <= 0) text.clear();
    long lines = 0;
    for (size_t i = text.size(); i-- > 0;) {
      if (text[i] == '\n' && i + 1 < text.size() && ++lines >= keep) {
        text = text.substr(i + 1);
        break;
      }
    }
  }
  return {200, {{"Content-Type", "text/plain"}}, text};
}

TestResponse Dispatch(State& state, const TestRequest& request, const ResourceCall& call) {
  const std::string& method = request.method;
  if (call.subresource.empty()) {
    if (call.name.empty()) {
      if (method == "GET") return List(state, call);
      if (method == "POST") return Json(201, Create(state, call, request.body));
      return StatusResponse(
          ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource"));
    }
    if (method == "GET") return Json(200, Existing(state, call));
    if (method == "PUT") return Json(200, Replace(state, call, request.body));
    if (method == "PATCH") return Json(200, Patch(state, call, Header(request, "content-type"), request.body));
    if (method == "DELETE") return Json(200, Delete(state, call, request.body));
  } else if (call.subresource == "log" && call.type->kind == "Pod" && method == "GET") {
    return PodLog(state, call);
  } else if (call.subresource == "scale" && call.type->kind == "Deployment") {
    if (method == "GET") return Json(200, ScaleOf(Existing(state, call)));
    if (method == "PUT") return Json(200, ReplaceScale(state, call, request.body));
    if (method == "PATCH") return Json(200, PatchScale(state, call, Header(request, "content-type"), request.body));
  } else if (call.subresource == "status" && call.type->has_status) {
    if (method == "GET") return Json(200, Existing(state, call));
    if (method == "PUT") return Json(200, Replace(state, call, request.body));
    if (method == "PATCH") return Json(200, Patch(state, call, Header(request, "content-type"), request.body));
  } else {
    return PageNotFound();
  }
  return StatusResponse(
      ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource"));
}

}  // namespace

std::map<std::string, std::string> ParseQuery(std::string_view query) {
  std::map<std::string, std::string> out;
  size_t start = 0;
  while (start < query.size()) {
    size_t amp = query.find('&', start);
    if (amp == std::string_view::npos) amp = query.size();
    const auto pair = query.substr(start, amp - start);
    const size_t eq = pair.find('=');
    if (!pair.empty()) {
      out[PercentDecode(pair.substr(0, eq))] = eq == std::string_view::npos ? "" : PercentDecode(pair.substr(eq + 1));
    }
    start = amp + 1;
  }
  return out;
}

const json::object& Existing(const State& state, const ResourceCall& call) {
  auto it = state.objects.find(ObjectKey{call.type->kind, call.ns, call.name});
  if (it == state.objects.end()) throw NotFound(*call.type, call.name);
  return it->second;
}

json::object StatusBody(int code, const std::string& reason, const std::string& message, const json::object& details) {
  json::object body{{"kind", "Status"},    {"apiVersion", "v1"}, {"metadata", json::object()},
                    {"status", "Failure"}, {"message", message}, {"reason", reason}};
  if (!details.empty()) body["details"] = details;
  body["code"] = code;
  return body;
}

ApiError NotFound(const ResourceType& type, const std::string& name) {
  return ApiError(404, "NotFound", GroupResourceOf(type) + " \"" + name + "\" not found",
                  {{"name", name}, {"group", type.group}, {"kind", type.resource}});
}

ApiError AlreadyExists(const ResourceType& type, const std::string& name) {
  return ApiError(409, "AlreadyExists", GroupResourceOf(type) + " \"" + name + "\" already exists",
                  {{"name", name}, {"group", type.group}, {"kind", type.resource}});
}

ApiError Modified(const ResourceType& type, const std::string& name) {
  return ApiError(409, "Conflict",
                  "Operation cannot be fulfilled on " + GroupResourceOf(type) + " \"" + name +
                      "\": the object has been modified; please apply your changes to the latest version and try again",
                  {{"name", name}, {"group", type.group}, {"kind", type.resource}});
}

ApiError BadRequest(const std::string& message) { return ApiError(400, "BadRequest", message); }

ApiError Invalid(const std::string& cause) {
  // The server wraps a patch that cannot be applied in a generic 422 with the cause in details.
  return ApiError(422, "Invalid", "the server rejected our request due to an error in our request",
                  {{"causes", json::array{json::object{{"reason", "UnexpectedServerResponse"}, {"message", cause}}}}});
}

TestResponse HandleRequest(State& state, const TestRequest& request) {
  KubeRequestRecord record;
  record.method = request.method;
  record.target = request.target;
  const size_t question = request.target.find('?');
  record.path = request.target.substr(0, question);
  if (question != std::string::npos) record.query = ParseQuery(std::string_view(request.target).substr(question + 1));
  record.content_type = Header(request, "content-type");
  record.accept = Header(request, "accept");
  record.user_agent = Header(request, "user-agent");
  record.authorization = Header(request, "authorization");
  record.client_cert_subject = request.client_cert_subject;
  record.body = request.body;

  std::lock_guard lock(state.mu);
  const auto hold = TakeHold(state, request.method, record.path);
  if (hold && hold->what == HeldRequest::kNotApplied) {
    record.held = true;
    state.requests.push_back(std::move(record));
    TestResponse lost = StatusResponse(ApiError(504, "Timeout", "the request was lost"));
    lost.delay = hold->duration;
    return lost;
  }
  TestResponse response;
  try {
    if (!Authorized(state, request)) {
      response = StatusResponse(ApiError(401, "Unauthorized", "Unauthorized"));
    } else if (auto fault = InjectedFault(state, request.method, record.path)) {
      response = *fault;
    } else if (record.path == "/version") {
      response = Json(200, VersionDocument(state.version_minor));
    } else if (auto document = DiscoveryDocument(record.path, state.port)) {
      // Plain application/json (not the aggregated discovery type) makes clients use legacy discovery.
      response = Json(200, *document);
    } else if (auto call = Route(record.path)) {
      call->query = record.query;
      if (auto dry_run = record.query.find("dryRun"); dry_run != record.query.end()) {
        if (dry_run->second != "All") throw BadRequest("Invalid dryRun value: " + dry_run->second);
        call->dry_run = true;
      }
      response = Dispatch(state, request, *call);
    } else {
      response = PageNotFound();
    }
  } catch (const ApiError& error) {
    response = StatusResponse(error);
  } catch (const std::exception& error) {
    response = StatusResponse(ApiError(500, "InternalError", std::string("Internal error occurred: ") + error.what()));
  }
  record.status = response.status;
  if (hold) {
    record.held = true;
    response.delay = hold->duration;
  }
  state.requests.push_back(std::move(record));
  return response;
}

}  // namespace runbookd::testing::fake_kube
