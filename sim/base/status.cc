#include "sim/base/status.h"

namespace tracesim::sim {

std::string Status::ToString() const {
  if (ok()) return "OK";
  const char* name = "error";
  switch (code_) {
    case Code::kOk:
      name = "OK";
      break;
    case Code::kInvalidArgument:
      name = "invalid argument";
      break;
    case Code::kNotFound:
      name = "not found";
      break;
    case Code::kIoError:
      name = "I/O error";
      break;
    case Code::kUnsupported:
      name = "unsupported";
      break;
    case Code::kInternal:
      name = "internal error";
      break;
    case Code::kUnavailable:
      name = "unavailable";
      break;
  }
  return std::string(name) + ": " + message_;
}

}  // namespace tracesim::sim
