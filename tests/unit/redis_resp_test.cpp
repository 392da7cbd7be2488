// RESP command encoding and reply reading with hiredis's reply reader.
#include <catch2/catch.hpp>
#include <string>

#include "probes/redis/resp.hpp"

using runbookd::redis::EncodeCommand;
using runbookd::redis::RespReader;
using runbookd::redis::RespReply;
using Type = RespReply::Type;
using Status = RespReader::Status;

namespace {

// Feeds `bytes` and expects exactly one complete reply from them.
RespReply ReadOne(const std::string& bytes) {
  RespReader reader;
  reader.Feed(bytes);
  RespReply reply;
  std::string error;
  REQUIRE(reader.Next(reply, error) == Status::kReply);
  REQUIRE(reader.Next(reply, error) == Status::kNeedMore);
  return reply;
}

}  // namespace

TEST_CASE("redis resp: commands are arrays of bulk strings", "[redis]") {
  CHECK(EncodeCommand({"PING"}) == "*1\r\n$4\r\nPING\r\n");
  CHECK(EncodeCommand({"INFO", "replication"}) == "*2\r\n$4\r\nINFO\r\n$11\r\nreplication\r\n");
  // Arguments are length-prefixed, so spaces, CR/LF and empty strings go through as they are.
  CHECK(EncodeCommand({"AUTH", "a b\r\nc", ""}) == "*3\r\n$4\r\nAUTH\r\n$6\r\na b\r\nc\r\n$0\r\n\r\n");
}

TEST_CASE("redis resp: every reply type", "[redis]") {
  const RespReply status = ReadOne("+PONG\r\n");
  CHECK(status.type == Type::kStatus);
  CHECK(status.text == "PONG");

  const RespReply error = ReadOne("-LOADING Redis is loading the dataset in memory\r\n");
  CHECK(error.type == Type::kError);
  CHECK(error.text == "LOADING Redis is loading the dataset in memory");

  const RespReply integer = ReadOne(":-42\r\n");
  CHECK(integer.type == Type::kInteger);
  CHECK(integer.integer == -42);

  CHECK(ReadOne("$-1\r\n").type == Type::kNil);
  CHECK(ReadOne("*-1\r\n").type == Type::kNil);

  const RespReply bulk = ReadOne("$13\r\n# Replication\r\n");
  CHECK(bulk.type == Type::kString);
  CHECK(bulk.text == "# Replication");
  CHECK(ReadOne("$0\r\n\r\n").text.empty());

  const RespReply array = ReadOne("*3\r\n:1\r\n*1\r\n$1\r\nx\r\n$-1\r\n");
  REQUIRE(array.type == Type::kArray);
  REQUIRE(array.elements.size() == 3);
  CHECK(array.elements[0].integer == 1);
  REQUIRE(array.elements[1].elements.size() == 1);
  CHECK(array.elements[1].elements[0].text == "x");
  CHECK(array.elements[2].type == Type::kNil);
}

TEST_CASE("redis resp: replies arrive in pieces and several at once", "[redis]") {
  RespReader reader;
  RespReply reply;
  std::string error;
  const std::string bulk = "$11\r\nrole:master\r\n";
  for (size_t i = 0; i + 1 < bulk.size(); ++i) {
    reader.Feed(bulk.substr(i, 1));
    CHECK(reader.Next(reply, error) == Status::kNeedMore);
  }
  reader.Feed(bulk.substr(bulk.size() - 1) + "+OK\r\n-ERR x\r\n");
  REQUIRE(reader.Next(reply, error) == Status::kReply);
  CHECK(reply.text == "role:master");
  REQUIRE(reader.Next(reply, error) == Status::kReply);
  CHECK(reply.text == "OK");
  REQUIRE(reader.Next(reply, error) == Status::kReply);
  CHECK(reply.type == Type::kError);
  CHECK(reader.Next(reply, error) == Status::kNeedMore);
}

TEST_CASE("redis resp: bytes that are not RESP are a protocol error, and stay one", "[redis]") {
  RespReader reader;
  RespReply reply;
  std::string error;
  reader.Feed("HTTP/1.1 400 Bad Request\r\n");
  REQUIRE(reader.Next(reply, error) == Status::kProtocolError);
  CHECK(error.find("Protocol error") != std::string::npos);
  reader.Feed("+PONG\r\n");
  CHECK(reader.Next(reply, error) == Status::kProtocolError);

  RespReader bad_length;
  bad_length.Feed("$abc\r\n");
  CHECK(bad_length.Next(reply, error) == Status::kProtocolError);
}
