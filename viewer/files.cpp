#include "viewer/files.h"

#include <algorithm>
#include <system_error>

namespace viewer {

std::vector<DirEntry> list_directory(const std::filesystem::path& dir, const std::vector<std::string>& extensions) {
  std::vector<DirEntry> out;
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec);
  for (; !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.empty() || name.front() == '.') continue;
    std::error_code type_ec;
    const bool directory = it->is_directory(type_ec);
    if (!directory) {
      const std::string ext = it->path().extension().string();
      if (!extensions.empty() && std::find(extensions.begin(), extensions.end(), ext) == extensions.end()) continue;
    }
    out.push_back({name, directory});
  }
  std::sort(out.begin(), out.end(), [](const DirEntry& a, const DirEntry& b) {
    return a.directory != b.directory ? a.directory : a.name < b.name;
  });
  return out;
}

}  // namespace viewer
