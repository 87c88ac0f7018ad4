// tests/fuzz/vary_fuzz.cpp — libFuzzer target: any bytes as a --vary argument
// (cli::parse_vary), and any two as a grid.
//
// cli/vary.h promises an answer for every argument: a Vary whose values are bounded by
// kMaxVaryValues, or a message that names the argument. Built with ASan and UBSan, an
// overflow in the exact decimal arithmetic of a range is a crash libFuzzer keeps.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

#include "cli/study.h"
#include "cli/vary.h"

namespace {

void require(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "vary_fuzz: contract broken: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto parsed = cli::parse_vary(text);
  if (const auto* error = std::get_if<std::string>(&parsed)) {
    require(error->rfind("--vary ", 0) == 0, "a message names the argument");
  } else {
    const cli::Vary& v = std::get<cli::Vary>(parsed);
    require(!v.values.empty(), "a Vary has values");
    require(v.values.size() <= cli::kMaxVaryValues, "at most kMaxVaryValues values");
    require(cli::paths_overlap(v.path, v.path), "a path overlaps itself");
    const cli::Vary pair[] = {v, v};
    const std::size_t n = cli::grid_size(pair);
    require(n == 0 || n == v.values.size() * v.values.size(), "a grid's size is the product, or 0 past the limit");
  }
  // Deterministic: the same argument, the same answer.
  const auto again = cli::parse_vary(text);
  require(again.index() == parsed.index(), "the same verdict twice");
  if (const auto* v = std::get_if<cli::Vary>(&again))
    require(v->values == std::get<cli::Vary>(parsed).values, "the same values twice");
  return 0;
}
