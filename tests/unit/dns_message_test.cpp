// DNS wire format, miekg/dns-style rendering, blackbox RR validation, and the config readers.
#include <boost/asio/ip/address.hpp>
#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "config/node.hpp"
#include "daemon/clients/dns/message.hpp"
#include "daemon/clients/dns/resolver.hpp"
#include "daemon/core/go_regex.hpp"
#include "probes/dns/dns_config.hpp"
#include "probes/dns/rr_validator.hpp"

using namespace runbookd::dns;
using runbookd::GoRegex;
using Bytes = std::vector<uint8_t>;

namespace {

// Appends DNS wire pieces; names are written uncompressed unless a pointer is asked for.
struct Wire {
  Bytes b;
  Wire& u16(uint16_t v) {
    b.push_back(v >> 8);
    b.push_back(v & 0xFF);
    return *this;
  }
  Wire& u32(uint32_t v) { return u16(v >> 16).u16(v & 0xFFFF); }
  Wire& name(const std::string& dotted) {
    size_t begin = 0;
    while (begin < dotted.size()) {
      size_t end = dotted.find('.', begin);
      if (end == std::string::npos) end = dotted.size();
      b.push_back(static_cast<uint8_t>(end - begin));
      b.insert(b.end(), dotted.begin() + begin, dotted.begin() + end);
      begin = end + 1;
    }
    b.push_back(0);
    return *this;
  }
  Wire& pointer(uint16_t offset) { return u16(0xC000 | offset); }
  Wire& bytes(const std::string& s) {
    b.insert(b.end(), s.begin(), s.end());
    return *this;
  }
  Wire& byte(uint8_t v) {
    b.push_back(v);
    return *this;
  }
  // Patches the RDLENGTH written at `at` to cover everything after it.
  Wire& rdlength_from(size_t at) {
    const size_t n = b.size() - at - 2;
    b[at] = n >> 8;
    b[at + 1] = n & 0xFF;
    return *this;
  }
};

// A response with question "example.com. A IN" at offset 12 and the given counts.
Wire Response(uint16_t flags, uint16_t an, uint16_t ns = 0, uint16_t ar = 0) {
  Wire w;
  w.u16(0x1234).u16(flags).u16(1).u16(an).u16(ns).u16(ar);
  w.name("example.com").u16(1).u16(1);
  return w;
}

// One record owned by a pointer to the question name, with RDATA written by `rdata`.
template <typename F>
void Record(Wire& w, uint16_t type, uint32_t ttl, F rdata) {
  w.pointer(12).u16(type).u16(1).u32(ttl);
  const size_t at = w.b.size();
  w.u16(0);
  rdata(w);
  w.rdlength_from(at);
}

std::optional<GoRegex> Re(const std::string& pattern) {
  std::string error;
  auto re = GoRegex::Compile(pattern, error);
  INFO(error);
  REQUIRE(re);
  return re;
}

}  // namespace

TEST_CASE("dns message: the query is a plain RFC 1035 question", "[dns]") {
  std::string error;
  const Bytes q = EncodeQuery("www.example.com.", 28, 1, true, error);
  const Bytes expected = {0,   0,   0x01, 0,   0,   1,   0,   0, 0,   0,   0,   0, 3, 'w', 'w', 'w', 7,
                          'e', 'x', 'a',  'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0, 28,  0,   1};
  CHECK(q == expected);
  CHECK(EncodeQuery("example.com", 1, 1, false, error)[2] == 0);  // RD clear
  CHECK(EncodeQuery(".", 2, 1, true, error).size() == 17);        // the root
  CHECK(EncodeQuery("a..b", 1, 1, true, error).empty());
  CHECK(error.find("invalid label") != std::string::npos);
  CHECK(EncodeQuery(std::string(64, 'x') + ".com", 1, 1, true, error).empty());
}

TEST_CASE("dns message: records print as miekg/dns prints them", "[dns]") {
  Wire w = Response(0x8180, 7);
  Record(w, 1, 300, [](Wire& r) { r.byte(10).byte(1).byte(2).byte(3); });
  Record(w, 28, 60, [](Wire& r) { r.u16(0xfd00).u16(0).u16(0).u16(0).u16(0).u16(0).u16(0).u16(1); });
  Record(w, 15, 0, [](Wire& r) { r.u16(10).bytes("\4mail").pointer(12); });
  Record(w, 16, 0, [](Wire& r) { r.byte(11).bytes("v=spf1 -all").byte(7).bytes("say \"hi").byte(1).byte(7); });
  Record(w, 5, 0, [](Wire& r) { r.bytes("\3www").pointer(12); });
  Record(w, 6, 3600, [](Wire& r) {
    r.bytes("\3ns1").pointer(12).bytes("\4root").pointer(12).u32(2024010101).u32(7200).u32(900).u32(1209600).u32(300);
  });
  Record(w, 33, 0, [](Wire& r) { r.u16(1).u16(2).u16(8080).bytes("\3srv").pointer(12); });

  std::string error;
  auto m = ParseMessage(w.b, error);
  INFO(error);
  REQUIRE(m);
  CHECK(m->id == 0x1234);
  CHECK(m->rcode == 0);
  REQUIRE(m->answer.size() == 7);
  CHECK(m->answer[0].ToString() == "example.com.\t300\tIN\tA\t10.1.2.3");
  CHECK(m->answer[1].ToString() == "example.com.\t60\tIN\tAAAA\tfd00::1");
  CHECK(m->answer[2].ToString() == "example.com.\t0\tIN\tMX\t10 mail.example.com.");
  CHECK(m->answer[2].value == "10 mail.example.com");
  CHECK(m->answer[3].ToString() == "example.com.\t0\tIN\tTXT\t\"v=spf1 -all\" \"say \\\"hi\" \"\\007\"");
  CHECK(m->answer[3].value == "v=spf1 -allsay \"hi\x07");
  CHECK(m->answer[4].data == "www.example.com.");
  CHECK(m->answer[4].value == "www.example.com");
  CHECK(m->answer[5].data == "ns1.example.com. root.example.com. 2024010101 7200 900 1209600 300");
  CHECK(m->answer[5].soa_serial == 2024010101u);
  CHECK(m->answer[6].data == "1 2 8080 srv.example.com.");
}

TEST_CASE("dns message: rcode, sections, unknown types and malformed input", "[dns]") {
  Wire w = Response(0x8183, 0, 1, 1);  // NXDOMAIN
  Record(w, 6, 60,
         [](Wire& r) { r.bytes("\1a").pointer(12).bytes("\1b").pointer(12).u32(1).u32(2).u32(3).u32(4).u32(5); });
  Record(w, 4242, 5, [](Wire& r) { r.byte(0xAB).byte(0x01); });
  std::string error;
  auto m = ParseMessage(w.b, error);
  REQUIRE(m);
  CHECK(m->rcode == 3);
  CHECK(RcodeName(m->rcode) == "NXDOMAIN");
  CHECK(m->answer.empty());
  CHECK(m->authority.size() == 1);
  REQUIRE(m->additional.size() == 1);
  CHECK(m->additional[0].ToString() == "example.com.\t5\tIN\tTYPE4242\t\\# 2 ab01");

  Bytes truncated = w.b;
  truncated.resize(truncated.size() - 1);
  CHECK_FALSE(ParseMessage(truncated, error));

  Wire loop;
  loop.u16(1).u16(0x8180).u16(1).u16(0).u16(0).u16(0).pointer(12).u16(1).u16(1);
  CHECK_FALSE(ParseMessage(loop.b, error));
  CHECK(error == "compression pointer loop");

  Wire query;
  query.u16(1).u16(0x0100).u16(0).u16(0).u16(0).u16(0);
  CHECK_FALSE(ParseMessage(query.b, error));
  CHECK(error == "not a response");
}

TEST_CASE("dns message: names of types, classes and rcodes round-trip", "[dns]") {
  CHECK(RecordTypeFromName("AAAA") == 28);
  CHECK(RecordTypeFromName("TYPE65280") == 65280);
  CHECK_FALSE(RecordTypeFromName("AAAAA"));
  CHECK(RecordTypeName(257) == "CAA");
  CHECK(ClassFromName("CH") == 3);
  CHECK(ClassName(9) == "CLASS9");
  CHECK(RcodeFromName("SERVFAIL") == 2);
  CHECK_FALSE(RcodeFromName("servfail"));
}

TEST_CASE("dns: host:port splitting", "[dns]") {
  std::string error;
  auto a = SplitHostPort("ns1.example.com:5353", 53, error);
  REQUIRE(a);
  CHECK(a->host == "ns1.example.com");
  CHECK(a->port == 5353);
  CHECK(SplitHostPort("10.0.0.1", 53, error)->port == 53);
  CHECK(SplitHostPort("[::1]:53", std::nullopt, error)->host == "::1");
  CHECK(SplitHostPort("fd00::53", 53, error)->host == "fd00::53");
  CHECK_FALSE(SplitHostPort("example.com", std::nullopt, error));
  CHECK(error == "missing port in \"example.com\" (use host:port)");
  CHECK_FALSE(SplitHostPort("example.com:http", 53, error));
  CHECK_FALSE(SplitHostPort("example.com:0", 53, error));
  CHECK_FALSE(SplitHostPort(":53", 53, error));
  CHECK(JoinHostPort("::1", 53) == "[::1]:53");
}

TEST_CASE("dns: probe_ip_addr_hash matches blackbox_exporter", "[dns]") {
  // Value read from blackbox_exporter 0.23 probing 127.0.0.1.
  CHECK(IpAddressHash(boost::asio::ip::make_address("127.0.0.1")) == 3668918509.0);
}

TEST_CASE("go regex: Go's defaults and Expand", "[dns][regex]") {
  CHECK(Re("(?i)^HELLO")->Search("hello world"));
  CHECK_FALSE(Re("^world")->Search("hello\nworld"));  // no multi-line unless (?m)
  CHECK(Re("(?m)^world")->Search("hello\nworld"));
  CHECK_FALSE(Re("a.b")->Search("a\nb"));
  CHECK(Re("\\d+")->Search("port 25"));
  CHECK(Re("^SSH-2.0-(\\S+)")->SearchAndExpand("SSH-2.0-OpenSSH_9.2", "got $1 ${1}x $$ $1x") ==
        "got OpenSSH_9.2 OpenSSH_9.2x $ ");
  CHECK(Re("(?P<ver>\\d+)")->SearchAndExpand("v12", "[$ver]") == "[12]");
  CHECK_FALSE(Re("nope")->SearchAndExpand("text", "x"));
  std::string error;
  CHECK_FALSE(GoRegex::Compile("(unclosed", error));
  CHECK(error.find("invalid regular expression \"(unclosed\"") == 0);
}

TEST_CASE("dns: blackbox RR validation follows prober/dns.go", "[dns][blackbox]") {
  ResourceRecord a{"two.test.", 1, 1, 0, "10.1.2.3", "10.1.2.3", {}};
  ResourceRecord b{"two.test.", 1, 1, 0, "10.1.2.4", "10.1.2.4", {}};
  const std::vector<ResourceRecord> both = {a, b};
  RrValidator v;
  CHECK_FALSE(ValidateRecords(both, v));
  CHECK_FALSE(ValidateRecords({}, v));

  v.fail_if_matches_regexp = {*Re("10\\.1\\.2\\.4$")};
  CHECK(ValidateRecords(both, v));
  CHECK_FALSE(ValidateRecords({a}, v));

  // Checked against blackbox_exporter 0.23: it fails when NOT every record matches.
  RrValidator all;
  all.fail_if_all_match_regexp = {*Re("10\\.1\\.2\\.3")};
  CHECK(ValidateRecords(both, all));
  all.fail_if_all_match_regexp = {*Re("10\\.1\\.2\\.")};
  CHECK_FALSE(ValidateRecords(both, all));

  RrValidator not_matches;
  not_matches.fail_if_not_matches_regexp = {*Re("^two\\.test\\.\\t0\\tIN\\tA\\t")};
  CHECK_FALSE(ValidateRecords(both, not_matches));
  CHECK(*ValidateRecords({}, not_matches) == "fail_if_not_matches_regexp specified but no records returned");

  RrValidator none;
  none.fail_if_none_matches_regexp = {*Re("10\\.9\\.9\\.9")};
  CHECK(ValidateRecords(both, none));
  none.fail_if_none_matches_regexp = {*Re("10\\.1\\.2\\.4")};
  CHECK_FALSE(ValidateRecords(both, none));
}

namespace {

std::string SpecErrors(const std::string& yaml) {
  runbookd::config::Diagnostics diags;
  auto doc = runbookd::config::Document::Parse(yaml, "t.yaml", diags);
  (void)ReadDnsProbeSpec(doc.root());
  doc.CheckUnknownKeys();
  return diags.Format();
}

std::string ModuleErrors(const std::string& yaml) {
  runbookd::config::Diagnostics diags;
  auto doc = runbookd::config::Document::Parse(yaml, "t.yaml", diags);
  (void)ReadDnsModule(doc.root());
  doc.CheckUnknownKeys();
  return diags.Format();
}

}  // namespace

TEST_CASE("dns config: spec errors name the key", "[dns][config]") {
  CHECK(
      SpecErrors("name: a.test\nrecord_type: AAA\n") ==
      "t.yaml:2:14: record_type: unknown value \"AAA\" (did you mean \"AAAA\"?); expected one of: A, AAAA, CNAME, TXT, "
      "MX, NS, SOA, PTR, SRV\n");
  CHECK(SpecErrors("record_type: A\n") == "t.yaml:1:1: (root): missing required key \"name\"\n");
  CHECK(
      SpecErrors("name: a.test\nexpect_rcode: [NOERR]\n") ==
      "t.yaml:2:15: expect_rcode: unknown rcode \"NOERR\" (use names such as NOERROR, NXDOMAIN, SERVFAIL, REFUSED)\n");
  CHECK(SpecErrors("name: a.test\nserver: \"10.0.0.1:abc\"\n") ==
        "t.yaml:2:9: server: invalid port \"abc\" in \"10.0.0.1:abc\"\n");
  CHECK(SpecErrors("name: a.test\nexpect: ['(']\n").find("expect: invalid regular expression") != std::string::npos);
  CHECK(SpecErrors("name: a.test\ntranport: tcp\n") ==
        "t.yaml:2:1: tranport: unknown key \"tranport\" (did you mean \"transport\"?)\n");
  CHECK(SpecErrors("name: a.test\nserver: 127.0.0.1\ntransport: tcp\nrecursion_desired: false\nexpect: x\n").empty());
}

TEST_CASE("dns config: blackbox module blocks", "[dns][config][blackbox]") {
  CHECK(ModuleErrors("query_type: A\n") == "t.yaml:1:1: (root): query name must be set for DNS module\n");
  CHECK(ModuleErrors("query_name: a.test\nquery_type: BOGUS\n") ==
        "t.yaml:2:13: query_type: unknown query type \"BOGUS\"\n");
  CHECK(
      ModuleErrors("query_name: a.test\ndns_over_tls: true\ntransport_protocol: tcp\n") ==
      "t.yaml:2:15: dns_over_tls: dns_over_tls is not supported by runbookd; probe this server with blackbox_exporter "
      "or over udp/tcp\n");
  CHECK(
      ModuleErrors("query_name: a.test\nvalidate_answer_rrs:\n  fail_if_matches_regexps: [x]\n") ==
      "t.yaml:3:3: validate_answer_rrs.fail_if_matches_regexps: unknown key \"fail_if_matches_regexps\" (did you mean "
      "\"fail_if_matches_regexp\"?)\n");
  const std::string full =
      "query_name: a.test\nquery_type: SOA\nquery_class: CH\nvalid_rcodes: [NOERROR, NXDOMAIN]\n"
      "transport_protocol: tcp\npreferred_ip_protocol: ip4\nip_protocol_fallback: false\nrecursion_desired: false\n"
      "validate_answer_rrs: {fail_if_matches_regexp: [a], fail_if_all_match_regexp: [b], "
      "fail_if_not_matches_regexp: [c], fail_if_none_matches_regexp: [d]}\n"
      "validate_authority_rrs: {}\nvalidate_additional_rrs: {}\n";
  CHECK(ModuleErrors(full).empty());
  runbookd::config::Diagnostics diags;
  auto doc = runbookd::config::Document::Parse(full, "t.yaml", diags);
  auto m = ReadDnsModule(doc.root());
  REQUIRE(m);
  CHECK(m->query_type == 6);
  CHECK(m->query_class == 3);
  CHECK(m->valid_rcodes == std::vector<int>{0, 3});
  CHECK(m->use_tcp);
  CHECK(m->target_address.preferred == IpProtocol::kIp4);
  CHECK_FALSE(m->target_address.fallback);
  CHECK_FALSE(m->recursion_desired);
  CHECK(m->query[2] == 0);  // RD clear in the encoded question
}
