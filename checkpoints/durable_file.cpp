#include "checkpoints/durable_file.h"

#include <fcntl.h>
#include <fmt/core.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <vector>

#include "core/error.h"

namespace vdit::checkpoints {

namespace {

[[noreturn]] void throw_errno(const std::string& what, const std::string& path) {
  throw RuntimeError(fmt::format("{}: {} failed: {}", path, what, std::strerror(errno)));
}

// Owns a POSIX file descriptor.
class FileDescriptor {
 public:
  FileDescriptor(const std::string& path, int flags, mode_t mode = 0644)
      : fd_(::open(path.c_str(), flags | O_CLOEXEC, mode)) {
    if (fd_ < 0) throw_errno("open", path);
  }
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

std::string parent_of(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  return parent.empty() ? "." : parent.string();
}

}  // namespace

void fsync_path(const std::string& path) {
  // O_RDONLY works for files and folders alike; fsync on a folder persists its entries (renames).
  const FileDescriptor file(path, O_RDONLY);
  if (::fsync(file.get()) != 0) throw_errno("fsync", path);
}

void write_file_durably(const std::string& path, const std::string& text) {
  const FileDescriptor file(path, O_WRONLY | O_CREAT | O_TRUNC);
  size_t written = 0;
  while (written < text.size()) {
    const ssize_t count = ::write(file.get(), text.data() + written, text.size() - written);
    if (count < 0) {
      if (errno == EINTR) continue;
      throw_errno("write", path);
    }
    written += static_cast<size_t>(count);
  }
  if (::fsync(file.get()) != 0) throw_errno("fsync", path);
}

void replace_file_atomically(const std::string& path, const std::string& text) {
  const std::string temporary = path + ".tmp";
  write_file_durably(temporary, text);
  rename_durably(temporary, path);
}

void rename_durably(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) {
    throw RuntimeError(fmt::format("renaming {} to {} failed: {}", from, to, std::strerror(errno)));
  }
  fsync_path(parent_of(to));
}

FileDigest digest_file(const std::string& path) {
  const FileDescriptor file(path, O_RDONLY);
  FileDigest digest;
  uLong crc = crc32(0L, Z_NULL, 0);
  std::vector<unsigned char> buffer(1 << 20);
  while (true) {
    const ssize_t count = ::read(file.get(), buffer.data(), buffer.size());
    if (count < 0) {
      if (errno == EINTR) continue;
      throw_errno("read", path);
    }
    if (count == 0) break;
    crc = crc32(crc, buffer.data(), static_cast<uInt>(count));
    digest.size += count;
  }
  digest.crc32 = static_cast<uint32_t>(crc);
  return digest;
}

}  // namespace vdit::checkpoints
