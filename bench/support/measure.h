// Small measuring tools shared by the benchmarks: wall clock, medians, peak RSS, and markdown
// tables.
#pragma once
#include <chrono>
#include <string>
#include <vector>

namespace ciliumc::bench {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point start);

// The median of the values (the mean of the two middle ones for an even count); 0 when empty.
double median(std::vector<double> values);

// Peak resident set size of this process so far, in MiB (getrusage ru_maxrss).
double peakRssMiB();

// A markdown table, printed with aligned columns: | a | b |. `align` has one letter per column,
// 'l' or 'r'; by default the first column (the row label) is left-aligned and the others
// (numbers) right-aligned.
class Table {
 public:
  explicit Table(std::vector<std::string> headers, std::string align = "");
  void add(std::vector<std::string> row);
  void print() const;  // to stdout

 private:
  std::vector<std::string> headers_;
  std::vector<bool> right_;
  std::vector<std::vector<std::string>> rows_;
};

// "12.3"; "–" for a negative value (not measured).
std::string fixed(double value, int decimals = 1);

}  // namespace ciliumc::bench
