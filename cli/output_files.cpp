#include "cli/output_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <streambuf>
#include <system_error>

#include "config/input_file.h"

namespace cli {

namespace {

namespace fs = std::filesystem;

std::string errno_text(int error) { return std::error_code(error, std::generic_category()).message(); }

// A streambuf over a file descriptor we own, buffered; `failed` after a write error.
class FdBuffer : public std::streambuf {
 public:
  explicit FdBuffer(int fd) : fd_(fd) { setp(buffer_, buffer_ + sizeof buffer_); }
  bool flush_all() { return sync() == 0; }

 protected:
  int_type overflow(int_type c) override {
    if (sync() != 0) return traits_type::eof();
    if (!traits_type::eq_int_type(c, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(c);
      pbump(1);
    }
    return traits_type::not_eof(c);
  }
  int sync() override {
    const char* p = pbase();
    while (p < pptr()) {
      const ssize_t n = ::write(fd_, p, static_cast<std::size_t>(pptr() - p));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return -1;
      p += n;
    }
    setp(buffer_, buffer_ + sizeof buffer_);
    return 0;
  }

 private:
  int fd_;
  char buffer_[1 << 16];
};

// What an output's target is, for telling two outputs (or an output and an input) apart:
// an existing file by its identity, a new one by its directory's identity and its name.
struct Identity {
  std::optional<config::FileId> file;
  std::optional<config::FileId> directory;
  std::string name;
  bool same_as(const Identity& o) const {
    if (file || o.file) return file && o.file && *file == *o.file;
    return directory && o.directory && *directory == *o.directory && name == o.name;
  }
};

Identity identity_of(const std::string& target) {
  const fs::path p(target);
  const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  return Identity{config::file_id(target), config::file_id(dir.string()), p.filename().string()};
}

mode_t current_umask() {
  const mode_t m = ::umask(0);
  ::umask(m);
  return m;
}

}  // namespace

OutputFiles::~OutputFiles() { discard(); }

void OutputFiles::add(std::string flag, std::string path) {
  if (!path.empty()) outputs_.push_back(Output{std::move(flag), std::move(path), "", "", -1, false});
}

bool OutputFiles::has(const std::string& flag) const {
  for (const Output& o : outputs_) {
    if (o.flag == flag) return true;
  }
  return false;
}

bool OutputFiles::any_to_stdout() const {
  for (const Output& o : outputs_) {
    if (o.path == "-") return true;
  }
  return false;
}

std::string OutputFiles::prepare(const std::vector<std::string>& inputs) {
  std::string problems;
  const auto problem = [&](const Output& o, const std::string& why) {
    problems += o.flag + " " + o.path + ": " + why + "\n";
  };
  // The target of each output: a symbolic link is followed to a regular file.
  for (Output& o : outputs_) {
    if (o.path == "-") continue;
    o.target = o.path;
    struct stat st {};
    if (::stat(o.path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
      problem(o, std::string("exists and is ") + config::file_kind(st.st_mode) +
                     ", not a regular file; only a regular file is replaced (use - for standard output)");
      continue;
    }
    if (::lstat(o.path.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
      std::error_code ec;
      const fs::path resolved = fs::canonical(o.path, ec);
      if (ec) {
        problem(o, "a symbolic link to nothing (" + ec.message() + "); name the file itself");
        continue;
      }
      o.target = resolved.string();
    }
  }
  // No two the same, none an input.
  std::vector<config::FileId> input_ids;
  for (const std::string& in : inputs) {
    if (const auto id = config::file_id(in)) input_ids.push_back(*id);
  }
  for (std::size_t i = 0; i < outputs_.size(); ++i) {
    const Output& o = outputs_[i];
    for (std::size_t k = 0; k < i; ++k) {
      const Output& earlier = outputs_[k];
      const bool both_stdout = o.path == "-" && earlier.path == "-";
      const bool same =
          both_stdout || (o.path != "-" && earlier.path != "-" && !o.target.empty() && !earlier.target.empty() &&
                          identity_of(o.target).same_as(identity_of(earlier.target)));
      if (same) problem(o, "the same file as " + earlier.flag + " " + earlier.path + "; give each output its own");
    }
    if (o.path == "-" || o.target.empty()) continue;
    const auto id = config::file_id(o.target);
    for (std::size_t k = 0; id && k < input_ids.size(); ++k) {
      if (*id == input_ids[k]) problem(o, "the same file as the input " + inputs[k] + "; it would be overwritten");
    }
  }
  if (!problems.empty()) return problems;
  // Create every temporary now, so that a directory that cannot be written is known before
  // anything runs.
  const mode_t mode = 0666 & ~current_umask();
  for (Output& o : outputs_) {
    if (o.path == "-") continue;
    const fs::path target(o.target);
    const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
    std::string name = (dir / ("." + target.filename().string() + ".synstorm-XXXXXX")).string();
    const int fd = ::mkostemp(name.data(), O_CLOEXEC);
    if (fd < 0) {
      problem(o, "cannot create a file in " + dir.string() + ": " + errno_text(errno));
      continue;
    }
    ::fchmod(fd, mode);
    o.fd = fd;
    o.temporary = name;
  }
  if (!problems.empty()) discard();
  return problems;
}

std::string OutputFiles::write(const std::string& flag, const std::function<void(std::ostream&)>& body) {
  for (Output& o : outputs_) {
    if (o.flag != flag) continue;
    if (o.path == "-") {
      body(std::cout);
      std::cout.flush();
      return std::cout ? "" : "cannot write " + flag + " to standard output";
    }
    FdBuffer buffer(o.fd);
    std::ostream out(&buffer);
    body(out);
    if (!buffer.flush_all() || !out) return "cannot write " + o.path + ": " + errno_text(errno);
    o.written = true;
    return "";
  }
  return "";
}

std::string OutputFiles::commit() {
  std::string problems;
  for (Output& o : outputs_) {
    if (o.fd < 0 || !o.written) continue;
    if (::close(o.fd) != 0) problems += "cannot write " + o.path + ": " + errno_text(errno) + "\n";
    o.fd = -1;
    if (problems.empty() && std::rename(o.temporary.c_str(), o.target.c_str()) != 0) {
      problems += "cannot write " + o.path + ": " + errno_text(errno) + "\n";
    } else if (problems.empty()) {
      o.temporary.clear();
    }
  }
  discard();
  return problems;
}

void OutputFiles::discard() {
  for (Output& o : outputs_) {
    if (o.fd >= 0) ::close(o.fd);
    o.fd = -1;
    if (!o.temporary.empty()) ::unlink(o.temporary.c_str());
    o.temporary.clear();
  }
}

}  // namespace cli
