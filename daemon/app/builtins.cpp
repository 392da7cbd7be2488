#include "daemon/app/builtins.hpp"

#include "probes/dns/dns_probe.hpp"
#include "probes/http/http_probe.hpp"
#include "probes/tcp/tcp_probe.hpp"
#include "probes/tls_cert/tls_cert_probe.hpp"

namespace runbookd {

Registry MakeBuiltinRegistry() {
  Registry r;
  // Probe types (`probes[].type`).
  r.AddProbeType("dns", probes::dns::MakeProbeFactory());
  r.AddProbeType("http", probes::http::MakeProbeFactory());
  r.AddProbeType("tcp", probes::tcp::MakeProbeFactory());
  r.AddProbeType("tls_cert", probes::tls_cert::MakeProbeFactory());
  // blackbox_exporter probers (`modules.*.prober`).
  r.AddModuleProber("dns", probes::dns::MakeModuleFactory());
  r.AddModuleProber("http", probes::http::MakeModuleFactory());
  r.AddModuleProber("tcp", probes::tcp::MakeModuleFactory());
  return r;
}

}  // namespace runbookd
