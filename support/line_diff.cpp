#include "support/line_diff.h"

#include <algorithm>
#include <vector>

namespace ciliumc {

namespace {

std::vector<std::string> splitLines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

struct Edit {
  char op;  // ' ', '-', '+'
  std::string line;
};

// Edit script by LCS over a[lo..ahi) and b[lo..bhi).
std::vector<Edit> editScript(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  size_t prefix = 0;
  while (prefix < a.size() && prefix < b.size() && a[prefix] == b[prefix]) ++prefix;
  size_t suffix = 0;
  while (suffix < a.size() - prefix && suffix < b.size() - prefix &&
         a[a.size() - 1 - suffix] == b[b.size() - 1 - suffix])
    ++suffix;
  size_t n = a.size() - prefix - suffix, m = b.size() - prefix - suffix;
  std::vector<Edit> edits;
  for (size_t i = 0; i < prefix; ++i) edits.push_back({' ', a[i]});
  // Beyond this many cells the exact LCS costs too much memory; replace the region whole.
  if (n * m > 4'000'000) {
    for (size_t i = 0; i < n; ++i) edits.push_back({'-', a[prefix + i]});
    for (size_t j = 0; j < m; ++j) edits.push_back({'+', b[prefix + j]});
    for (size_t k = a.size() - suffix; k < a.size(); ++k) edits.push_back({' ', a[k]});
    return edits;
  }
  // lcs[i][j] = LCS length of a[prefix+i..] and b[prefix+j..] (middle part only).
  std::vector<std::vector<uint32_t>> lcs(n + 1, std::vector<uint32_t>(m + 1, 0));
  for (size_t i = n; i-- > 0;)
    for (size_t j = m; j-- > 0;)
      lcs[i][j] = a[prefix + i] == b[prefix + j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
  size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[prefix + i] == b[prefix + j]) {
      edits.push_back({' ', a[prefix + i]}); ++i; ++j;
    } else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) {
      edits.push_back({'-', a[prefix + i]}); ++i;  // removals first, as `diff -u` prints them
    } else {
      edits.push_back({'+', b[prefix + j]}); ++j;
    }
  }
  for (size_t k = a.size() - suffix; k < a.size(); ++k) edits.push_back({' ', a[k]});
  return edits;
}

}  // namespace

std::string unifiedDiff(const std::string& before, const std::string& after,
                        const std::string& beforeName, const std::string& afterName) {
  if (before == after) return "";
  const size_t context = 3;
  std::vector<Edit> edits = editScript(splitLines(before), splitLines(after));
  std::string out = "--- " + beforeName + "\n+++ " + afterName + "\n";
  size_t k = 0;
  while (k < edits.size()) {
    if (edits[k].op == ' ') { ++k; continue; }
    // A hunk: from `context` lines before this change to `context` lines after the last change
    // that is within 2*context of the previous one.
    size_t start = k >= context ? k - context : 0;
    size_t end = k;
    while (true) {
      size_t next = end;
      while (next < edits.size() && edits[next].op != ' ') ++next;
      size_t gapEnd = next;
      while (gapEnd < edits.size() && edits[gapEnd].op == ' ' && gapEnd - next < 2 * context + 1) ++gapEnd;
      if (gapEnd < edits.size() && edits[gapEnd].op != ' ') { end = gapEnd; continue; }
      end = std::min(next + context, edits.size());
      break;
    }
    size_t oldLine = 1, newLine = 1;
    for (size_t t = 0; t < start; ++t) {
      if (edits[t].op != '+') ++oldLine;
      if (edits[t].op != '-') ++newLine;
    }
    size_t oldCount = 0, newCount = 0;
    for (size_t t = start; t < end; ++t) {
      if (edits[t].op != '+') ++oldCount;
      if (edits[t].op != '-') ++newCount;
    }
    out += "@@ -" + std::to_string(oldCount ? oldLine : oldLine - 1) + "," + std::to_string(oldCount) + " +" +
           std::to_string(newCount ? newLine : newLine - 1) + "," + std::to_string(newCount) + " @@\n";
    for (size_t t = start; t < end; ++t) out += std::string(1, edits[t].op) + edits[t].line + "\n";
    k = end;
  }
  return out;
}

}  // namespace ciliumc
