// TemporaryDirectory: a fresh directory under the system's temporary directory, named
// <prefix>-XXXXXX, removed with everything in it when the object goes. ok() is false when it
// could not be created (then path() is empty).
#pragma once
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>

namespace ciliumc::testing {

class TemporaryDirectory {
 public:
  explicit TemporaryDirectory(std::string_view prefix = "ciliumc-test") {
    std::error_code error;
    std::string pattern = (std::filesystem::temp_directory_path(error) / (std::string(prefix) + "-XXXXXX")).string();
    if (::mkdtemp(pattern.data())) path_ = pattern;
  }
  ~TemporaryDirectory() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  TemporaryDirectory(const TemporaryDirectory&) = delete;
  TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;

  bool ok() const { return !path_.empty(); }
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path file(std::string_view name) const { return path_ / name; }
  // Writes `text` to the file `name` in the directory; returns its path.
  std::string write(std::string_view name, const std::string& text) const {
    std::filesystem::path written = file(name);
    std::ofstream(written) << text;
    return written.string();
  }

 private:
  std::filesystem::path path_;
};

}  // namespace ciliumc::testing
