#include "agent/ipam/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>

namespace ciliumc {

namespace {

Error systemError(std::string_view what, const std::filesystem::path& path) {
  return Error{fmt::format("cannot {} {}: {}", what, path.string(), std::strerror(errno))};
}

// Closes the descriptor on every path out of writeFileAtomically.
struct FileDescriptor {
  int fd = -1;
  ~FileDescriptor() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

Expected<bool> writeFileAtomically(const std::filesystem::path& path, std::string_view contents) {
  const std::filesystem::path temporary = path.string() + ".tmp";
  {
    FileDescriptor file{::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)};
    if (file.fd < 0) return systemError("create", temporary);
    size_t written = 0;
    while (written < contents.size()) {
      ssize_t n = ::write(file.fd, contents.data() + written, contents.size() - written);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        Error error = systemError("write", temporary);
        ::unlink(temporary.c_str());
        return error;
      }
      written += static_cast<size_t>(n);
    }
    if (::fsync(file.fd) != 0) {
      Error error = systemError("fsync", temporary);
      ::unlink(temporary.c_str());
      return error;
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    Error error = systemError("rename a temporary file over", path);
    ::unlink(temporary.c_str());
    return error;
  }
  std::filesystem::path directory = path.parent_path();
  if (directory.empty()) directory = ".";
  FileDescriptor dir{::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (dir.fd >= 0) ::fsync(dir.fd);  // best effort: the data itself is already durable
  return true;
}

}  // namespace ciliumc
