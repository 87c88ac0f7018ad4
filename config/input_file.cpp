#include "config/input_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <system_error>

namespace config {

namespace {

std::string errno_text(int error) { return std::error_code(error, std::generic_category()).message(); }

// Filesystems whose files are made up by the kernel as they are read: their sizes are not
// what a read returns, and a read may block (f_type values of <linux/magic.h>).
struct PseudoFs {
  long magic;
  const char* name;
};
constexpr std::array kPseudoFilesystems{
    PseudoFs{0x9fa0, "proc"},
    PseudoFs{0x62656572, "sysfs"},
    PseudoFs{0x64626720, "debugfs"},
    PseudoFs{0x74726163, "tracefs"},
    PseudoFs{0x73636673, "securityfs"},
    PseudoFs{0x27e0eb, "cgroup"},
    PseudoFs{0x63677270, "cgroup2"},
    PseudoFs{0xcafe4a11, "bpf"},
    PseudoFs{0x62656570, "configfs"},
    PseudoFs{0xde5e81e4, "efivarfs"},
    PseudoFs{0x6165676C, "pstore"},
    PseudoFs{0x1cd1, "devpts"},
    PseudoFs{0x42494e4d, "binfmt_misc"},
    PseudoFs{0x50495045, "pipefs"},
    PseudoFs{0x534F434B, "sockfs"},
};

const char* pseudo_filesystem(int fd) {
  struct statfs fs {};
  if (::fstatfs(fd, &fs) != 0) return nullptr;
  for (const PseudoFs& p : kPseudoFilesystems) {
    if (static_cast<long>(fs.f_type) == p.magic) return p.name;
  }
  return nullptr;
}

}  // namespace

const char* file_kind(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

std::string byte_limit_text(std::uint64_t bytes) {
  if (bytes >= (std::uint64_t{1} << 30) && bytes % (std::uint64_t{1} << 30) == 0) {
    return std::to_string(bytes >> 30) + " GiB";
  }
  if (bytes >= (std::uint64_t{1} << 20) && bytes % (std::uint64_t{1} << 20) == 0) {
    return std::to_string(bytes >> 20) + " MiB";
  }
  return std::to_string(bytes) + " bytes";
}

std::optional<FileId> file_id(const std::string& path) {
  struct stat st {};
  if (path.empty() || ::stat(path.c_str(), &st) != 0) return std::nullopt;
  return FileId{st.st_dev, st.st_ino};
}

std::optional<InputFile> open_input(const std::string& path, std::uint64_t max_bytes, std::string& error) {
  if (path.empty()) {
    error = "no file name given";
    return std::nullopt;
  }
  // O_NONBLOCK: opening a FIFO for reading otherwise waits for a writer; O_NOCTTY: a
  // terminal never becomes ours.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) {
    error = errno_text(errno);
    return std::nullopt;
  }
  const auto refuse = [&](std::string why) {
    ::close(fd);
    error = std::move(why);
    return std::nullopt;
  };
  struct stat st {};
  if (::fstat(fd, &st) != 0) return refuse(errno_text(errno));
  if (S_ISDIR(st.st_mode)) return refuse(errno_text(EISDIR));
  if (!S_ISREG(st.st_mode)) {
    return refuse(std::string("not a regular file (") + file_kind(st.st_mode) +
                  "): only a regular file can be read to its end without waiting");
  }
  if (const char* fs = pseudo_filesystem(fd)) {
    return refuse(std::string("on the ") + fs +
                  " pseudo-filesystem, whose files have no real size and may block when read");
  }
  if (st.st_size < 0 || static_cast<std::uint64_t>(st.st_size) > max_bytes) {
    return refuse("larger than the limit of " + byte_limit_text(max_bytes));
  }
  // A regular file never blocks; reads from here on are the ordinary kind.
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) return refuse(errno_text(errno));
  FileHandle file(::fdopen(fd, "rb"));
  if (!file) return refuse(errno_text(errno));
  return InputFile{std::move(file), FileId{st.st_dev, st.st_ino}, static_cast<std::uint64_t>(st.st_size)};
}

std::optional<std::string> read_input(const std::string& path, std::uint64_t max_bytes, std::string& error) {
  std::optional<InputFile> in = open_input(path, max_bytes, error);
  if (!in) return std::nullopt;
  std::string text;
  char buffer[1 << 16];
  std::size_t n = 0;
  // One byte past the limit tells a file that has grown too large, without reading the rest.
  while (text.size() <= max_bytes && (n = std::fread(buffer, 1, sizeof buffer, in->file.get())) > 0) {
    text.append(buffer, std::min<std::uint64_t>(n, max_bytes + 1 - text.size()));
  }
  if (std::ferror(in->file.get())) {
    error = errno_text(errno);
    return std::nullopt;
  }
  if (text.size() > max_bytes) {
    error = "larger than the limit of " + byte_limit_text(max_bytes);
    return std::nullopt;
  }
  return text;
}

}  // namespace config
