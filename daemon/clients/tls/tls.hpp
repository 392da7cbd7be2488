#pragma once

#include <openssl/ssl.h>

#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "config/node.hpp"
#include "daemon/core/probe_result.hpp"

namespace runbookd::tls {

// Client-side TLS settings: the keys of blackbox_exporter's `tls_config`.
struct TlsOptions {
  std::string ca_file;    // PEM bundle to trust; empty = the system's CAs
  std::string cert_file;  // client certificate (PEM) for mutual TLS; needs key_file
  std::string key_file;
  std::string server_name;  // name to send as SNI and to verify; empty = the host being contacted
  bool insecure_skip_verify = false;
  std::string min_version;  // "TLS10" | "TLS11" | "TLS12" | "TLS13"; empty = TLS 1.2, Go's default
};

// A context or the reason it could not be built. `key` names the option at fault
// ("ca_file", "cert_file", "key_file") so config code can report the error at that key.
struct ContextOrError {
  std::shared_ptr<boost::asio::ssl::context> context;
  std::string key;
  std::string error;
};

// Builds a client context (TLS 1.2 or newer unless min_version says otherwise). Build it once, when the probe or client
// is constructed; it is then shared read-only by every connection.
ContextOrError MakeClientContext(const TlsOptions& options);

// Reads the tls_config keys (ca_file, cert_file, key_file, server_name, insecure_skip_verify,
// min_version) from `node`, a mapping: a blackbox `tls_config:` block or a runbookd spec with the keys inline.
// Checks that cert_file and key_file come together. Errors are recorded on the node.
TlsOptions ReadTlsOptions(const config::Node& node);

// ReadTlsOptions + MakeClientContext, with a context error recorded at the key at fault.
// Returns nullptr (and has recorded an error) when the context cannot be built.
std::shared_ptr<boost::asio::ssl::context> ReadTlsContext(const config::Node& node, TlsOptions* options_out = nullptr);

// The name a connection to `host` must present and verify: options.server_name if set, else host.
std::string EffectiveServerName(const TlsOptions& options, std::string_view host);

// Prepares one client connection before its handshake: sends SNI (only for names; RFC 6066
// forbids IP literals there) and, unless insecure_skip_verify, makes OpenSSL verify the chain and
// that the leaf covers `server_name` (as a DNS name, or as an IP address when it is one). Because
// OpenSSL itself checks the name, a mismatch shows up in SSL_get_verify_result.
boost::system::error_code PrepareClientConnection(SSL* ssl, const std::string& server_name, bool insecure_skip_verify);

// What the peer presented, read after a successful handshake. Times are unix seconds.
struct PeerChainInfo {
  bool has_certificate = false;
  std::optional<int64_t> earliest_not_after;  // over every certificate the peer sent
  std::optional<int64_t> leaf_not_after;
  std::optional<int64_t> leaf_not_before;
  std::string leaf_subject;  // one-line RFC 2253 form
  std::string tls_version;   // "TLS 1.3", as blackbox's probe_tls_version_info labels it
};
PeerChainInfo InspectPeerChain(const SSL* ssl);

// "TLS 1.2" / "TLS 1.3" for the negotiated protocol (empty before a handshake).
std::string TlsVersionName(const SSL* ssl);

// Why a handshake failed. Certificate problems come from SSL_get_verify_result; anything
// else is kTlsError. `message` is human text without secrets, e.g. "certificate has expired".
struct HandshakeFailure {
  ProbeReason reason = ProbeReason::kTlsError;
  std::string message;
};
HandshakeFailure ClassifyHandshakeFailure(const SSL* ssl, const boost::system::error_code& ec);

// Maps an X509_V_ERR_* code to a reason (X509_V_OK gives kOk).
ProbeReason ReasonForVerifyResult(long verify_result);

}  // namespace runbookd::tls
