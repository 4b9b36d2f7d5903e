#include "loader/status.h"

#include <cstdlib>
#include <cstring>

namespace ciliumc::loader {

Error errnoError(const std::string& what, int err) {
  int code = std::abs(err);
  return Error{what + ": " + std::strerror(code) + " (errno " + std::to_string(code) + ")"};
}

}  // namespace ciliumc::loader
