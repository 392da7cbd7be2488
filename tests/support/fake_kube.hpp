#pragma once

// A fake Kubernetes API server for tests, held to the real kubectl (1.27-1.33 via the image's
// dispatcher, chosen by this fake's /version). It serves legacy discovery, CRUD, LIST with label
// and field selectors, the three patch types, the deployments/scale subresource, pod logs, and a
// minimal Deployment controller, so that kubectl and runbookd's native client can act on two
// copies of one state and be compared object by object.

#include <boost/json.hpp>  // whole: tests handling the fake's objects parse and serialize them too
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace runbookd::testing {

class TestCerts;
class TestHttpServer;
namespace fake_kube {
struct State;
}

enum class KubeAuth {
  kNone,
  kBearerToken,  // `Authorization: Bearer <token>` required, else 401
  kClientCert,   // TLS with a client CA; a certificate from another CA fails the handshake
};

// What the fake does with a request HoldNext catches. Either way the client gets no answer for
// as long as the hold lasts, as when runbookd is killed while it waits for one.
enum class HeldRequest {
  kApplied,     // the server received the whole request: it is carried out, only the answer is held back
  kNotApplied,  // the request never got through: nothing is changed
};

struct FakeKubeOptions {
  std::string version_minor = "29";  // selects the kubectl release the dispatcher runs
  KubeAuth auth = KubeAuth::kNone;
  std::string token = "fake-kube-token-4c1d9e";
  // Serve HTTPS. Unset means: on with a credential (kubectl sends no bearer token to an http://
  // server at all), off for kNone. kClientCert always uses TLS.
  std::optional<bool> tls;
  bool deployment_controller = true;
};

// One request as the fake received it.
struct KubeRequestRecord {
  std::string method;
  std::string target;                        // path and query, as sent
  std::string path;                          // without the query
  std::map<std::string, std::string> query;  // decoded parameters
  std::string content_type;
  std::string accept;
  std::string user_agent;
  std::string authorization;
  std::string client_cert_subject;
  std::string body;
  int status = 0;     // what the fake answered (for a held request: would answer; 0 when not applied)
  bool held = false;  // caught by HoldNext: no answer within the hold

  // True for /version and discovery (/api, /apis, /api/v1, /apis/G/V), which every kubectl run sends.
  bool IsDiscovery() const;
};

// The credential a kubeconfig carries; empty fields are left out.
struct KubeconfigCredential {
  std::string token;
  std::string client_cert_file;
  std::string client_key_file;
};

class FakeKube {
 public:
  explicit FakeKube(FakeKubeOptions options = {});
  ~FakeKube();
  FakeKube(const FakeKube&) = delete;
  FakeKube& operator=(const FakeKube&) = delete;

  // ---- the server ----
  std::string Url() const;  // "http(s)://127.0.0.1:PORT"
  uint16_t port() const;
  std::string ca_cert_file() const;      // the CA that signed the server certificate; empty without TLS
  std::string client_cert_file() const;  // a client certificate the fake accepts (kClientCert)
  std::string client_key_file() const;
  std::string token() const;                               // the bearer token the fake requires (kBearerToken)
  const TestCerts* certs() const { return certs_.get(); }  // null without TLS

  // ---- behaviour ----
  void SetVersionMinor(std::string minor);
  void SetDeploymentController(bool enabled);
  // The next `count` requests whose method equals `method` ("" = any) and whose path starts with
  // `path_prefix` are answered `status` with a Status body (reason derived from the status).
  void FailNext(std::string method, std::string path_prefix, int count, int status, std::string message = {});
  // The next request whose method equals `method` ("" = any) and whose path starts with
  // `path_prefix` is held: applied or not as `what` says, and answered only after `hold`.
  void HoldNext(std::string method, std::string path_prefix, HeldRequest what,
                std::chrono::milliseconds hold = std::chrono::minutes(10));
  void SetPodLog(std::string_view ns, std::string_view pod, std::string text);

  // ---- state (thread-safe; the server thread shares it) ----
  // Creates or replaces by kind/namespace/name. Assigns what the server would (uid, timestamps,
  // resourceVersion, generation) when absent, normalises, and returns the stored object. It is a
  // raw write: no status preservation, no controller.
  boost::json::object Put(boost::json::object object);
  std::optional<boost::json::object> Get(std::string_view kind, std::string_view ns, std::string_view name) const;
  std::vector<boost::json::object> List(std::string_view kind, std::string_view ns = {}) const;  // "" = all
  bool Remove(std::string_view kind, std::string_view ns, std::string_view name);
  // Every object, the counters and the uid seed: a fake that loads it makes the same uids and
  // resourceVersions from then on as this one would.
  boost::json::value DumpState() const;
  void LoadState(const boost::json::value& state);
  // Every object keyed "Kind ns/name", with volatile fields removed or masked (resourceVersion,
  // creationTimestamp, managedFields, the restartedAt annotation's value), for comparing two fakes.
  boost::json::object Snapshot() const;

  // ---- requests ----
  std::vector<KubeRequestRecord> Requests() const;
  std::vector<KubeRequestRecord> ApiRequests() const;  // without /version and discovery
  void ClearRequests();

  // Writes DIR/kubeconfig for this fake (its credential, CA, namespace "production") and
  // returns its path. The second form swaps in another credential.
  std::string WriteKubeconfig(const std::string& dir) const;
  std::string WriteKubeconfig(const std::string& dir, const KubeconfigCredential& credential) const;

 private:
  std::unique_ptr<fake_kube::State> state_;
  std::unique_ptr<TestCerts> certs_;
  std::string client_cert_file_;
  std::string client_key_file_;
  std::unique_ptr<TestHttpServer> server_;
};

// JSON with object keys sorted and two-space indentation: for comparing snapshots and printing diffs.
std::string CanonicalJsonText(const boost::json::value& value);

}  // namespace runbookd::testing
