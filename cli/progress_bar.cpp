#include "cli/progress_bar.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace ciliumc::cli {

bool stderrIsTerminal() {
  const char* term = std::getenv("TERM");
  return ::isatty(STDERR_FILENO) && !(term && std::strcmp(term, "dumb") == 0);
}

ProgressBar::ProgressBar(std::string label, size_t total, bool enabled)
    : label_(std::move(label)), total_(total), enabled_(enabled && total > 0) {}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::advance(size_t by) {
  size_t done = done_.fetch_add(by) + by;
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  std::lock_guard<std::mutex> lock(drawing_);
  if (done < total_ && now - lastDraw_ < std::chrono::milliseconds(50)) return;
  lastDraw_ = now;
  draw(done);
}

void ProgressBar::draw(size_t done) {
  constexpr int kWidth = 30;
  int filled = static_cast<int>(kWidth * done / total_);
  std::string bar(filled, '=');
  if (filled < kWidth) bar += '>' + std::string(kWidth - filled - 1, ' ');
  std::fprintf(stderr, "\r%s [%s] %zu/%zu", label_.c_str(), bar.c_str(), done, total_);
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressBar::finish() {
  std::lock_guard<std::mutex> lock(drawing_);
  if (!drawn_) return;
  std::fprintf(stderr, "\r\033[K");  // erase the line
  std::fflush(stderr);
  drawn_ = false;
}

}  // namespace ciliumc::cli
