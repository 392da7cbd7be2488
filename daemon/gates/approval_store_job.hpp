#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <utility>

#include "daemon/store/store_writer.hpp"

// How the approval and silence books run one store operation from a coroutine on the core's
// io_context: as one StoreWriter job, resumed once it is durable.
namespace runbookd::gates {

// The operation's value once its batch is committed. An operation that fails is rolled back alone
// (its savepoint), and its error is returned; so is the batch's when the commit fails.
template <typename T>
boost::asio::awaitable<store::Result<T>> RunStoreJob(store::StoreWriter& writer,
                                                     std::function<store::Result<T>(store::Store&)> op) {
  auto result = std::make_shared<std::optional<store::Result<T>>>();
  store::StoreWriter::Job job = [op = std::move(op), result](store::Store& s) -> store::Status {
    *result = op(s);
    if (!**result) return (**result).error();
    return store::Ok();
  };
  auto submit = boost::asio::async_initiate<decltype(boost::asio::use_awaitable), void(store::Status)>(
      [&writer, job = std::move(job)](auto handler) mutable {
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        writer.Submit(std::move(job), [h](store::Status status) { std::move (*h)(std::move(status)); });
      },
      boost::asio::use_awaitable);
  auto status = co_await std::move(submit);
  if (!status) co_return status.error();
  co_return std::move(**result);
}

}  // namespace runbookd::gates
