#include "daemon/clients/k8s/tls_context.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/buffer.hpp>

namespace runbookd::k8s {

namespace {

// Asio's error for an OpenSSL failure names the reason ("no start line", "key values mismatch"),
// never the data being parsed. Clears whatever else OpenSSL queued.
std::string Reason(const boost::system::error_code& ec) {
  ERR_clear_error();
  return ec.message();
}

}  // namespace

TlsContextOrError BuildTlsContext(const std::string& ca_pem, const std::string& cert_pem, const config::Secret& key_pem,
                                  bool insecure_skip_verify) {
  namespace ssl = boost::asio::ssl;
  TlsContextOrError out;
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  SSL_CTX* native = ctx->native_handle();
  // client-go (Go's crypto/tls) offers TLS 1.2 and newer.
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION);
  ERR_clear_error();

  boost::system::error_code ec;
  if (!ca_pem.empty()) {
    ctx->add_certificate_authority(boost::asio::buffer(ca_pem), ec);
    if (ec) {
      out.error = "certificate-authority: cannot load the CA certificates: " + Reason(ec);
      return out;
    }
  } else {
    ctx->set_default_verify_paths(ec);
    if (ec) {
      out.error = "cannot load the system CA certificates: " + Reason(ec);
      return out;
    }
  }

  if (cert_pem.empty() != key_pem.empty()) {
    out.error =
        cert_pem.empty() ? "a client key needs a client certificate" : "a client certificate needs a client key";
    return out;
  }
  if (!cert_pem.empty()) {
    ctx->use_certificate_chain(boost::asio::buffer(cert_pem), ec);
    if (ec) {
      out.error = "cannot load the client certificate: " + Reason(ec);
      return out;
    }
    ctx->use_private_key(boost::asio::buffer(key_pem.Reveal()), ssl::context::pem, ec);
    if (ec) {
      out.error = "cannot load the client key: " + Reason(ec);
      return out;
    }
    if (SSL_CTX_check_private_key(native) != 1) {
      ERR_clear_error();
      out.error = "the client key does not match the client certificate";
      return out;
    }
  }
  SSL_CTX_set_verify(native, insecure_skip_verify ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, nullptr);
  out.context = std::move(ctx);
  return out;
}

}  // namespace runbookd::k8s
