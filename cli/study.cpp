#include "cli/study.h"

#include <algorithm>
#include <variant>

#include "config/window.h"

namespace cli {

bool paths_overlap(std::string_view a, std::string_view b) {
  if (a.size() > b.size()) std::swap(a, b);
  if (!b.starts_with(a)) return false;
  return b.size() == a.size() || b[a.size()] == '.' || b[a.size()] == '[';
}

Point assignments(const Study& study, std::size_t p) {
  Point all = study.pins;
  all.insert(all.end(), study.points[p].begin(), study.points[p].end());
  return all;
}

std::optional<Point> parse_pins(std::span<const std::string> set_arguments, std::ostream& err) {
  bool ok = true;
  Point pins;
  for (const std::string& argument : set_arguments) {
    auto parsed = parse_vary(argument, "--set");
    if (const auto* e = std::get_if<std::string>(&parsed)) {
      err << "synstorm: " << *e << "\n";
      ok = false;
      continue;
    }
    const Vary& v = std::get<Vary>(parsed);
    if (v.values.size() != 1) {
      err << "synstorm: --set " << argument << ": one value expected, got " << v.values.size()
          << " (to try several, use --vary)\n";
      ok = false;
      continue;
    }
    const auto same = std::find_if(pins.begin(), pins.end(),
                                   [&](const config::Override& o) { return paths_overlap(o.path, v.path); });
    if (same != pins.end()) {
      err << "synstorm: --set " << argument << ": " << v.path
          << (same->path == v.path ? " is already set by " : " overlaps what is set by ") << same->origin << "\n";
      ok = false;
      continue;
    }
    pins.push_back(config::Override{v.path, v.values.front(), "--set " + v.path + "=" + v.values.front()});
  }
  if (!ok) return std::nullopt;
  return pins;
}

std::optional<Study> prepare_study(const std::string& file, std::span<const std::string> vary_arguments,
                                   std::ostream& err, std::span<const std::string> set_arguments,
                                   const std::optional<std::string>& window) {
  std::optional<Point> pins = parse_pins(set_arguments, err);
  bool ok = pins.has_value();
  std::vector<Vary> varies;
  for (const std::string& argument : vary_arguments) {
    auto parsed = parse_vary(argument);
    if (const auto* e = std::get_if<std::string>(&parsed)) {
      err << "synstorm: " << *e << "\n";
      ok = false;
      continue;
    }
    Vary v = std::get<Vary>(std::move(parsed));
    const auto same =
        std::find_if(varies.begin(), varies.end(), [&](const Vary& w) { return paths_overlap(w.path, v.path); });
    if (same != varies.end()) {
      err << "synstorm: --vary " << v.argument << ": " << v.path
          << (same->path == v.path ? " is already varied by --vary " : " overlaps what is varied by --vary ")
          << same->argument << " (the result would depend on their order)\n";
      ok = false;
      continue;
    }
    if (pins) {
      const auto pinned = std::find_if(pins->begin(), pins->end(),
                                       [&](const config::Override& o) { return paths_overlap(o.path, v.path); });
      if (pinned != pins->end()) {
        err << "synstorm: --vary " << v.argument << ": " << v.path << " is also pinned by " << pinned->origin
            << " (a setting is either varied or pinned)\n";
        ok = false;
        continue;
      }
    }
    varies.push_back(std::move(v));
  }
  if (!ok) return std::nullopt;
  if (grid_size(varies) == 0) {
    err << "synstorm: the --vary arguments make more than " << kMaxVaryValues << " points\n";
    return std::nullopt;
  }
  Study study{config::ScenarioSource::from_file(file), std::move(varies), {}, std::move(*pins), false, window};
  study.points = expand_grid(study.varies);
  return study;
}

std::optional<model::ScenarioSpec> load_point(const Study& study, std::size_t point, std::ostream& err,
                                              std::vector<std::string>& printed, std::vector<std::string>& inputs) {
  config::LoadResult r = study.source.load(assignments(study, point));
  for (std::string& in : r.inputs) {
    if (std::find(inputs.begin(), inputs.end(), in) == inputs.end()) inputs.push_back(std::move(in));
  }
  if (r.ok() && study.window) {
    // Checked against each point's duration, which a --vary may change.
    const auto w = config::parse_window(*study.window, r.spec->duration);
    if (w.ok()) {
      r.spec->measure = *w.value;
      return std::move(r.spec);
    }
    std::string line = "synstorm: --window: " + w.error;
    if (std::find(printed.begin(), printed.end(), line) == printed.end()) {
      err << line << "\n";
      printed.push_back(std::move(line));
    }
    return std::nullopt;
  }
  if (r.ok()) return std::move(r.spec);
  for (const config::Diagnostic& d : r.errors) {
    std::string line = config::format(d);
    if (std::find(printed.begin(), printed.end(), line) != printed.end()) continue;
    err << line << "\n";
    printed.push_back(std::move(line));
  }
  return std::nullopt;
}

bool agreed(bool here_ok, bool all_ok, std::ostream& err) {
  if (here_ok && !all_ok) {
    err << "synstorm: another MPI rank could not read or load the scenario (is the file on every node?)\n";
  }
  return all_ok;
}

std::vector<std::uint64_t> replication_seeds(const Study& study, std::size_t p, std::uint64_t seed, std::uint32_t first,
                                             std::uint32_t count) {
  const Point point = study.crn ? Point{} : assignments(study, p);
  std::vector<std::uint64_t> seeds;
  seeds.reserve(count);
  for (std::uint32_t r = first; r < first + count; ++r) seeds.push_back(replication_seed(seed, point, r));
  return seeds;
}

}  // namespace cli
