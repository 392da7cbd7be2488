#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace runbookd::dns {

// Names of types, classes and rcodes as miekg/dns (and so blackbox_exporter) spells them.
// Unknown numbers print as TYPE123 / CLASS3 / RCODE12 and parse back the same way.
std::optional<uint16_t> RecordTypeFromName(std::string_view name);
std::string RecordTypeName(uint16_t type);
std::optional<uint16_t> ClassFromName(std::string_view name);
std::string ClassName(uint16_t klass);
std::optional<int> RcodeFromName(std::string_view name);
std::string RcodeName(int rcode);

inline constexpr uint16_t kTypeA = 1;
inline constexpr uint16_t kTypeCname = 5;
inline constexpr uint16_t kTypeSoa = 6;
inline constexpr uint16_t kTypeAny = 255;
inline constexpr uint16_t kClassIn = 1;
inline constexpr int kRcodeNoError = 0;

// A query message (no EDNS, like blackbox_exporter's). Empty with `error` set when `name` is not
// a valid domain name.
std::vector<uint8_t> EncodeQuery(std::string_view name, uint16_t type, uint16_t klass, bool recursion_desired,
                                 std::string& error);

struct ResourceRecord {
  std::string name;  // owner, absolute, with the trailing dot
  uint16_t type = 0;
  uint16_t klass = 0;
  uint32_t ttl = 0;
  std::string data;   // RDATA in presentation form, exactly as miekg/dns prints it
  std::string value;  // RDATA for humans and runbookd's `expect`: no trailing dots, TXT unquoted
  std::optional<uint32_t> soa_serial;

  // "name.\tTTL\tCLASS\tTYPE\tdata": miekg/dns's RR.String(), which blackbox's regexes see.
  std::string ToString() const;
};

struct Message {
  uint16_t id = 0;
  int rcode = 0;
  bool truncated = false;
  bool authoritative = false;
  std::vector<ResourceRecord> answer;
  std::vector<ResourceRecord> authority;
  std::vector<ResourceRecord> additional;
};

// Parses a response. nullopt with `error` set when it is malformed.
std::optional<Message> ParseMessage(std::span<const uint8_t> wire, std::string& error);

}  // namespace runbookd::dns
