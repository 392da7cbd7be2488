#include "daemon/clients/dns/message.hpp"

#include <charconv>
#include <utility>

#include "daemon/clients/dns/rdata.hpp"

namespace runbookd::dns {

namespace {

using rdata::Read16;
using rdata::Read32;
using rdata::ReadName;
using rdata::RenderRdata;

// The types miekg/dns knows by name (dns.TypeToString), so query_type accepts what blackbox does.
constexpr std::pair<uint16_t, std::string_view> kTypes[] = {
    {1, "A"},           {2, "NS"},     {3, "MD"},        {4, "MF"},          {5, "CNAME"},  {6, "SOA"},
    {7, "MB"},          {8, "MG"},     {9, "MR"},        {10, "NULL"},       {12, "PTR"},   {13, "HINFO"},
    {14, "MINFO"},      {15, "MX"},    {16, "TXT"},      {17, "RP"},         {18, "AFSDB"}, {19, "X25"},
    {20, "ISDN"},       {21, "RT"},    {23, "NSAP-PTR"}, {24, "SIG"},        {25, "KEY"},   {26, "PX"},
    {27, "GPOS"},       {28, "AAAA"},  {29, "LOC"},      {30, "NXT"},        {31, "EID"},   {32, "NIMLOC"},
    {33, "SRV"},        {34, "ATMA"},  {35, "NAPTR"},    {36, "KX"},         {37, "CERT"},  {39, "DNAME"},
    {41, "OPT"},        {42, "APL"},   {43, "DS"},       {44, "SSHFP"},      {46, "RRSIG"}, {47, "NSEC"},
    {48, "DNSKEY"},     {49, "DHCID"}, {50, "NSEC3"},    {51, "NSEC3PARAM"}, {52, "TLSA"},  {53, "SMIMEA"},
    {55, "HIP"},        {56, "NINFO"}, {57, "RKEY"},     {58, "TALINK"},     {59, "CDS"},   {60, "CDNSKEY"},
    {61, "OPENPGPKEY"}, {62, "CSYNC"}, {63, "ZONEMD"},   {64, "SVCB"},       {65, "HTTPS"}, {99, "SPF"},
    {100, "UINFO"},     {101, "UID"},  {102, "GID"},     {103, "UNSPEC"},    {104, "NID"},  {105, "L32"},
    {106, "L64"},       {107, "LP"},   {108, "EUI48"},   {109, "EUI64"},     {249, "TKEY"}, {250, "TSIG"},
    {251, "IXFR"},      {252, "AXFR"}, {253, "MAILB"},   {254, "MAILA"},     {255, "ANY"},  {256, "URI"},
    {257, "CAA"},       {258, "AVC"},  {32768, "TA"},    {32769, "DLV"},
};

constexpr std::pair<uint16_t, std::string_view> kClasses[] = {
    {1, "IN"}, {2, "CS"}, {3, "CH"}, {4, "HS"}, {254, "NONE"}, {255, "ANY"},
};

constexpr std::pair<int, std::string_view> kRcodes[] = {
    {0, "NOERROR"},  {1, "FORMERR"},  {2, "SERVFAIL"}, {3, "NXDOMAIN"},  {4, "NOTIMP"},
    {5, "REFUSED"},  {6, "YXDOMAIN"}, {7, "YXRRSET"},  {8, "NXRRSET"},   {9, "NOTAUTH"},
    {10, "NOTZONE"}, {16, "BADSIG"},  {16, "BADVERS"}, {17, "BADKEY"},   {18, "BADTIME"},
    {19, "BADMODE"}, {20, "BADNAME"}, {21, "BADALG"},  {22, "BADTRUNC"}, {23, "BADCOOKIE"},
};

std::optional<unsigned> ParseGenericNumber(std::string_view name, std::string_view prefix, unsigned max) {
  if (name.size() <= prefix.size() || name.substr(0, prefix.size()) != prefix) return std::nullopt;
  unsigned value = 0;
  const char* begin = name.data() + prefix.size();
  auto [end, ec] = std::from_chars(begin, name.data() + name.size(), value);
  if (ec != std::errc() || end != name.data() + name.size() || value > max) return std::nullopt;
  return value;
}

bool ReadRecords(std::span<const uint8_t> wire, size_t& offset, size_t count, std::vector<ResourceRecord>& out,
                 std::string& error) {
  for (size_t i = 0; i < count; ++i) {
    ResourceRecord rr;
    if (!ReadName(wire, offset, rr.name, error)) return false;
    if (offset + 10 > wire.size()) {
      error = "record header runs past the end of the message";
      return false;
    }
    rr.type = Read16(wire, offset);
    rr.klass = Read16(wire, offset + 2);
    rr.ttl = Read32(wire, offset + 4);
    const size_t length = Read16(wire, offset + 8);
    offset += 10;
    if (offset + length > wire.size()) {
      error = "record data runs past the end of the message";
      return false;
    }
    if (!RenderRdata(wire, offset, length, rr, error)) return false;
    offset += length;
    out.push_back(std::move(rr));
  }
  return true;
}

}  // namespace

std::optional<uint16_t> RecordTypeFromName(std::string_view name) {
  for (const auto& [number, text] : kTypes) {
    if (text == name) return number;
  }
  if (auto n = ParseGenericNumber(name, "TYPE", 65535)) return static_cast<uint16_t>(*n);
  return std::nullopt;
}

std::string RecordTypeName(uint16_t type) {
  for (const auto& [number, text] : kTypes) {
    if (number == type) return std::string(text);
  }
  return "TYPE" + std::to_string(type);
}

std::optional<uint16_t> ClassFromName(std::string_view name) {
  for (const auto& [number, text] : kClasses) {
    if (text == name) return number;
  }
  if (auto n = ParseGenericNumber(name, "CLASS", 65535)) return static_cast<uint16_t>(*n);
  return std::nullopt;
}

std::string ClassName(uint16_t klass) {
  for (const auto& [number, text] : kClasses) {
    if (number == klass) return std::string(text);
  }
  return "CLASS" + std::to_string(klass);
}

std::optional<int> RcodeFromName(std::string_view name) {
  for (const auto& [number, text] : kRcodes) {
    if (text == name) return number;
  }
  return std::nullopt;
}

std::string RcodeName(int rcode) {
  for (const auto& [number, text] : kRcodes) {
    if (number == rcode) return std::string(text);
  }
  return "RCODE" + std::to_string(rcode);
}

std::vector<uint8_t> EncodeQuery(std::string_view name, uint16_t type, uint16_t klass, bool recursion_desired,
                                 std::string& error) {
  // Header: id 0 (c-ares picks its own), flags, QDCOUNT 1.
  std::vector<uint8_t> out = {0, 0, static_cast<uint8_t>(recursion_desired ? 0x01 : 0x00), 0, 0, 1, 0, 0, 0, 0, 0, 0};
  if (name.size() > 1 && name.back() == '.') name.remove_suffix(1);
  if (name.empty()) {
    error = "empty name";
    return {};
  }
  if (name != ".") {
    size_t begin = 0;
    while (begin <= name.size()) {
      size_t end = name.find('.', begin);
      if (end == std::string_view::npos) end = name.size();
      const size_t length = end - begin;
      if (length == 0 || length > 63) {
        error = "invalid label in \"" + std::string(name) + "\" (labels are 1 to 63 bytes)";
        return {};
      }
      out.push_back(static_cast<uint8_t>(length));
      out.insert(out.end(), name.begin() + begin, name.begin() + end);
      begin = end + 1;
    }
  }
  out.push_back(0);
  if (out.size() - 12 > 255) {
    error = "name longer than 255 bytes";
    return {};
  }
  out.insert(out.end(), {static_cast<uint8_t>(type >> 8), static_cast<uint8_t>(type), static_cast<uint8_t>(klass >> 8),
                         static_cast<uint8_t>(klass)});
  return out;
}

std::string ResourceRecord::ToString() const {
  return name + "\t" + std::to_string(ttl) + "\t" + ClassName(klass) + "\t" + RecordTypeName(type) + "\t" + data;
}

std::optional<Message> ParseMessage(std::span<const uint8_t> wire, std::string& error) {
  if (wire.size() < 12) {
    error = "message shorter than a DNS header";
    return std::nullopt;
  }
  Message message;
  message.id = Read16(wire, 0);
  const uint16_t flags = Read16(wire, 2);
  if ((flags & 0x8000) == 0) {
    error = "not a response";
    return std::nullopt;
  }
  message.rcode = flags & 0x000F;
  message.truncated = (flags & 0x0200) != 0;
  message.authoritative = (flags & 0x0400) != 0;
  const size_t questions = Read16(wire, 4);
  const size_t answers = Read16(wire, 6);
  const size_t authorities = Read16(wire, 8);
  const size_t additionals = Read16(wire, 10);

  size_t offset = 12;
  std::string ignored;
  for (size_t i = 0; i < questions; ++i) {
    if (!ReadName(wire, offset, ignored, error)) return std::nullopt;
    if (offset + 4 > wire.size()) {
      error = "question runs past the end of the message";
      return std::nullopt;
    }
    offset += 4;
  }
  if (!ReadRecords(wire, offset, answers, message.answer, error) ||
      !ReadRecords(wire, offset, authorities, message.authority, error) ||
      !ReadRecords(wire, offset, additionals, message.additional, error)) {
    return std::nullopt;
  }
  // An EDNS OPT record carries the upper 8 bits of a 12-bit rcode (RFC 6891), as miekg/dns reads it.
  for (const ResourceRecord& rr : message.additional) {
    if (rr.type == 41) message.rcode |= static_cast<int>((rr.ttl >> 24) & 0xFF) << 4;
  }
  return message;
}

}  // namespace runbookd::dns
