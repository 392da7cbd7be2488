#pragma once

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <exception>
#include <memory>
#include <optional>
#include <string>

#include "daemon/store/store.hpp"
#include "daemon/store/store_writer.hpp"
#include "tests/support/subprocess.hpp"
#include "tests/unit/store_test_support.hpp"

// The approval and silence books with a real store and writer on a temp file, driven by one io_context.
namespace runbookd::testing {

template <typename T>
boost::asio::awaitable<void> Into(boost::asio::awaitable<T> work, std::optional<T>* out) {
  auto value = co_await std::move(work);
  out->emplace(std::move(value));
}

struct BookHarness {
  TempDir dir;
  boost::asio::io_context io;
  std::shared_ptr<spdlog::logger> logger = std::make_shared<spdlog::logger>("test");
  std::unique_ptr<store::StoreWriter> writer;

  BookHarness() { Open(); }
  ~BookHarness() {
    if (writer) writer->Stop();
  }

  std::string path() const { return dir.path() + "/runbookd.db"; }
  // Stops the writer (closing the store) and opens the file again, as a restart would.
  store::Store Reopen() {
    writer->Stop();
    writer.reset();
    auto opened = store::Store::Open(path());
    REQUIRE(opened.ok());
    return std::move(opened).value();
  }
  void Open() {
    auto opened = store::Store::Open(path());
    REQUIRE(opened.ok());
    Start(std::move(opened).value());
  }
  void Start(store::Store store) { writer = std::make_unique<store::StoreWriter>(std::move(store), io.get_executor()); }

  // Runs `work` on the io_context to completion (bounded) and returns its value.
  template <typename T>
  T Run(boost::asio::awaitable<T> work) {
    std::optional<T> out;
    std::exception_ptr failure;
    bool done = false;
    boost::asio::co_spawn(io, Into(std::move(work), &out), [&](std::exception_ptr e) {
      failure = e;
      done = true;
    });
    REQUIRE(RunUntil(io, [&] { return done; }));
    if (failure) std::rethrow_exception(failure);
    return std::move(*out);
  }
};

}  // namespace runbookd::testing
