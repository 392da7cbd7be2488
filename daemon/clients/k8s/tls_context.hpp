#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "config/secret.hpp"

namespace runbookd::k8s {

// A client TLS context built from PEM held in memory (kubeconfig `*-data` keys, files already
// read, or an exec plugin's certificate), or why it could not be built. The error names what was
// at fault ("certificate-authority", "client certificate", "client key") and never the PEM.
struct TlsContextOrError {
  std::shared_ptr<boost::asio::ssl::context> context;
  std::string error;
};

// `ca_pem` empty: the system's CAs. A configured CA replaces them, as in client-go.
// `cert_pem`/`key_pem` empty: no client certificate.
TlsContextOrError BuildTlsContext(const std::string& ca_pem, const std::string& cert_pem, const config::Secret& key_pem,
                                  bool insecure_skip_verify);

}  // namespace runbookd::k8s
