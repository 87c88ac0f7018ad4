// tests/fuzz/loader_fuzz.cpp — libFuzzer target: any bytes through config::load_scenario_text.
//
// config/loader.h promises that no input crashes the loader, makes it throw, recurse
// without bound, hang or allocate without bound. Built with ASan and UBSan (SYNSTORM_FUZZ),
// a broken promise is a crash, a timeout or an out-of-memory that libFuzzer keeps as an
// artifact; the checks below add the result's own contract and determinism.
//
// Files a scenario names (traces) are read relative to an empty directory of the fuzzer's
// own (load_scenario_text takes the directory they are relative to), so that a
// relative name fails as an unreadable file does and the outcome does not depend on where
// the fuzzer was started. scripts/fuzz.sh runs it.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "config/loader.h"

namespace {

// Like assert, but also in builds with NDEBUG: a failed check must reach libFuzzer.
void require(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "loader_fuzz: contract broken: %s\n", what);
  std::abort();
}

std::string all_messages(const config::LoadResult& r) {
  std::string out;
  for (const config::Diagnostic& d : r.errors) out += config::format(d) + "\n";
  return out;
}

std::string empty_directory;

void remove_empty_directory() { ::rmdir(empty_directory.c_str()); }

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  std::string pattern = (std::filesystem::temp_directory_path() / "synstorm-fuzz-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    std::perror("loader_fuzz: cannot make an empty directory");
    std::exit(1);
  }
  empty_directory = pattern;
  std::atexit(remove_empty_directory);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto load = [&] { return config::load_scenario_text(text, "fuzz.yaml", empty_directory); };
  const config::LoadResult r = load();

  require(r.ok() == r.errors.empty(), "a spec iff there are no errors");
  require(r.errors.size() <= config::kMaxDiagnostics + 1, "at most kMaxDiagnostics errors and the last word");
  for (const config::Diagnostic& d : r.errors) {
    require(d.file == "fuzz.yaml", "every diagnostic names the text");
    require(!d.message.empty(), "every diagnostic says something");
    require(d.line >= 0 && d.column >= 0 && (d.line > 0 || d.column == 0), "positions are 1-based, or none");
  }
  // The same text gives the same answer: nothing may depend on uninitialised memory,
  // addresses or the order of a hash table.
  const config::LoadResult again = load();
  require(all_messages(again) == all_messages(r), "the same diagnostics on a second load");
  require(again.ok() == r.ok(), "the same verdict on a second load");
  return 0;
}
