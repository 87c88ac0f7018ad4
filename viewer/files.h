// viewer/files.h — what the viewer's file dialog lists: a directory's subdirectories and
// the files it can open, by name.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace viewer {

struct DirEntry {
  std::string name;
  bool directory = false;
};

// Subdirectories first, then files whose extension (".yaml") is one of `extensions`
// (every file when it is empty), each group sorted by name; hidden entries (".x") are left
// out. An unreadable directory lists nothing.
std::vector<DirEntry> list_directory(const std::filesystem::path& dir, const std::vector<std::string>& extensions);

}  // namespace viewer
