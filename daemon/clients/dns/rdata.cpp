#include "daemon/clients/dns/rdata.hpp"

#include <arpa/inet.h>

#include <cstdint>
#include <cstdio>
#include <vector>

namespace runbookd::dns::rdata {

namespace {

std::string EscapeByte(uint8_t b) {
  char buf[5];
  std::snprintf(buf, sizeof buf, "\\%03u", static_cast<unsigned>(b));
  return buf;
}

// miekg/dns's quoting of a character-string.
std::string QuoteText(std::span<const uint8_t> bytes) {
  std::string out = "\"";
  for (uint8_t b : bytes) {
    if (b == '"' || b == '\\') {
      out += '\\';
      out += static_cast<char>(b);
    } else if (b < ' ' || b > '~') {
      out += EscapeByte(b);
    } else {
      out += static_cast<char>(b);
    }
  }
  return out + "\"";
}

std::string Hex(std::span<const uint8_t> bytes, bool upper) {
  static constexpr char kLower[] = "0123456789abcdef";
  static constexpr char kUpper[] = "0123456789ABCDEF";
  const char* digits = upper ? kUpper : kLower;
  std::string out;
  for (uint8_t b : bytes) {
    out += digits[b >> 4];
    out += digits[b & 0xF];
  }
  return out;
}

std::string Base64(std::span<const uint8_t> bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const uint32_t n = bytes[i] << 16 | bytes[i + 1] << 8 | bytes[i + 2];
    out += {kAlphabet[n >> 18], kAlphabet[(n >> 12) & 63], kAlphabet[(n >> 6) & 63], kAlphabet[n & 63]};
  }
  if (i + 1 == bytes.size()) {
    const uint32_t n = bytes[i] << 16;
    out += {kAlphabet[n >> 18], kAlphabet[(n >> 12) & 63], '=', '='};
  } else if (i + 2 == bytes.size()) {
    const uint32_t n = bytes[i] << 16 | bytes[i + 1] << 8;
    out += {kAlphabet[n >> 18], kAlphabet[(n >> 12) & 63], kAlphabet[(n >> 6) & 63], '='};
  }
  return out;
}

std::string WithoutTrailingDot(const std::string& name) {
  if (name.size() > 1 && name.back() == '.') return name.substr(0, name.size() - 1);
  return name;
}

}  // namespace

uint16_t Read16(std::span<const uint8_t> wire, size_t at) {
  return static_cast<uint16_t>(wire[at] << 8 | wire[at + 1]);
}

uint32_t Read32(std::span<const uint8_t> wire, size_t at) {
  return static_cast<uint32_t>(wire[at]) << 24 | static_cast<uint32_t>(wire[at + 1]) << 16 |
         static_cast<uint32_t>(wire[at + 2]) << 8 | wire[at + 3];
}

// Reads a possibly compressed name at `offset` (advanced past it) in miekg/dns's presentation
// form: absolute, with the trailing dot, special characters escaped.
bool ReadName(std::span<const uint8_t> wire, size_t& offset, std::string& out, std::string& error) {
  out.clear();
  size_t at = offset;
  bool jumped = false;
  int jumps = 0;
  size_t wire_length = 0;
  while (true) {
    if (at >= wire.size()) {
      error = "name runs past the end of the message";
      return false;
    }
    const uint8_t length = wire[at];
    if ((length & 0xC0) == 0xC0) {
      if (at + 1 >= wire.size()) {
        error = "truncated compression pointer";
        return false;
      }
      if (++jumps > 64) {
        error = "compression pointer loop";
        return false;
      }
      const size_t target = static_cast<size_t>(length & 0x3F) << 8 | wire[at + 1];
      if (!jumped) offset = at + 2;
      jumped = true;
      at = target;
      continue;
    }
    if ((length & 0xC0) != 0) {
      error = "unsupported label type";
      return false;
    }
    if (length == 0) {
      if (!jumped) offset = at + 1;
      break;
    }
    if (at + 1 + length > wire.size()) {
      error = "label runs past the end of the message";
      return false;
    }
    wire_length += length + 1;
    if (wire_length > 255) {
      error = "name longer than 255 bytes";
      return false;
    }
    for (size_t i = 0; i < length; ++i) {
      const uint8_t c = wire[at + 1 + i];
      switch (c) {
        case '.':
        case ' ':
        case '\'':
        case '@':
        case ';':
        case '(':
        case ')':
        case '"':
        case '\\':
          out += '\\';
          out += static_cast<char>(c);
          break;
        default:
          if (c < ' ' || c > '~') {
            out += EscapeByte(c);
          } else {
            out += static_cast<char>(c);
          }
      }
    }
    out += '.';
    at += 1 + length;
  }
  if (out.empty()) out = ".";
  return true;
}

bool RenderRdata(std::span<const uint8_t> wire, size_t start, size_t length, ResourceRecord& rr, std::string& error) {
  const std::span<const uint8_t> rdata = wire.subspan(start, length);
  const auto generic = [&] {
    rr.data = "\\# " + std::to_string(length) + (length ? " " + Hex(rdata, false) : "");
    rr.value = rr.data;
  };
  const auto need = [&](size_t n) {
    if (length >= n) return true;
    error = dns::RecordTypeName(rr.type) + " record too short";
    return false;
  };
  // Reads a name inside the RDATA (compression may point anywhere in the message).
  const auto name_at = [&](size_t& offset, std::string& out) {
    if (!ReadName(wire, offset, out, error)) return false;
    if (offset > start + length) {
      error = "name runs past its record";
      return false;
    }
    return true;
  };
  // Reads consecutive <character-string>s from `offset` to the end of the RDATA.
  const auto strings_from = [&](size_t offset, std::vector<std::span<const uint8_t>>& out, size_t limit) {
    while (offset < start + length && out.size() < limit) {
      const size_t n = wire[offset];
      if (offset + 1 + n > start + length) {
        error = "character-string runs past its record";
        return false;
      }
      out.push_back(wire.subspan(offset + 1, n));
      offset += 1 + n;
    }
    return true;
  };

  switch (rr.type) {
    case 1: {  // A
      if (length != 4) return generic(), true;
      char buf[INET_ADDRSTRLEN];
      inet_ntop(AF_INET, rdata.data(), buf, sizeof buf);
      rr.data = rr.value = buf;
      return true;
    }
    case 28: {  // AAAA
      if (length != 16) return generic(), true;
      char buf[INET6_ADDRSTRLEN];
      inet_ntop(AF_INET6, rdata.data(), buf, sizeof buf);
      rr.data = rr.value = buf;
      return true;
    }
    case 2:
    case 3:
    case 4:
    case 5:
    case 7:
    case 8:
    case 9:
    case 12:
    case 39: {  // one name
      size_t offset = start;
      std::string name;
      if (!name_at(offset, name)) return false;
      rr.data = name;
      rr.value = WithoutTrailingDot(name);
      return true;
    }
    case 15:
    case 18:
    case 21:
    case 36: {  // MX, AFSDB, RT, KX: a 16-bit number and a name
      if (!need(3)) return false;
      size_t offset = start + 2;
      std::string name;
      if (!name_at(offset, name)) return false;
      const std::string number = std::to_string(Read16(wire, start));
      rr.data = number + " " + name;
      rr.value = number + " " + WithoutTrailingDot(name);
      return true;
    }
    case 14:
    case 17: {  // MINFO, RP: two names
      size_t offset = start;
      std::string first, second;
      if (!name_at(offset, first) || !name_at(offset, second)) return false;
      rr.data = first + " " + second;
      rr.value = WithoutTrailingDot(first) + " " + WithoutTrailingDot(second);
      return true;
    }
    case 16:
    case 99: {  // TXT, SPF
      std::vector<std::span<const uint8_t>> strings;
      if (!strings_from(start, strings, SIZE_MAX)) return false;
      rr.data.clear();
      rr.value.clear();
      for (size_t i = 0; i < strings.size(); ++i) {
        rr.data += (i ? " " : "") + QuoteText(strings[i]);
        rr.value.append(strings[i].begin(), strings[i].end());
      }
      return true;
    }
    case 13: {  // HINFO
      std::vector<std::span<const uint8_t>> strings;
      if (!strings_from(start, strings, 2)) return false;
      if (strings.size() != 2) return generic(), true;
      rr.data = QuoteText(strings[0]) + " " + QuoteText(strings[1]);
      rr.value = rr.data;
      return true;
    }
    case 6: {  // SOA
      size_t offset = start;
      std::string mname, rname;
      if (!name_at(offset, mname) || !name_at(offset, rname)) return false;
      if (offset + 20 > start + length) {
        error = "SOA record too short";
        return false;
      }
      std::string numbers;
      for (int i = 0; i < 5; ++i) numbers += " " + std::to_string(Read32(wire, offset + 4 * i));
      rr.soa_serial = Read32(wire, offset);
      rr.data = mname + " " + rname + numbers;
      rr.value = WithoutTrailingDot(mname) + " " + WithoutTrailingDot(rname) + numbers;
      return true;
    }
    case 33: {  // SRV
      if (!need(7)) return false;
      size_t offset = start + 6;
      std::string target;
      if (!name_at(offset, target)) return false;
      const std::string numbers = std::to_string(Read16(wire, start)) + " " + std::to_string(Read16(wire, start + 2)) +
                                  " " + std::to_string(Read16(wire, start + 4)) + " ";
      rr.data = numbers + target;
      rr.value = numbers + WithoutTrailingDot(target);
      return true;
    }
    case 35: {  // NAPTR
      if (!need(4)) return false;
      std::vector<std::span<const uint8_t>> strings;
      if (!strings_from(start + 4, strings, 3) || strings.size() != 3) return error.empty() ? (generic(), true) : false;
      size_t offset = static_cast<size_t>(strings[2].data() + strings[2].size() - wire.data());
      std::string replacement;
      if (!name_at(offset, replacement)) return false;
      rr.data = std::to_string(Read16(wire, start)) + " " + std::to_string(Read16(wire, start + 2)) + " " +
                QuoteText(strings[0]) + " " + QuoteText(strings[1]) + " " + QuoteText(strings[2]) + " " + replacement;
      rr.value = rr.data;
      return true;
    }
    case 257: {  // CAA
      if (!need(2) || start + 2 + wire[start + 1] > start + length) return error.empty() ? (generic(), true) : false;
      const size_t tag_length = wire[start + 1];
      const std::string tag(wire.begin() + start + 2, wire.begin() + start + 2 + tag_length);
      rr.data = std::to_string(wire[start]) + " " + tag + " " +
                QuoteText(wire.subspan(start + 2 + tag_length, length - 2 - tag_length));
      rr.value = rr.data;
      return true;
    }
    case 43:
    case 59:
    case 32769: {  // DS, CDS, DLV
      if (!need(4)) return false;
      rr.data = std::to_string(Read16(wire, start)) + " " + std::to_string(wire[start + 2]) + " " +
                std::to_string(wire[start + 3]) + " " + Hex(rdata.subspan(4), true);
      rr.value = rr.data;
      return true;
    }
    case 48:
    case 60: {  // DNSKEY, CDNSKEY
      if (!need(4)) return false;
      rr.data = std::to_string(Read16(wire, start)) + " " + std::to_string(wire[start + 2]) + " " +
                std::to_string(wire[start + 3]) + " " + Base64(rdata.subspan(4));
      rr.value = rr.data;
      return true;
    }
    case 44: {  // SSHFP
      if (!need(2)) return false;
      rr.data = std::to_string(wire[start]) + " " + std::to_string(wire[start + 1]) + " " + Hex(rdata.subspan(2), true);
      rr.value = rr.data;
      return true;
    }
    case 52:
    case 53: {  // TLSA, SMIMEA
      if (!need(3)) return false;
      rr.data = std::to_string(wire[start]) + " " + std::to_string(wire[start + 1]) + " " +
                std::to_string(wire[start + 2]) + " " + Hex(rdata.subspan(3), false);
      rr.value = rr.data;
      return true;
    }
    case 256: {  // URI
      if (!need(4)) return false;
      rr.data = std::to_string(Read16(wire, start)) + " " + std::to_string(Read16(wire, start + 2)) + " " +
                QuoteText(rdata.subspan(4));
      rr.value = rr.data;
      return true;
    }
    default:
      generic();
      return true;
  }
}

}  // namespace runbookd::dns::rdata
