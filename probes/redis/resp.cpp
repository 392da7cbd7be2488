#include "probes/redis/resp.hpp"

#include <hiredis/hiredis.h>

#include <new>

namespace runbookd::redis {

namespace {

RespReply Convert(const redisReply& r) {
  RespReply out;
  switch (r.type) {
    case REDIS_REPLY_STATUS:
      out.type = RespReply::Type::kStatus;
      out.text.assign(r.str, r.len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = RespReply::Type::kError;
      out.text.assign(r.str, r.len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = RespReply::Type::kInteger;
      out.integer = r.integer;
      break;
    case REDIS_REPLY_STRING:
      out.type = RespReply::Type::kString;
      out.text.assign(r.str, r.len);
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RespReply::Type::kArray;
      out.elements.reserve(r.elements);
      for (size_t i = 0; i < r.elements; ++i) out.elements.push_back(Convert(*r.element[i]));
      break;
    default:  // REDIS_REPLY_NIL, and a nil multi-bulk (*-1)
      out.type = RespReply::Type::kNil;
      break;
  }
  return out;
}

}  // namespace

std::string EncodeCommand(const std::vector<std::string_view>& arguments) {
  std::string out = "*" + std::to_string(arguments.size()) + "\r\n";
  for (std::string_view argument : arguments) {
    out += "$" + std::to_string(argument.size()) + "\r\n";
    out.append(argument);
    out += "\r\n";
  }
  return out;
}

void RespReader::FreeReader::operator()(redisReader* reader) const { redisReaderFree(reader); }

RespReader::RespReader() : reader_(redisReaderCreate()) {
  if (!reader_) throw std::bad_alloc();
}

RespReader::~RespReader() = default;

void RespReader::Feed(std::string_view bytes) {
  // A failure here (out of memory, or the reader already failed) is reported by Next.
  (void)redisReaderFeed(reader_.get(), bytes.data(), bytes.size());
}

RespReader::Status RespReader::Next(RespReply& reply, std::string& error) {
  void* raw = nullptr;
  if (redisReaderGetReply(reader_.get(), &raw) != REDIS_OK) {
    error = reader_->errstr;
    return Status::kProtocolError;
  }
  if (raw == nullptr) return Status::kNeedMore;
  std::unique_ptr<redisReply, void (*)(void*)> owned(static_cast<redisReply*>(raw), freeReplyObject);
  reply = Convert(*owned);
  return Status::kReply;
}

}  // namespace runbookd::redis
