#pragma once

// Reading names and RDATA out of a DNS message (the part of message.cpp that knows each record
// type's presentation form, as miekg/dns prints it).

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "daemon/clients/dns/message.hpp"

namespace runbookd::dns::rdata {

uint16_t Read16(std::span<const uint8_t> wire, size_t at);
uint32_t Read32(std::span<const uint8_t> wire, size_t at);

// Reads a possibly compressed name at `offset` (advanced past it) in miekg/dns's presentation
// form: absolute, with the trailing dot, special characters escaped. False with `error` set when
// the name is malformed.
bool ReadName(std::span<const uint8_t> wire, size_t& offset, std::string& out, std::string& error);

// Fills rr.data, rr.value (and rr.soa_serial) from the record's RDATA at wire[start, start+length);
// names inside may point anywhere in `wire`. False with `error` set when the RDATA is malformed.
bool RenderRdata(std::span<const uint8_t> wire, size_t start, size_t length, ResourceRecord& rr, std::string& error);

}  // namespace runbookd::dns::rdata
