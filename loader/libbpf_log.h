// Capturing libbpf's messages (warnings, BTF and verifier logs) for the current thread.
// Contract: while a LibbpfLogCapture lives, every libbpf message printed on this thread is
// appended to it (and to nothing else); without one, messages are dropped. libbpf prints a whole
// verifier log in ONE call, so the callback formats with vasprintf, never a fixed buffer.
// Captures nest: the innermost one receives the messages.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace ciliumc::loader {

class LibbpfLogCapture {
 public:
  LibbpfLogCapture();
  ~LibbpfLogCapture();
  LibbpfLogCapture(const LibbpfLogCapture&) = delete;
  LibbpfLogCapture& operator=(const LibbpfLogCapture&) = delete;

  const std::string& text() const { return text_; }
  void append(std::string_view message) { text_ += message; }

 private:
  std::string text_;
  LibbpfLogCapture* outer_ = nullptr;
};

// libbpf fell back to loading without BTF ("Error loading .BTF into kernel ... BTF is optional,
// ignoring."). The object then loads, but without BTF: we treat it as a failure.
bool mentionsBtfFallback(std::string_view libbpfLog);

// The verifier log libbpf printed for `program` (between "-- BEGIN PROG LOAD LOG --" and
// "-- END PROG LOAD LOG --"), or "" when there is none. Empty program name: the first log.
std::string extractVerifierLog(std::string_view libbpfLog, std::string_view program = {});

// Names of the programs libbpf reported as failing ("prog 'x': BPF program load failed").
std::vector<std::string> failedPrograms(std::string_view libbpfLog);

}  // namespace ciliumc::loader
