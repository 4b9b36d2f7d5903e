// A one-line progress bar on stderr for long runs (`ciliumc compile` on many shapes). Draws only
// when stderr is a terminal, at most ~20 times a second, and erases itself when done, so logs
// and pipes never see it. Thread-safe: workers call advance().
#pragma once
#include <atomic>
#include <chrono>
#include <mutex>
#include <string>

namespace ciliumc::cli {

class ProgressBar {
 public:
  ProgressBar(std::string label, size_t total, bool enabled);
  ~ProgressBar();
  void advance(size_t by = 1);
  void finish();

 private:
  void draw(size_t done);
  std::string label_;
  size_t total_;
  bool enabled_;
  std::atomic<size_t> done_{0};
  std::mutex drawing_;
  std::chrono::steady_clock::time_point lastDraw_{};
  bool drawn_ = false;
};

// True when stderr is a terminal (and TERM is not "dumb").
bool stderrIsTerminal();

}  // namespace ciliumc::cli
