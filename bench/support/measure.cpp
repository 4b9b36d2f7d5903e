#include "bench/support/measure.h"

#include <fmt/format.h>
#include <sys/resource.h>

#include <algorithm>

namespace ciliumc::bench {

double msSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  size_t middle = values.size() / 2;
  return values.size() % 2 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
}

double peakRssMiB() {
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;
}

std::string fixed(double value, int decimals) {
  if (value < 0) return "–";
  return fmt::format("{:.{}f}", value, decimals);
}

Table::Table(std::vector<std::string> headers, std::string align) : headers_(std::move(headers)) {
  right_.assign(headers_.size(), true);
  if (!right_.empty()) right_[0] = false;  // the row label
  for (size_t i = 0; i < align.size() && i < right_.size(); ++i) right_[i] = align[i] == 'r';
}

void Table::add(std::vector<std::string> row) {
  row.resize(headers_.size());
  rows_.push_back(std::move(row));
}

void Table::print() const {
  // Widths in code points, so that "–" and "≤" do not misalign the columns.
  auto width = [](const std::string& text) {
    size_t count = 0;
    for (unsigned char c : text) count += (c & 0xc0) != 0x80;
    return count;
  };
  std::vector<size_t> widths(headers_.size());
  for (size_t i = 0; i < headers_.size(); ++i) widths[i] = std::max<size_t>(3, width(headers_[i]));
  for (const auto& row : rows_)
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], width(row[i]));
  auto cell = [&](const std::string& text, size_t column) {
    std::string pad(widths[column] - width(text), ' ');
    return right_[column] ? pad + text : text + pad;
  };
  std::string line = "|";
  for (size_t i = 0; i < headers_.size(); ++i) line += " " + cell(headers_[i], i) + " |";
  fmt::print("{}\n|", line);
  for (size_t i = 0; i < headers_.size(); ++i)
    fmt::print("{}{}|", std::string(widths[i] + 1, '-'), right_[i] ? ":" : "-");
  fmt::print("\n");
  for (const auto& row : rows_) {
    line = "|";
    for (size_t i = 0; i < row.size(); ++i) line += " " + cell(row[i], i) + " |";
    fmt::print("{}\n", line);
  }
  fmt::print("\n");
}

}  // namespace ciliumc::bench
