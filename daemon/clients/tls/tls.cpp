#include "daemon/clients/tls/tls.hpp"

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/error.hpp>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>

namespace runbookd::tls {

namespace {

std::string Quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

// The reason of the most recent OpenSSL error, then clears the queue so that it cannot leak
// into a later, unrelated call on this thread.
std::string TakeOpenSslError() {
  unsigned long code = 0;
  unsigned long last = 0;
  while ((code = ERR_get_error()) != 0) last = code;
  if (last == 0) return "unknown OpenSSL error";
  const char* reason = ERR_reason_error_string(last);
  return reason != nullptr ? reason : "OpenSSL error " + std::to_string(last);
}

// A readable file, or the errno text why not (OpenSSL's own message for a missing file is vague).
std::string CheckReadable(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::strerror(errno);
  return {};
}

std::optional<int64_t> UnixSeconds(const ASN1_TIME* time) {
  if (time == nullptr) return std::nullopt;
  std::tm tm{};
  if (ASN1_TIME_to_tm(time, &tm) != 1) return std::nullopt;
  return static_cast<int64_t>(timegm(&tm));
}

std::string SubjectOf(const X509* cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr) return {};
  X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(len > 0 ? len : 0));
  BIO_free(bio);
  return out;
}

bool IsIpAddress(const std::string& host) {
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

ContextOrError MakeClientContext(const TlsOptions& options) {
  namespace ssl = boost::asio::ssl;
  ContextOrError out;
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  SSL_CTX* native = ctx->native_handle();
  // Go's crypto/tls (and so blackbox_exporter) offers TLS 1.2 and newer by default.
  int min_version = TLS1_2_VERSION;
  if (options.min_version == "TLS10") min_version = TLS1_VERSION;
  if (options.min_version == "TLS11") min_version = TLS1_1_VERSION;
  if (options.min_version == "TLS13") min_version = TLS1_3_VERSION;
  SSL_CTX_set_min_proto_version(native, min_version);
  // OpenSSL 3's default security level refuses TLS 1.0/1.1 even when asked for explicitly.
  if (min_version < TLS1_2_VERSION) SSL_CTX_set_security_level(native, 0);
  SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION);
  ERR_clear_error();

  auto fail = [&out](const char* key, std::string message) {
    out.key = key;
    out.error = std::move(message);
    return out;
  };

  if (!options.ca_file.empty()) {
    // Like Go: a configured CA file replaces the system pool instead of adding to it.
    if (auto err = CheckReadable(options.ca_file); !err.empty()) {
      return fail("ca_file", "cannot read " + Quoted(options.ca_file) + ": " + err);
    }
    if (SSL_CTX_load_verify_locations(native, options.ca_file.c_str(), nullptr) != 1) {
      return fail("ca_file", "cannot load CA certificates from " + Quoted(options.ca_file) + ": " + TakeOpenSslError());
    }
  } else if (SSL_CTX_set_default_verify_paths(native) != 1) {
    return fail("ca_file", "cannot load the system CA certificates: " + TakeOpenSslError());
  }

  if (options.cert_file.empty() != options.key_file.empty()) {
    return options.cert_file.empty() ? fail("key_file", "key_file needs cert_file")
                                     : fail("cert_file", "cert_file needs key_file");
  }
  if (!options.cert_file.empty()) {
    if (auto err = CheckReadable(options.cert_file); !err.empty()) {
      return fail("cert_file", "cannot read " + Quoted(options.cert_file) + ": " + err);
    }
    if (auto err = CheckReadable(options.key_file); !err.empty()) {
      return fail("key_file", "cannot read " + Quoted(options.key_file) + ": " + err);
    }
    if (SSL_CTX_use_certificate_chain_file(native, options.cert_file.c_str()) != 1) {
      return fail("cert_file", "cannot load certificate " + Quoted(options.cert_file) + ": " + TakeOpenSslError());
    }
    // The key's contents never appear in the message; only its path.
    if (SSL_CTX_use_PrivateKey_file(native, options.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
      return fail("key_file", "cannot load private key " + Quoted(options.key_file) + ": " + TakeOpenSslError());
    }
    if (SSL_CTX_check_private_key(native) != 1) {
      return fail("key_file", "private key " + Quoted(options.key_file) + " does not match the certificate");
    }
  }
  SSL_CTX_set_verify(native, options.insecure_skip_verify ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, nullptr);
  out.context = std::move(ctx);
  return out;
}

TlsOptions ReadTlsOptions(const config::Node& node) {
  TlsOptions o;
  o.ca_file = node["ca_file"].AsString();
  o.cert_file = node["cert_file"].AsString();
  o.key_file = node["key_file"].AsString();
  o.server_name = node["server_name"].AsString();
  o.insecure_skip_verify = node["insecure_skip_verify"].AsBool(false);
  o.min_version = node["min_version"].AsEnum({"TLS10", "TLS11", "TLS12", "TLS13"}, "");
  return o;
}

std::shared_ptr<boost::asio::ssl::context> ReadTlsContext(const config::Node& node, TlsOptions* options_out) {
  TlsOptions options = ReadTlsOptions(node);
  ContextOrError built = MakeClientContext(options);
  if (!built.context) {
    node[built.key].Error(built.error);
    return nullptr;
  }
  if (options_out != nullptr) *options_out = std::move(options);
  return built.context;
}

std::string EffectiveServerName(const TlsOptions& options, std::string_view host) {
  if (!options.server_name.empty()) return options.server_name;
  // A bracketed IPv6 literal from a URL authority.
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    return std::string(host.substr(1, host.size() - 2));
  return std::string(host);
}

boost::system::error_code PrepareClientConnection(SSL* ssl, const std::string& server_name, bool insecure_skip_verify) {
  const bool is_ip = IsIpAddress(server_name);
  ERR_clear_error();
  if (!is_ip && !server_name.empty() && SSL_set_tlsext_host_name(ssl, server_name.c_str()) != 1) {
    return {static_cast<int>(ERR_get_error()), boost::asio::error::get_ssl_category()};
  }
  if (insecure_skip_verify) {
    SSL_set_verify(ssl, SSL_VERIFY_NONE, nullptr);
    return {};
  }
  SSL_set_verify(ssl, SSL_VERIFY_PEER, nullptr);
  if (server_name.empty()) return {};
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  int ok = 0;
  if (is_ip) {
    ok = X509_VERIFY_PARAM_set1_ip_asc(param, server_name.c_str());
  } else {
    // Go accepts a wildcard only as the whole leftmost label; so does this flag.
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    ok = X509_VERIFY_PARAM_set1_host(param, server_name.c_str(), server_name.size());
  }
  if (ok != 1) return {static_cast<int>(ERR_get_error()), boost::asio::error::get_ssl_category()};
  return {};
}

std::string TlsVersionName(const SSL* ssl) {
  if (ssl == nullptr || SSL_is_init_finished(ssl) != 1) return {};
  switch (SSL_version(ssl)) {
    case TLS1_VERSION:
      return "TLS 1.0";
    case TLS1_1_VERSION:
      return "TLS 1.1";
    case TLS1_2_VERSION:
      return "TLS 1.2";
    case TLS1_3_VERSION:
      return "TLS 1.3";
    default:
      return SSL_get_version(ssl);
  }
}

PeerChainInfo InspectPeerChain(const SSL* ssl) {
  PeerChainInfo info;
  if (ssl == nullptr) return info;
  info.tls_version = TlsVersionName(ssl);
  const X509* leaf = SSL_get0_peer_certificate(ssl);
  if (leaf == nullptr) return info;
  info.has_certificate = true;
  info.leaf_not_after = UnixSeconds(X509_get0_notAfter(leaf));
  info.leaf_not_before = UnixSeconds(X509_get0_notBefore(leaf));
  info.leaf_subject = SubjectOf(leaf);
  info.earliest_not_after = info.leaf_not_after;
  // On a client the peer chain starts with the leaf; blackbox takes the minimum over all of it.
  if (STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl)) {
    for (int i = 0; i < sk_X509_num(chain); ++i) {
      auto t = UnixSeconds(X509_get0_notAfter(sk_X509_value(chain, i)));
      if (t && (!info.earliest_not_after || *t < *info.earliest_not_after)) info.earliest_not_after = t;
    }
  }
  return info;
}

ProbeReason ReasonForVerifyResult(long verify_result) {
  switch (verify_result) {
    case X509_V_OK:
      return ProbeReason::kOk;
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return ProbeReason::kCertExpired;
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
    case X509_V_ERR_EMAIL_MISMATCH:
      return ProbeReason::kCertHostnameMismatch;
    default:
      // Unknown issuer, self-signed, bad signature, not yet valid, revoked, ...
      return ProbeReason::kCertUntrusted;
  }
}

HandshakeFailure ClassifyHandshakeFailure(const SSL* ssl, const boost::system::error_code& ec) {
  HandshakeFailure f;
  // With verification off OpenSSL still records a verify result; it did not cause the failure.
  if (ssl != nullptr && (SSL_get_verify_mode(ssl) & SSL_VERIFY_PEER) != 0) {
    const long verify = SSL_get_verify_result(ssl);
    if (verify != X509_V_OK) {
      f.reason = ReasonForVerifyResult(verify);
      f.message = std::string("certificate verify failed: ") + X509_verify_cert_error_string(verify);
      return f;
    }
  }
  f.reason = ProbeReason::kTlsError;
  f.message = "TLS handshake failed: " + (ec ? ec.message() : std::string("unknown error"));
  return f;
}

}  // namespace runbookd::tls
