// The user-visible spelling of a severity, shared by the text and JSON renderers so both
// outputs always agree.
#pragma once
#include <string_view>

#include "frontend/diag/diagnostics.h"

namespace ciliumc {

inline std::string_view severityName(Severity severity) {
  switch (severity) {
    case Severity::Note:
      return "note";
    case Severity::Warning:
      return "warning";
    case Severity::Error:
      return "error";
  }
  return "error";
}

}  // namespace ciliumc
