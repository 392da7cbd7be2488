#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

struct redisReader;  // hiredis; its headers stay out of this one (they put sds.h, read.h on the path)

namespace runbookd::redis {

// A RESP2 command: an array of bulk strings, e.g. {"INFO", "replication"}. The encoded bytes of
// an AUTH command hold the password: they go to the socket and nowhere else.
std::string EncodeCommand(const std::vector<std::string_view>& arguments);

// One decoded reply, as a value (hiredis's reply objects are freed as soon as they are copied).
struct RespReply {
  enum class Type { kStatus, kError, kInteger, kNil, kString, kArray };
  Type type = Type::kNil;
  std::string text;  // kStatus, kError (without the leading '-'), kString
  int64_t integer = 0;
  std::vector<RespReply> elements;  // kArray
};

// Incremental reply parsing with hiredis's reply reader (redisReaderCreate / Feed / GetReply):
// bytes go in as they arrive, complete replies come out in order.
class RespReader {
 public:
  RespReader();
  ~RespReader();
  RespReader(const RespReader&) = delete;
  RespReader& operator=(const RespReader&) = delete;

  enum class Status { kReply, kNeedMore, kProtocolError };

  void Feed(std::string_view bytes);
  // The next complete reply (kReply), or kNeedMore, or kProtocolError with hiredis's message in
  // `error`. After a protocol error the reader stays failed.
  Status Next(RespReply& reply, std::string& error);

 private:
  struct FreeReader {
    void operator()(redisReader* reader) const;
  };
  std::unique_ptr<redisReader, FreeReader> reader_;
};

}  // namespace runbookd::redis
