#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace runbookd::store {

// What went wrong, closed so that callers can map it (the webhook answers 503 for all of them
// except kInvalidArgument and kNotFound).
enum class ErrorCode {
  kCannotOpen,       // the file could not be created or opened
  kNotAStore,        // the file is not a SQLite database, or not one of ours; left untouched
  kNewerSchema,      // written by a newer runbookd; left untouched
  kIo,               // SQLite failed (I/O error, disk full, corruption, ...)
  kBusy,             // another process holds the write lock beyond the busy timeout
  kConstraint,       // a constraint refused the write (unique, foreign key, check)
  kNotFound,         // the row an update names does not exist
  kInvalidArgument,  // the caller asked for something the model forbids
  kQueueFull,        // StoreWriter: too many jobs waiting; retry later
  kShuttingDown,     // StoreWriter: no longer accepting jobs
  kJobFailed,        // StoreWriter: a job threw instead of returning an error
};

struct Error {
  ErrorCode code;
  std::string message;  // one line, for logs and API errors
};

// A value or an Error. The store reports every failure this way; it does not throw.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::in_place_index<0>, std::move(value)) {}
  Result(Error error) : data_(std::in_place_index<1>, std::move(error)) {}

  bool ok() const { return data_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(data_); }
  const T& value() const& { return std::get<0>(data_); }
  T&& value() && { return std::get<0>(std::move(data_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(data_); }

 private:
  std::variant<T, Error> data_;
};

// Success without a value, or an Error.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)) {}

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return *error_; }

 private:
  std::optional<Error> error_;
};

using Status = Result<void>;

inline Status Ok() { return {}; }

}  // namespace runbookd::store
