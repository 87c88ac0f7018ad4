// Tests of viewer::list_directory, the file dialog's listing.
#include "viewer/files.h"

#include <unistd.h>

#include <fstream>

#include <catch2/catch.hpp>

TEST_CASE("a listing shows folders first, then the files with a wanted extension, by name, no hidden ones",
          "[viewer][files]") {
  const auto dir = std::filesystem::path(SYNSTORM_BINARY_DIR) / ("files-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "zeta");
  std::filesystem::create_directories(dir / "alpha");
  std::filesystem::create_directories(dir / ".git");
  for (const char* f : {"b.yaml", "a.yml", "c.csv", "notes.txt", ".hidden.yaml"}) std::ofstream(dir / f) << "x";

  const auto names = [](const std::vector<viewer::DirEntry>& es) {
    std::vector<std::string> out;
    for (const auto& e : es) out.push_back(e.directory ? e.name + "/" : e.name);
    return out;
  };
  REQUIRE(names(viewer::list_directory(dir, {".yaml", ".yml"})) ==
          std::vector<std::string>{"alpha/", "zeta/", "a.yml", "b.yaml"});
  REQUIRE(names(viewer::list_directory(dir, {})) ==
          std::vector<std::string>{"alpha/", "zeta/", "a.yml", "b.yaml", "c.csv", "notes.txt"});
  REQUIRE(viewer::list_directory(dir / "missing", {}).empty());
  std::filesystem::remove_all(dir);
}
