// viewer/plot.h — the few charts the viewer draws, on ImGui's draw lists.
//
// ImGui's PlotLines draws one series without axes; the viewer needs several series on one
// pair of axes (a run and the run it is compared with), confidence bands and labelled
// ticks, so these widgets draw with ImDrawList. Rendering only: they take plain numbers.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include <imgui.h>

namespace viewer::ui {

struct Series {
  std::string label;  // empty: not in the legend
  std::vector<double> x, y;
  ImU32 color = IM_COL32(255, 255, 255, 255);
  float thickness = 1.5f;
  // A band drawn under the line (a confidence interval); NaN where there is none.
  std::vector<double> lo, hi;
  bool markers = false;    // a dot at each point (sweeps: few points)
  bool dashed = false;     // told apart from a line of the same hue without colour
  std::string hover = {};  // the name in the hover tooltip, if not `label` (both empty: none)
};

struct Axes {
  double x_min = 0, x_max = 1;
  std::optional<double> y_max;  // else from the data (and at least `y_floor`)
  double y_floor = 1;
  std::string x_unit;                 // "s" after the tick labels
  std::vector<std::string> x_labels;  // categorical x: label i at x = i
  std::optional<double> marker_x;     // a vertical line (the current time)
};

// A chart filling `size` (negative width: the available width). The legend goes in the
// header beside the title (on more rows if need be), never over the data.
void plot(const char* id, const char* title, ImVec2 size, const Axes& axes, std::span<const Series> series);

struct Bars {
  std::vector<double> edges;  // bars + 1 values
  std::vector<double> counts;
  ImU32 color = IM_COL32(90, 160, 230, 255);
};

// Bars over edges in seconds, equally wide on screen (log-spaced edges read as such),
// labelled with their edges as durations.
void bar_chart(const char* id, const char* title, ImVec2 size, const Bars& bars);

// A horizontal gauge of `value` against `limit`: green, then amber past 70%, red when full.
void gauge(const char* label, double value, double limit, float width);

// Compact numbers for labels: 950, 1.2k, 3.4M, 0.25.
std::string compact(double v);
// A duration in seconds as "0", "850us", "12ms", "1.5s".
std::string short_duration(double seconds);

}  // namespace viewer::ui
