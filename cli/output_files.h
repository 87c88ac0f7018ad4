// cli/output_files.h — the files a command writes (--json, --timeseries, --out), so that
// none clobbers what is not ours and none is ever left half-written.
//
// Every output is checked and created before any simulation starts (prepare), and written
// after it (write, then commit):
// - "-" means standard output; a path that exists must be a regular file (a symbolic link
//   is followed, and its target is replaced): a device, a FIFO, a directory or a socket is
//   refused, never replaced by a regular file.
// - Two outputs may not be the same file (or both "-"), nor may an output be one of the
//   command's inputs (the scenario, a trace).
// - Each file is written to a temporary created exclusively (mkstemp) in its target's
//   directory, and renamed over the target only by commit(), once every output is
//   written. An OutputFiles destroyed before commit() removes its temporaries: a command
//   that exits 2 (or 1) leaves nothing behind.
#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <vector>

namespace cli {

class OutputFiles {
 public:
  OutputFiles() = default;
  OutputFiles(const OutputFiles&) = delete;
  OutputFiles& operator=(const OutputFiles&) = delete;
  ~OutputFiles();

  // Names an output; `flag` names it in messages ("--json"). An empty path is no output.
  void add(std::string flag, std::string path);

  // Checks every output against the rules above and creates its temporary file. Returns ""
  // or every problem, one per line ("--json /dev/null: not a regular file (a character
  // device); use - for standard output"); nothing is left behind then.
  std::string prepare(const std::vector<std::string>& inputs);

  // Whether the output named by `flag` was given; whether any output is standard output.
  bool has(const std::string& flag) const;
  bool any_to_stdout() const;

  // Writes the output named by `flag` (standard output at once; a file to its temporary).
  // Returns "" or why it failed. Requires: prepare() succeeded.
  std::string write(const std::string& flag, const std::function<void(std::ostream&)>& body);

  // Renames every written temporary over its target. Returns "" or why one failed (the
  // others are committed all the same).
  std::string commit();

 private:
  struct Output {
    std::string flag;
    std::string path;    // as given
    std::string target;  // the file finally replaced (a symbolic link's target)
    std::string temporary;
    int fd = -1;
    bool written = false;
  };
  void discard();
  std::vector<Output> outputs_;
};

}  // namespace cli
