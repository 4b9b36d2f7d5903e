#include "loader/libbpf_log.h"

#include <bpf/libbpf.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <mutex>

namespace ciliumc::loader {

namespace {

thread_local LibbpfLogCapture* currentCapture = nullptr;

int printToCapture(enum libbpf_print_level, const char* format, va_list args) {
  LibbpfLogCapture* capture = currentCapture;
  if (!capture) return 0;
  char* text = nullptr;
  int length = vasprintf(&text, format, args);
  if (length >= 0 && text) capture->append(std::string_view(text, static_cast<size_t>(length)));
  std::free(text);
  return length;
}

void installCallbackOnce() {
  static std::once_flag installed;
  std::call_once(installed, [] { libbpf_set_print(printToCapture); });
}

constexpr std::string_view kBeginLog = "-- BEGIN PROG LOAD LOG --\n";
constexpr std::string_view kEndLog = "-- END PROG LOAD LOG --";

}  // namespace

LibbpfLogCapture::LibbpfLogCapture() : outer_(currentCapture) {
  installCallbackOnce();
  currentCapture = this;
}

LibbpfLogCapture::~LibbpfLogCapture() { currentCapture = outer_; }

bool mentionsBtfFallback(std::string_view libbpfLog) {
  return libbpfLog.find("BTF is optional") != std::string_view::npos;
}

std::string extractVerifierLog(std::string_view libbpfLog, std::string_view program) {
  size_t search = 0;
  while (true) {
    size_t begin = libbpfLog.find(kBeginLog, search);
    if (begin == std::string_view::npos) return {};
    size_t bodyStart = begin + kBeginLog.size();
    size_t end = libbpfLog.find(kEndLog, bodyStart);
    if (end == std::string_view::npos) end = libbpfLog.size();
    // The line that holds the marker reads "libbpf: prog 'NAME': -- BEGIN ...".
    size_t lineStart = libbpfLog.rfind('\n', begin);
    lineStart = lineStart == std::string_view::npos ? 0 : lineStart + 1;
    std::string_view header = libbpfLog.substr(lineStart, begin - lineStart);
    if (program.empty() || header.find("'" + std::string(program) + "'") != std::string_view::npos)
      return std::string(libbpfLog.substr(bodyStart, end - bodyStart));
    search = end;
  }
}

std::vector<std::string> failedPrograms(std::string_view libbpfLog) {
  std::vector<std::string> names;
  constexpr std::string_view kMarker = "': BPF program load failed";
  size_t search = 0;
  while (true) {
    size_t at = libbpfLog.find(kMarker, search);
    if (at == std::string_view::npos) return names;
    size_t open = libbpfLog.rfind("prog '", at);
    if (open != std::string_view::npos) names.emplace_back(libbpfLog.substr(open + 6, at - open - 6));
    search = at + kMarker.size();
  }
}

}  // namespace ciliumc::loader
