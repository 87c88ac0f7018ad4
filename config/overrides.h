// config/overrides.h — a scenario loaded with some of its values replaced, for sweeps.
//
// An override names a value the scenario file sets by its key path, as the loader's
// messages write it ("hosts.web.listeners[0].backlog", "clients.users.arrivals.rate",
// "hosts.web.os"), and gives the new value as YAML text ("64", "2000/s", "windows",
// "{dist: constant, value: 2ms}"). The value replaces the old one in the parsed tree, at the
// old one's position, and the tree is then read exactly as a file is: every check applies,
// and a bad value is reported at the scenario's file:line:column of the value it replaced,
// naming the override that set it. A path the file does not have (no such key, an index
// out of range, a key under a scalar) is reported at the nearest node that exists, with a
// "did you mean" over the keys there. An override only changes what the file writes: to
// vary a value left to its default, write the default in the file.
//
// A value that the file shares through a YAML alias (`*name`) changes everywhere the alias
// is used: an alias is the same node.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "config/loader.h"

namespace config {

struct Override {
  std::string path;    // "hosts.web.listeners[0].backlog"
  std::string value;   // YAML text
  std::string origin;  // where the user wrote it, for messages: "--vary hosts.web.os=windows"
};

// The canonical spelling of an override path (the loader's: `a.b[0].c`, no spaces), or
// nullopt with the reason in `error`: an empty key, a malformed or negative index.
std::optional<std::string> canonical_override_path(std::string_view path, std::string& error);

// A scenario read once and loaded any number of times, each time with its own overrides:
// the points of a sweep all see the same text even if the file changes meanwhile.
class ScenarioSource {
 public:
  // Reads the file. An unreadable file is not an error here; every load() reports it.
  static ScenarioSource from_file(const std::string& path);
  // YAML text, named `display_name` in diagnostics; files it names are read relative to
  // the current directory.
  static ScenarioSource from_text(std::string text, std::string display_name);

  const std::string& display_name() const { return display_name_; }
  // FNV-1a of the text: tells whether two sweeps ran the same scenario.
  std::uint64_t fingerprint() const;

  // Loads the scenario with `overrides` applied in order (a later override may reach into
  // a value an earlier one set).
  LoadResult load(std::span<const Override> overrides = {}) const;

 private:
  ScenarioSource() = default;

  std::string display_name_;
  std::string text_;
  std::string read_error_;  // non-empty: the file could not be read
  std::string base_dir_;
  std::string file_path_;  // the file the text was read from; "" for text
};

}  // namespace config
