#include "viewer/plot.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>

namespace viewer::ui {

namespace {

constexpr ImU32 kFrame = IM_COL32(30, 33, 40, 255);
constexpr ImU32 kInner = IM_COL32(20, 22, 27, 255);
constexpr ImU32 kGrid = IM_COL32(60, 64, 74, 255);
constexpr ImU32 kText = IM_COL32(200, 204, 212, 255);
constexpr ImU32 kMarker = IM_COL32(255, 220, 90, 200);

ImVec2 add(ImVec2 a, ImVec2 b) { return {a.x + b.x, a.y + b.y}; }

// Tick values at 1, 2 or 5 times a power of ten, about `target` of them over [lo, hi].
std::vector<double> ticks(double lo, double hi, int target) {
  std::vector<double> out;
  if (!(hi > lo)) return out;
  const double raw = (hi - lo) / target;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double norm = raw / mag;
  const double step = (norm < 1.5 ? 1 : norm < 3.5 ? 2 : norm < 7.5 ? 5 : 10) * mag;
  for (double v = std::ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
    out.push_back(std::abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

bool finite(double v) { return std::isfinite(v); }

// The y value of a series at the point nearest to x (series x ascending).
std::optional<double> value_near(const Series& s, double x) {
  if (s.x.empty()) return std::nullopt;
  const auto it = std::lower_bound(s.x.begin(), s.x.end(), x);
  std::size_t i = static_cast<std::size_t>(it - s.x.begin());
  if (i == s.x.size() || (i > 0 && x - s.x[i - 1] < s.x[i] - x)) i = i == 0 ? 0 : i - 1;
  return s.y[i];
}

}  // namespace

std::string compact(double v) {
  char buf[32];
  const double a = std::abs(v);
  if (a >= 1e9) {
    std::snprintf(buf, sizeof buf, "%.3gG", v / 1e9);
  } else if (a >= 1e6) {
    std::snprintf(buf, sizeof buf, "%.3gM", v / 1e6);
  } else if (a >= 1e4) {
    std::snprintf(buf, sizeof buf, "%.3gk", v / 1e3);
  } else {
    std::snprintf(buf, sizeof buf, "%.4g", v);
  }
  return buf;
}

std::string short_duration(double s) {
  char buf[32];
  if (s <= 0) return "0";
  if (s < 1e-3) {
    std::snprintf(buf, sizeof buf, "%.3gus", s * 1e6);
  } else if (s < 1) {
    std::snprintf(buf, sizeof buf, "%.3gms", s * 1e3);
  } else {
    std::snprintf(buf, sizeof buf, "%.3gs", s);
  }
  return buf;
}

namespace {

// A chart's place on screen: its frame and title drawn, the data area [lo, hi] left for it.
struct Frame {
  ImDrawList* dl;
  ImVec2 lo, hi;
  float font;
  bool hovered;
};

// A line from a to b in dashes of `dash` pixels with gaps as long; `phase` (how far along
// the pattern the line starts) is carried from one segment to the next.
void dashed_line(ImDrawList* dl, ImVec2 a, ImVec2 b, ImU32 color, float thickness, float dash, float& phase) {
  const float dx = b.x - a.x, dy = b.y - a.y;
  const float len = std::sqrt(dx * dx + dy * dy);
  if (len <= 0) return;
  // Pattern positions are counted from the segment's start: whole half-periods, so that
  // rounding can never stall the walk.
  phase = std::fmod(phase, 2 * dash);
  const int halves = static_cast<int>(std::ceil((phase + len) / dash));
  for (int k = static_cast<int>(phase / dash); k < halves; ++k) {
    const float t0 = std::max(0.0f, static_cast<float>(k) * dash - phase);
    const float t1 = std::min(len, static_cast<float>(k + 1) * dash - phase);
    if (k % 2 == 0 && t1 > t0) {
      dl->AddLine({a.x + dx * t0 / len, a.y + dy * t0 / len}, {a.x + dx * t1 / len, a.y + dy * t1 / len}, color,
                  thickness);
    }
  }
  phase += len;
}

// Requires: inside ImGui::PushID(id) (the item's id is the chart's).
Frame chart_frame(const char* title, ImVec2 size, std::span<const Series> legend = {}) {
  if (size.x <= 0) size.x = ImGui::GetContentRegionAvail().x;
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  ImGui::InvisibleButton("##chart", size);
  Frame f{ImGui::GetWindowDrawList(), {}, {}, ImGui::GetFontSize(), ImGui::IsItemHovered()};
  const float right = p0.x + size.x - 0.6f * f.font;
  f.dl->AddRectFilled(p0, add(p0, size), kFrame, 3.0f);
  const float left = p0.x + 4.5f * f.font;
  f.dl->AddText({left, p0.y + 0.2f * f.font}, kText, title);
  // The legend flows after the title, row after row.
  float x = left + ImGui::CalcTextSize(title).x + 1.2f * f.font;
  float y = p0.y + 0.2f * f.font;
  for (const Series& s : legend) {
    if (s.label.empty()) continue;
    const float w = 1.1f * f.font + ImGui::CalcTextSize(s.label.c_str()).x;
    if (x + w > right && x > left) {
      x = left;
      y += 1.2f * f.font;
    }
    const float mid = y + 0.5f * f.font;
    if (s.dashed) {
      float phase = 0;
      dashed_line(f.dl, {x, mid}, {x + 0.8f * f.font, mid}, s.color, 0.3f * f.font, 0.2f * f.font, phase);
    } else {
      f.dl->AddRectFilled({x, mid - 0.2f * f.font}, {x + 0.8f * f.font, mid + 0.2f * f.font}, s.color);
    }
    f.dl->AddText({x + 1.1f * f.font, y}, kText, s.label.c_str());
    x += w + 1.0f * f.font;
  }
  f.lo = {left, y + 1.2f * f.font};
  f.hi = {right, p0.y + size.y - 1.3f * f.font};
  f.hi.y = std::max(f.hi.y, f.lo.y + f.font);
  f.dl->AddRectFilled(f.lo, f.hi, kInner);
  return f;
}

}  // namespace

void plot(const char* id, const char* title, ImVec2 size, const Axes& axes, std::span<const Series> series) {
  ImGui::PushID(id);
  const auto [dl, lo, hi, font, hovered] = chart_frame(title, size, series);

  double y_min = 0, y_max = axes.y_floor;
  for (const Series& s : series) {
    for (const double v : s.y) {
      if (!finite(v)) continue;
      y_max = std::max(y_max, v);
      y_min = std::min(y_min, v);
    }
    for (const double v : s.hi) {
      if (finite(v)) y_max = std::max(y_max, v);
    }
    for (const double v : s.lo) {
      if (finite(v)) y_min = std::min(y_min, v);
    }
  }
  if (axes.y_max) y_max = *axes.y_max;
  y_max += (y_max - y_min) * 0.05;
  const double x_min = axes.x_min, x_max = axes.x_max > axes.x_min ? axes.x_max : axes.x_min + 1;
  const auto sx = [&](double x) { return lo.x + static_cast<float>((x - x_min) / (x_max - x_min)) * (hi.x - lo.x); };
  const auto sy = [&](double y) { return hi.y - static_cast<float>((y - y_min) / (y_max - y_min)) * (hi.y - lo.y); };

  // Grid and tick labels.
  for (const double v : ticks(y_min, y_max, std::max(2, static_cast<int>((hi.y - lo.y) / (2.5f * font))))) {
    const float y = sy(v);
    dl->AddLine({lo.x, y}, {hi.x, y}, kGrid);
    const std::string text = compact(v);
    const float w = ImGui::CalcTextSize(text.c_str()).x;
    dl->AddText({lo.x - w - 0.3f * font, y - 0.5f * font}, kText, text.c_str());
  }
  if (!axes.x_labels.empty()) {
    for (std::size_t i = 0; i < axes.x_labels.size(); ++i) {
      const float x = sx(static_cast<double>(i));
      dl->AddLine({x, lo.y}, {x, hi.y}, kGrid);
      const float w = ImGui::CalcTextSize(axes.x_labels[i].c_str()).x;
      dl->AddText({x - w / 2, hi.y + 0.15f * font}, kText, axes.x_labels[i].c_str());
    }
  } else {
    for (const double v : ticks(x_min, x_max, std::max(2, static_cast<int>((hi.x - lo.x) / (6.0f * font))))) {
      const float x = sx(v);
      dl->AddLine({x, lo.y}, {x, hi.y}, kGrid);
      const std::string text = compact(v) + axes.x_unit;
      const float w = ImGui::CalcTextSize(text.c_str()).x;
      dl->AddText({x - w / 2, hi.y + 0.15f * font}, kText, text.c_str());
    }
  }

  dl->PushClipRect(lo, hi, true);
  for (const Series& s : series) {
    if (s.lo.size() != s.x.size() || s.hi.size() != s.x.size()) continue;
    const ImU32 band = (s.color & ~IM_COL32_A_MASK) | IM_COL32(0, 0, 0, 60);
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      if (!finite(s.lo[i]) || !finite(s.hi[i])) continue;
      const bool joined = i + 1 < s.x.size() && finite(s.lo[i + 1]) && finite(s.hi[i + 1]);
      if (joined) {
        const ImVec2 quad[4] = {{sx(s.x[i]), sy(s.hi[i])},
                                {sx(s.x[i + 1]), sy(s.hi[i + 1])},
                                {sx(s.x[i + 1]), sy(s.lo[i + 1])},
                                {sx(s.x[i]), sy(s.lo[i])}};
        dl->AddConvexPolyFilled(quad, 4, band);
      }
      // Whiskers show the interval at each point, joined or not.
      const float x = sx(s.x[i]);
      dl->AddLine({x, sy(s.lo[i])}, {x, sy(s.hi[i])}, s.color, 1.0f);
      dl->AddLine({x - 3, sy(s.lo[i])}, {x + 3, sy(s.lo[i])}, s.color, 1.0f);
      dl->AddLine({x - 3, sy(s.hi[i])}, {x + 3, sy(s.hi[i])}, s.color, 1.0f);
    }
  }
  std::vector<ImVec2> points;
  for (const Series& s : series) {
    points.clear();
    for (std::size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
      if (finite(s.y[i])) points.push_back({sx(s.x[i]), sy(s.y[i])});
    }
    if (points.size() >= 2 && s.dashed) {
      float phase = 0;
      for (std::size_t i = 0; i + 1 < points.size(); ++i)
        dashed_line(dl, points[i], points[i + 1], s.color, s.thickness, 0.45f * font, phase);
    } else if (points.size() >= 2) {
      dl->AddPolyline(points.data(), static_cast<int>(points.size()), s.color, 0, s.thickness);
    }
    if (s.markers || points.size() == 1) {
      for (const ImVec2& p : points) dl->AddCircleFilled(p, 2.5f + s.thickness, s.color);
    }
  }
  if (axes.marker_x) {
    const float x = sx(*axes.marker_x);
    dl->AddLine({x, lo.y}, {x, hi.y}, kMarker, 1.5f);
  }
  dl->PopClipRect();

  if (hovered) {
    const ImVec2 m = ImGui::GetIO().MousePos;
    if (m.x >= lo.x && m.x <= hi.x) {
      const double x = x_min + (m.x - lo.x) / (hi.x - lo.x) * (x_max - x_min);
      dl->AddLine({m.x, lo.y}, {m.x, hi.y}, IM_COL32(255, 255, 255, 70));
      ImGui::BeginTooltip();
      if (axes.x_labels.empty()) {
        ImGui::Text("x = %s%s", compact(x).c_str(), axes.x_unit.c_str());
      }
      for (const Series& s : series) {
        const std::string& name = s.hover.empty() ? s.label : s.hover;
        if (name.empty()) continue;
        if (const auto v = value_near(s, x)) ImGui::Text("%s: %s", name.c_str(), compact(*v).c_str());
      }
      ImGui::EndTooltip();
    }
  }
  ImGui::PopID();
}

void bar_chart(const char* id, const char* title, ImVec2 size, const Bars& bars) {
  ImGui::PushID(id);
  const auto [dl, lo, hi, font, hovered] = chart_frame(title, size);
  const std::size_t n = bars.counts.size();
  if (n == 0 || bars.edges.size() != n + 1) {
    ImGui::PopID();
    return;
  }
  double top = 1;
  for (const double c : bars.counts) top = std::max(top, c);
  top *= 1.05;
  for (const double v : ticks(0, top, 4)) {
    const float y = hi.y - static_cast<float>(v / top) * (hi.y - lo.y);
    dl->AddLine({lo.x, y}, {hi.x, y}, kGrid);
    const std::string text = compact(v);
    dl->AddText({lo.x - ImGui::CalcTextSize(text.c_str()).x - 0.3f * font, y - 0.5f * font}, kText, text.c_str());
  }
  const float w = (hi.x - lo.x) / static_cast<float>(n);
  const std::size_t label_every = std::max<std::size_t>(1, static_cast<std::size_t>(5.0f * font / w));
  for (std::size_t i = 0; i < n; ++i) {
    const float x0 = lo.x + w * static_cast<float>(i);
    const float y = hi.y - static_cast<float>(bars.counts[i] / top) * (hi.y - lo.y);
    if (bars.counts[i] > 0) dl->AddRectFilled({x0 + 1, y}, {x0 + w - 1, hi.y}, bars.color);
    if (i % label_every == 0) {
      const std::string text = short_duration(bars.edges[i]);
      dl->AddText({x0, hi.y + 0.15f * font}, kText, text.c_str());
    }
  }
  if (hovered) {
    const ImVec2 m = ImGui::GetIO().MousePos;
    if (m.x >= lo.x && m.x < hi.x) {
      const auto i = std::min(n - 1, static_cast<std::size_t>((m.x - lo.x) / w));
      ImGui::SetTooltip("%s .. %s: %s", short_duration(bars.edges[i]).c_str(),
                        short_duration(bars.edges[i + 1]).c_str(), compact(bars.counts[i]).c_str());
    }
  }
  ImGui::PopID();
}

void gauge(const char* label, double value, double limit, float width) {
  const bool bounded = limit > 0 && limit < static_cast<double>(std::numeric_limits<std::int64_t>::max());
  const double fraction = bounded ? std::clamp(value / limit, 0.0, 1.0) : (value > 0 ? 1.0 : 0.0);
  const ImVec4 color = !bounded          ? ImVec4(0.35f, 0.55f, 0.85f, 1)
                       : value >= limit  ? ImVec4(0.90f, 0.25f, 0.22f, 1)
                       : fraction >= 0.7 ? ImVec4(0.95f, 0.65f, 0.15f, 1)
                                         : ImVec4(0.30f, 0.75f, 0.40f, 1);
  char overlay[64];
  if (bounded) {
    std::snprintf(overlay, sizeof overlay, "%s / %s", compact(value).c_str(), compact(limit).c_str());
  } else {
    std::snprintf(overlay, sizeof overlay, "%s (no limit)", compact(value).c_str());
  }
  ImGui::PushStyleColor(ImGuiCol_PlotHistogram, color);
  ImGui::ProgressBar(static_cast<float>(fraction), {width, 0}, overlay);
  ImGui::PopStyleColor();
  ImGui::SameLine();
  ImGui::TextUnformatted(label);
}

}  // namespace viewer::ui
