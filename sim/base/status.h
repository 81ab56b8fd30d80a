// Status and Result<T>: the error type at every user-facing edge (file loading, validation, CLI).
//
// No exceptions cross module boundaries. A Status is OK or carries a code and a message that
// names what is wrong and where ("checkout.yaml:12: key 'servces' is unknown"). Cheap to copy
// when OK (no allocation). Thread-compatible.
#ifndef TRACESIM_SIM_STATUS_H_
#define TRACESIM_SIM_STATUS_H_

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace tracesim::sim {

class Status {
 public:
  // NOTE: values are printed in messages; do not renumber.
  enum class Code : int {
    kOk = 0,
    kInvalidArgument = 1,  // bad user input: a file, a key, a flag
    kNotFound = 2,         // a file or a referenced name does not exist
    kIoError = 3,          // the OS failed us: read, write, socket
    kUnsupported = 4,      // valid input asking for something tracesim does not model
    kInternal = 5,         // a bug in tracesim
    kUnavailable = 6,      // a peer is unreachable or refused, may succeed later
  };

  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string msg) {
    return Status(Code::kInvalidArgument, std::move(msg));
  }
  static Status NotFound(std::string msg) { return Status(Code::kNotFound, std::move(msg)); }
  static Status IoError(std::string msg) { return Status(Code::kIoError, std::move(msg)); }
  static Status Unsupported(std::string msg) { return Status(Code::kUnsupported, std::move(msg)); }
  static Status Internal(std::string msg) { return Status(Code::kInternal, std::move(msg)); }
  static Status Unavailable(std::string msg) { return Status(Code::kUnavailable, std::move(msg)); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

  // Returns a copy whose message is "prefix: message" (adds context on the way up).
  Status WithContext(std::string_view prefix) const {
    if (ok()) return *this;
    return Status(code_, std::string(prefix) + ": " + message_);
  }

  std::string ToString() const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

// Result<T> holds a T or a non-OK Status.
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT: implicit by design
    assert(!std::get<Status>(v_).ok() && "Result built from an OK status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  // REQUIRES: ok().
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace tracesim::sim

#define TRACESIM_CONCAT_INNER_(a, b) a##b
#define TRACESIM_CONCAT_(a, b) TRACESIM_CONCAT_INNER_(a, b)

// Returns early from the enclosing function if `expr` (a Status) is not OK.
#define TRACESIM_RETURN_IF_ERROR(expr)    \
  do {                                    \
    ::tracesim::sim::Status _st = (expr); \
    if (!_st.ok()) return _st;            \
  } while (0)

// Declares `lhs` from a Result<T> expression, or returns its Status.
#define TRACESIM_ASSIGN_OR_RETURN(lhs, expr) \
  TRACESIM_ASSIGN_OR_RETURN_IMPL_(TRACESIM_CONCAT_(_res_, __LINE__), lhs, expr)
#define TRACESIM_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                    \
  if (!tmp.ok()) return tmp.status();                   \
  lhs = std::move(tmp).value()

#endif  // TRACESIM_SIM_STATUS_H_
