// POSIX file operations that survive a crash or power loss: fsync, atomic replace, checksums.
#pragma once

#include <cstdint>
#include <string>

namespace vdit::checkpoints {

// Flushes a file's (or a folder's: its entries) data to disk. RuntimeError on failure.
void fsync_path(const std::string& path);

// Creates or truncates `path`, writes `text`, fsyncs it. Does not fsync the parent folder.
void write_file_durably(const std::string& path, const std::string& text);

// Replaces `path` with `text` so that a reader sees the old or the new content, never a mix:
// writes <path>.tmp, fsyncs it, renames it over `path`, fsyncs the parent folder.
void replace_file_atomically(const std::string& path, const std::string& text);

// rename(2) then fsync of the destination's parent folder, so the new name survives a crash.
void rename_durably(const std::string& from, const std::string& to);

// Size in bytes and zlib CRC-32 of a file's content, as the manifest records them.
struct FileDigest {
  int64_t size = 0;
  uint32_t crc32 = 0;
};
// RuntimeError if the file cannot be read (callers that check user files catch and rephrase).
FileDigest digest_file(const std::string& path);

}  // namespace vdit::checkpoints
