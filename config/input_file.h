// config/input_file.h — the one way synstorm opens a file it reads: a scenario, a trace,
// a sweep's --resume JSON.
//
// Opening never blocks, whatever the path names: the file is opened with O_NONBLOCK (a
// FIFO nobody writes to opens at once), and the open descriptor (not the path, which may
// change in between) is checked with fstat. Only a regular file on a real filesystem is
// accepted: a directory, a device, a FIFO or a socket is refused, and so is a file on a
// pseudo-filesystem (/proc, /sys, debugfs, ...) whose size says nothing of what a read
// returns (/proc/kmsg claims 0 bytes and blocks). A file larger than the caller's limit
// is refused before anything is read, and never read past the limit if it grows.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

namespace config {

// A file's identity (device and inode): two paths name the same file iff these are equal.
struct FileId {
  dev_t device = 0;
  ino_t inode = 0;
  friend bool operator==(const FileId&, const FileId&) = default;
};

// The identity of the file `path` names now (symbolic links followed); nullopt when it
// does not exist or cannot be examined.
std::optional<FileId> file_id(const std::string& path);

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using FileHandle = std::unique_ptr<std::FILE, FileCloser>;

struct InputFile {
  FileHandle file;  // positioned at the start; reads block as for any regular file
  FileId id;
  std::uint64_t size = 0;  // as fstat said when it was opened
};

// Opens `path` for reading under the rules above, or returns nullopt with the reason in
// `error` ("not a regular file (a FIFO)", "larger than the limit of 16 MiB", what the
// system said).
std::optional<InputFile> open_input(const std::string& path, std::uint64_t max_bytes, std::string& error);

// The whole of `path`, opened by open_input; at most `max_bytes` are read.
std::optional<std::string> read_input(const std::string& path, std::uint64_t max_bytes, std::string& error);

// What a file of this mode is, for messages: "a directory", "a FIFO", "a character
// device", "a block device", "a socket" (or "not a regular file").
const char* file_kind(mode_t mode);

// "16 MiB", "4 GiB", "512 bytes": a limit as messages state it.
std::string byte_limit_text(std::uint64_t bytes);

}  // namespace config
