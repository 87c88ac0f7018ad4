#include "viewer/app.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <string_view>

#include <imgui.h>
#include <imgui_stdlib.h>
#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>

#include "config/loader.h"
#include "model/personality.h"
#include "sim/format.h"
#include "viewer/outcome_table.h"
#include "viewer/plot.h"
#include "viewer/text.h"
#include "viewer/widgets.h"

namespace viewer::ui {

// The outline of a proxy's diamond in the topology (the screenshot test looks for it).
constexpr ImU32 kProxyOutline = IM_COL32(250, 120, 200, 255);

namespace {

constexpr ImU32 kAttempts = IM_COL32(110, 160, 255, 255);
constexpr ImU32 kAccepted = IM_COL32(90, 205, 120, 255);
constexpr ImU32 kRefused = IM_COL32(235, 85, 70, 255);
constexpr ImU32 kReset = IM_COL32(210, 110, 230, 255);
constexpr ImU32 kTimedOut = IM_COL32(245, 165, 60, 255);
constexpr ImU32 kDropped = IM_COL32(220, 210, 100, 255);
constexpr ImU32 kLost = IM_COL32(150, 150, 160, 255);
constexpr ImU32 kListenerColors[] = {IM_COL32(90, 180, 250, 255),  IM_COL32(250, 140, 80, 255),
                                     IM_COL32(140, 220, 120, 255), IM_COL32(230, 110, 200, 255),
                                     IM_COL32(250, 220, 90, 255),  IM_COL32(160, 150, 250, 255)};

ImU32 faded(ImU32 c) { return (c & ~IM_COL32_A_MASK) | IM_COL32(0, 0, 0, 100); }

ImU32 listener_color(std::size_t i) { return kListenerColors[i % std::size(kListenerColors)]; }

// A color from calm grey to hot red, for a share in [0, 1].
ImU32 heat(float share) {
  share = std::clamp(share, 0.0f, 1.0f);
  const auto mix = [share](int a, int b) {
    return static_cast<int>(static_cast<float>(a) + (static_cast<float>(b - a) * share));
  };
  return IM_COL32(mix(110, 240), mix(115, 70), mix(125, 50), 255);
}

// A column of a time series as a plot line, its rows up to `until`; values divided by
// `per` (the interval, for counts per second).
Series column(const sim::TimeSeries& ts, std::string_view name, double per, std::string label, ImU32 color, bool dashed,
              float thickness = 1.6f, sim::Time until = sim::Time::never()) {
  Series s;
  s.label = std::move(label);
  s.color = color;
  s.thickness = thickness;
  s.dashed = dashed;
  const auto& cols = ts.columns();
  const auto it = std::find(cols.begin(), cols.end(), name);
  if (it == cols.end()) return s;
  const auto c = static_cast<std::size_t>(it - cols.begin());
  for (const auto& row : ts.rows()) {
    if (row.at > until) break;
    s.x.push_back(row.at.seconds());
    s.y.push_back(row.values[c] / per);
  }
  return s;
}

// The run's line and, if there is one, the compared run's beneath it up to the same time.
void add_with_comparison(std::vector<Series>& out, const Session& session, std::string_view name, double per,
                         const std::string& label, ImU32 color, bool dashed = false) {
  if (const auto& cmp = session.comparison()) {
    out.insert(out.begin(), column(cmp->series, name, per, "", faded(color), dashed, 1.0f, session.now()));
  }
  out.push_back(column(session.snapshot().series, name, per, label, color, dashed));
}

// "web:80"; a socket of a reuseport group, each with its own gauges: "web:80#2".
std::string listener_id(const model::ListenerSnapshot& l) {
  std::string id = l.host + ":" + std::to_string(l.port);
  if (l.reuseport_sockets > 0) id += "#" + std::to_string(l.reuseport_socket);
  return id;
}

}  // namespace

// ---- file dialog ---------------------------------------------------------------------------

void FileDialog::open(std::string title, std::vector<std::string> extensions, const std::filesystem::path& start) {
  title_ = std::move(title);
  extensions_ = std::move(extensions);
  requested_ = true;
  path_.clear();
  std::error_code ec;
  enter(std::filesystem::is_directory(start, ec) ? start : std::filesystem::current_path(ec));
}

void FileDialog::enter(const std::filesystem::path& dir) {
  std::error_code ec;
  dir_ = std::filesystem::weakly_canonical(dir, ec);
  if (ec) dir_ = dir;
  entries_ = list_directory(dir_, extensions_);
}

std::optional<std::string> FileDialog::draw() {
  if (requested_) {
    ImGui::OpenPopup(title_.c_str());
    requested_ = false;
  }
  std::optional<std::string> chosen;
  const ImVec2 size = ImGui::GetIO().DisplaySize;
  ImGui::SetNextWindowSize({size.x * 0.5f, size.y * 0.6f}, ImGuiCond_Appearing);
  if (!ImGui::BeginPopupModal(title_.c_str())) return chosen;
  ImGui::TextUnformatted(dir_.string().c_str());
  if (ImGui::Button("Up")) enter(dir_.parent_path());
  ImGui::SameLine();
  ImGui::TextDisabled("(click a folder to enter it, a file to pick it)");
  if (ImGui::BeginChild("entries", {0, -2.5f * ImGui::GetFrameHeightWithSpacing()}, true)) {
    std::optional<std::filesystem::path> next;
    for (const DirEntry& e : entries_) {
      const std::string label = e.directory ? e.name + "/" : e.name;
      const std::string full = (dir_ / e.name).string();
      // A click picks a file, a double click opens it: its second press, on the file the
      // first one picked (not on whatever a folder's listing put under the pointer).
      const bool picked = !e.directory && path_ == full;
      const bool clicked = ImGui::Selectable(label.c_str(), picked, ImGuiSelectableFlags_AllowDoubleClick);
      const bool opened = picked && ImGui::IsItemHovered() && ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left);
      if (clicked || opened) {
        if (e.directory) {
          next = dir_ / e.name;
        } else {
          path_ = full;
          if (opened) chosen = path_;
        }
      }
    }
    if (next) enter(*next);
  }
  ImGui::EndChild();
  ImGui::SetNextItemWidth(-FLT_MIN);
  const bool typed = ImGui::InputText("##path", &path_, ImGuiInputTextFlags_EnterReturnsTrue);
  if ((ImGui::Button("Open") || typed) && !path_.empty()) chosen = path_;
  ImGui::SameLine();
  if (ImGui::Button("Cancel") || ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape))) ImGui::CloseCurrentPopup();
  if (chosen) ImGui::CloseCurrentPopup();
  ImGui::EndPopup();
  return chosen;
}

// ---- sweep view --------------------------------------------------------------------------------

std::string SweepView::open(const std::string& path) {
  auto r = read_csv_file(path);
  if (auto* err = std::get_if<std::string>(&r)) return *err;
  CsvTable t = std::move(std::get<CsvTable>(r));
  SweepColumns c = classify_sweep_columns(t);
  if (c.metrics.empty()) return path + ": no <metric>_mean column: not a sweep's CSV";
  if (c.parameters.empty()) return path + ": no parameter column to plot the metrics against";
  path_ = path;
  table_ = std::move(t);
  columns_ = std::move(c);
  x_choices_ = x_candidates(*table_, columns_);
  x_ = 0;
  metric_ = 0;
  group_ = default_group(*table_, columns_, x_choices_[x_]);
  return {};
}

std::string SweepView::choose(const std::string& metric, const std::string& x, const std::string& series) {
  auto r = choose_sweep_view(*table_, columns_, metric, x, series);
  if (auto* err = std::get_if<std::string>(&r)) return path_ + ": " + *err;
  const SweepChoice& c = std::get<SweepChoice>(r);
  metric_ = c.metric;
  x_ = static_cast<std::size_t>(std::find(x_choices_.begin(), x_choices_.end(), c.x) - x_choices_.begin());
  group_ = c.group;
  return {};
}

void SweepView::draw() {
  if (!table_) {
    ImGui::TextWrapped(
        "Open a sweep's CSV (synstorm sweep --out FILE.csv): one row per point, a column per varied "
        "parameter and <metric>_mean columns with their confidence intervals.");
    return;
  }
  const CsvTable& t = *table_;
  ImGui::Text("%s: %zu points, %zu metrics", path_.c_str(), t.rows.size(), columns_.metrics.size());
  const float combo = 16.0f * ImGui::GetFontSize();
  ImGui::SetNextItemWidth(combo);
  if (ImGui::BeginCombo("metric", columns_.metrics[metric_].name.c_str())) {
    for (std::size_t i = 0; i < columns_.metrics.size(); ++i) {
      if (ImGui::Selectable(columns_.metrics[i].name.c_str(), i == metric_)) metric_ = i;
    }
    ImGui::EndCombo();
  }
  ImGui::SameLine();
  ImGui::SetNextItemWidth(combo);
  if (ImGui::BeginCombo("against", t.columns[x_choices_[x_]].c_str())) {
    for (std::size_t i = 0; i < x_choices_.size(); ++i) {
      if (ImGui::Selectable(t.columns[x_choices_[i]].c_str(), i == x_)) {
        x_ = i;
        group_ = default_group(t, columns_, x_choices_[x_]);
      }
    }
    ImGui::EndCombo();
  }
  ImGui::SameLine();
  ImGui::SetNextItemWidth(combo);
  if (ImGui::BeginCombo("one line per", group_ ? t.columns[*group_].c_str() : "(none)")) {
    if (ImGui::Selectable("(none)", !group_)) group_.reset();
    for (const std::size_t p : varying_parameters(t, columns_)) {
      if (p != x_choices_[x_] && ImGui::Selectable(t.columns[p].c_str(), group_ == p)) group_ = p;
    }
    ImGui::EndCombo();
  }
  const SweepMetric& m = columns_.metrics[metric_];
  const SweepPlot sp = sweep_plot(t, x_choices_[x_], m, group_);
  std::vector<Series> lines;
  Axes axes;
  axes.y_floor = 0;
  axes.x_labels = sp.x_labels;
  bool first = true;
  for (std::size_t i = 0; i < sp.curves.size(); ++i) {
    const SweepCurve& c = sp.curves[i];
    Series s{.label = c.label,
             .x = c.x,
             .y = c.mean,
             .color = listener_color(i),
             .thickness = 2.0f,
             .lo = c.lo,
             .hi = c.hi,
             .markers = true};
    for (const double x : c.x) {
      axes.x_min = first ? x : std::min(axes.x_min, x);
      axes.x_max = first ? x : std::max(axes.x_max, x);
      first = false;
    }
    lines.push_back(std::move(s));
  }
  if (!axes.x_labels.empty()) {
    axes.x_min = -0.5;
    axes.x_max = static_cast<double>(axes.x_labels.size()) - 0.5;
  } else {
    const double pad = std::max((axes.x_max - axes.x_min) * 0.04, 1e-9);
    axes.x_min -= pad;
    axes.x_max += pad;
  }
  const std::string title = m.name + " (mean" +
                            (m.has_band() ? ", band: confidence interval)" : "; no interval in the file)") +
                            " against " + t.columns[x_choices_[x_]];
  const float table_height =
      std::min(12.0f, static_cast<float>(t.rows.size()) + 2.0f) * ImGui::GetTextLineHeightWithSpacing();
  plot("sweep", title.c_str(), {-1, ImGui::GetContentRegionAvail().y - table_height - ImGui::GetStyle().ItemSpacing.y},
       axes, lines);
  if (sp.skipped_rows > 0) ImGui::Text("%zu rows without a number for this metric are left out", sp.skipped_rows);
  if (sp.clipped_points > 0) {
    ImGui::TextDisabled("%zu intervals reach past what %s can be; their bands stop at its range", sp.clipped_points,
                        m.name.c_str());
  }

  const int ncols = static_cast<int>(std::min<std::size_t>(t.columns.size(), 64));
  if (ImGui::BeginTable("rows", ncols,
                        ImGuiTableFlags_ScrollX | ImGuiTableFlags_ScrollY | ImGuiTableFlags_RowBg |
                            ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingFixedFit,
                        {0, ImGui::GetContentRegionAvail().y})) {
    ImGui::TableSetupScrollFreeze(0, 1);
    for (int c = 0; c < ncols; ++c) ImGui::TableSetupColumn(t.columns[static_cast<std::size_t>(c)].c_str());
    ImGui::TableHeadersRow();
    for (const auto& row : t.rows) {
      ImGui::TableNextRow();
      for (int c = 0; c < ncols; ++c) {
        ImGui::TableSetColumnIndex(c);
        ImGui::TextUnformatted(row[static_cast<std::size_t>(c)].c_str());
      }
    }
    ImGui::EndTable();
  }
}

// ---- the application ---------------------------------------------------------------------------

std::string App::open_scenario(const std::string& path) {
  config::LoadResult r = config::load_scenario_file(path);
  if (!r.ok()) {
    std::string message;
    for (const auto& d : r.errors) message += config::format(d) + "\n";
    return message;
  }
  model::ScenarioSpec spec = std::move(*r.spec);
  if (options_.seed) spec.seed = *options_.seed;
  topology_ = build_topology(spec);
  session_ = std::make_unique<Session>(std::move(spec), path);
  what_if_listener_ = 0;
  latency_group_ = -1;
  latency_key_ = {};
  narration_seen_ = 0;
  select_tab_ = Tab::kRun;
  return {};
}

std::string App::open_sweep(const std::string& path) {
  std::string err = sweep_.open(path);
  if (err.empty()) select_tab_ = Tab::kSweep;
  return err;
}

void App::set_ui_scale(float scale) {
  ui_scale_ = std::clamp(scale, kMinScale, kMaxScale);
  if (!scale_set_) default_scale_ = ui_scale_;
  scale_set_ = true;
}

void App::handle_shortcuts() {
  const ImGuiIO& io = ImGui::GetIO();
  // Keys belong to the field being typed in, and to an open dialog.
  if (io.WantTextInput || ImGui::IsPopupOpen(nullptr, ImGuiPopupFlags_AnyPopupId)) return;
  const auto pressed = [](int glfw_key) { return ImGui::IsKeyPressed(glfw_key); };
  if (io.KeyCtrl) {
    // Ctrl+plus (the = key, or the keypad's +), Ctrl+minus, Ctrl+0: steps of 1/8.
    if (pressed(GLFW_KEY_EQUAL) || pressed(GLFW_KEY_KP_ADD)) set_ui_scale(ui_scale_ + 0.125f);
    if (pressed(GLFW_KEY_MINUS) || pressed(GLFW_KEY_KP_SUBTRACT)) set_ui_scale(ui_scale_ - 0.125f);
    if (pressed(GLFW_KEY_0) || pressed(GLFW_KEY_KP_0)) set_ui_scale(default_scale_);
    return;
  }
  if (!session_) return;
  Session& s = *session_;
  if (pressed(GLFW_KEY_SPACE)) s.set_playing(!s.playing());
  if (pressed(GLFW_KEY_HOME)) s.seek(sim::Time::zero());
  if (pressed(GLFW_KEY_RIGHT)) {
    // One event; with Shift, one sample interval.
    if (io.KeyShift) {
      s.seek(s.now() + s.spec().sample_interval);
    } else {
      s.step();
    }
  }
  if (pressed(GLFW_KEY_LEFT)) {
    // Back one sample interval (a re-run from t = 0 to there).
    const sim::Duration back = std::min(s.spec().sample_interval, s.now() - sim::Time::zero());
    s.seek(s.now() - back);
  }
}

void App::frame(double wall_seconds) {
  handle_shortcuts();
  if (session_) session_->tick(wall_seconds);
  const ImGuiIO& io = ImGui::GetIO();
  ImGui::SetNextWindowPos({0, 0});
  ImGui::SetNextWindowSize(io.DisplaySize);
  ImGui::Begin("synstorm-viewer", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                   ImGuiWindowFlags_NoBringToFrontOnFocus);
  draw_controls();
  if (ImGui::BeginTabBar("views")) {
    const auto flags = [&](Tab t) { return select_tab_ == t ? ImGuiTabItemFlags_SetSelected : 0; };
    if (ImGui::BeginTabItem("Run", nullptr, flags(Tab::kRun))) {
      draw_run();
      ImGui::EndTabItem();
    }
    if (ImGui::BeginTabItem("Sweep", nullptr, flags(Tab::kSweep))) {
      sweep_.draw();
      ImGui::EndTabItem();
    }
    select_tab_ = Tab::kNone;
    ImGui::EndTabBar();
  }
  if (const auto chosen = dialog_.draw()) {
    message_ = opening_ == Opening::kScenario ? open_scenario(*chosen) : open_sweep(*chosen);
  }
  if (!message_.empty()) {
    ImGui::OpenPopup("Could not open");
    if (ImGui::BeginPopupModal("Could not open", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) {
      ImGui::TextUnformatted(message_.c_str());
      if (ImGui::Button("OK")) {
        message_.clear();
        ImGui::CloseCurrentPopup();
      }
      ImGui::EndPopup();
    }
  }
  ImGui::End();
}

void App::draw_controls() {
  const std::filesystem::path here =
      session_ ? std::filesystem::path(session_->source()).parent_path() : std::filesystem::path(".");
  if (ImGui::Button("Open scenario...")) {
    opening_ = Opening::kScenario;
    dialog_.open("Open a scenario", {".yaml", ".yml"}, here);
  }
  ImGui::SameLine();
  if (ImGui::Button("Open sweep CSV...")) {
    opening_ = Opening::kSweep;
    dialog_.open("Open a sweep CSV", {".csv"},
                 sweep_.loaded() ? std::filesystem::path(sweep_.path()).parent_path() : here);
  }
  if (!session_) {
    ImGui::SameLine();
    ImGui::TextDisabled("no scenario open");
    return;
  }
  Session& s = *session_;
  ImGui::SameLine();
  ImGui::Text("%s  (%s, seed %s)", s.source().c_str(), s.spec().name.c_str(), std::to_string(s.spec().seed).c_str());

  // At the end, Play plays the run again from t = 0.
  const char* play = s.playing() ? "Pause" : s.at_end() ? "Replay" : "Play";
  if (ImGui::Button(play, {4.5f * ImGui::GetFontSize(), 0})) s.set_playing(!s.playing());
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Space: play / pause; at the end, from t = 0 again");
  ImGui::SameLine();
  if (ImGui::Button("Step")) s.step();
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("One event (Right arrow; Shift+Right: one sample interval, Left: back one)");
  ImGui::SameLine();
  if (ImGui::Button("Rewind")) s.seek(sim::Time::zero());
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Home");
  ImGui::SameLine();
  float speed = static_cast<float>(s.speed());
  ImGui::SetNextItemWidth(10.0f * ImGui::GetFontSize());
  if (ImGui::SliderFloat("speed", &speed, 0.001f, 100.0f, "%.3gx", ImGuiSliderFlags_Logarithmic)) s.set_speed(speed);
  ImGui::SameLine();
  bool narrate = s.narrating();
  if (ImGui::Checkbox("narrate", &narrate)) s.set_narrating(narrate);
  ImGui::SameLine();
  const float duration = static_cast<float>((s.end() - sim::Time::zero()).seconds());
  ImGui::SetNextItemWidth(-34.0f * ImGui::GetFontSize());
  ImGui::SliderFloat("##time", &scrub_seconds_, 0.0f, duration, "%.3f s");
  // Moving back is a re-run from t = 0: done once, when the slider is let go.
  if (ImGui::IsItemDeactivatedAfterEdit()) {
    s.seek(sim::Time::zero() + sim::duration_from_seconds(scrub_seconds_).value_or(sim::Duration::zero()));
  }
  if (!ImGui::IsItemActive()) scrub_seconds_ = static_cast<float>(s.now().seconds());
  ImGui::SameLine();
  // Exact to the nanosecond, as `synstorm explain` prints times: a step moves it.
  ImGui::Text("t = %s s of %s   %s events%s", sim::format_seconds(s.now()).c_str(),
              sim::format_duration(s.end() - sim::Time::zero()).c_str(), with_commas(s.snapshot().events).c_str(),
              s.at_end() ? "   finished" : "");
}

void App::draw_run() {
  if (!session_) {
    ImGui::TextWrapped("Open a scenario (a YAML file) to watch it run: synstorm-viewer scenarios/overload.yaml");
    return;
  }
  const float height = ImGui::GetContentRegionAvail().y;
  const float gap = ImGui::GetStyle().ItemSpacing.y;
  if (!ImGui::BeginTable("layout", 3, ImGuiTableFlags_Resizable | ImGuiTableFlags_BordersInnerV, {0, height})) return;
  ImGui::TableSetupColumn("left", ImGuiTableColumnFlags_WidthStretch, 0.30f);
  ImGui::TableSetupColumn("middle", ImGuiTableColumnFlags_WidthStretch, 0.36f);
  ImGui::TableSetupColumn("right", ImGuiTableColumnFlags_WidthStretch, 0.34f);
  ImGui::TableNextRow();
  ImGui::TableSetColumnIndex(0);
  // The what-if panel gets the room its controls need (none of them scrolls out of
  // sight); the queues, which scroll, the rest.
  const float what_if = 11.5f * ImGui::GetFrameHeightWithSpacing();
  const float topology = height * 0.28f;
  draw_topology(topology);
  draw_queues(std::max(4.0f * ImGui::GetFrameHeightWithSpacing(), height - topology - what_if - gap));
  draw_what_if();
  ImGui::TableSetColumnIndex(1);
  draw_series(height);
  ImGui::TableSetColumnIndex(2);
  draw_outcomes(height * 0.22f);
  draw_latency(height * 0.30f - gap);
  draw_narration();
  ImGui::EndTable();
}

namespace {

float imgui_text_width(const std::string& text, void*) { return ImGui::CalcTextSize(text.c_str()).x; }

}  // namespace

void App::draw_topology(float height) {
  const Session& s = *session_;
  const model::Snapshot& snap = s.snapshot();
  ImGui::TextUnformatted("Topology");
  ImGui::SameLine();
  ImGui::TextDisabled("(?)");
  if (ImGui::IsItemHovered()) {
    ImGui::SetTooltip("%s", s.spec().network
                                ? "The network's links; width and colour: the attempts open across each.\n"
                                  "Hover a node or the middle of an edge for its name and numbers."
                                : "Who connects to whom. A client group's edge: its attempts open now.\n"
                                  "A balancer's edge to a backend: connections active now / assigned so far,\n"
                                  "as the balancer counts them (synstorm run's backend table at the end).\n"
                                  "A proxy (a host drawn as a diamond) to a backend: its upstream connections\n"
                                  "now, busy (carrying a request or connecting) and idle (its keep-alive pool).\n"
                                  "Width and colour: the number open or active. Hover for names and numbers.");
  }
  const float h = height - ImGui::GetTextLineHeightWithSpacing();
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  const float w = ImGui::GetContentRegionAvail().x;
  ImGui::InvisibleButton("topology", {w, h});
  const bool hovered = ImGui::IsItemHovered();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(p0, {p0.x + w, p0.y + h}, IM_COL32(20, 22, 27, 255), 3.0f);
  dl->PushClipRect(p0, {p0.x + w, p0.y + h}, true);
  const float font = ImGui::GetFontSize();

  const std::vector<EdgeLoad> loads = edge_loads(topology_, s.spec(), snap);
  std::vector<std::string> texts;
  std::vector<bool> down(topology_.edges.size());
  for (std::size_t i = 0; i < topology_.edges.size(); ++i) {
    const TopologyEdge& e = topology_.edges[i];
    down[i] = e.link && *e.link < snap.link_down.size() && snap.link_down[*e.link];
    texts.push_back(edge_text(e, loads[i], down[i]));
  }
  std::vector<std::string> names;
  for (const TopologyNode& n : topology_.nodes) {
    const bool cut = n.kind == NodeKind::kHost && n.index < snap.host_down.size() && snap.host_down[n.index];
    names.push_back(cut               ? n.name + " DOWN"
                    : n.local_backend ? n.name + " (proxy, + local backend)"
                    : n.proxy         ? n.name + " (proxy)"
                                      : n.name);
  }
  const GraphLayout g = lay_out(topology_, names, texts, w, h, font, imgui_text_width, nullptr);
  const auto at = [&](std::size_t node) { return ImVec2{p0.x + g.x[node], p0.y + g.y[node]}; };
  std::uint64_t top = 0;
  for (const EdgeLoad& l : loads) top = std::max(top, l.now);
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  std::string tooltip;
  for (std::size_t i = 0; i < topology_.edges.size(); ++i) {
    const TopologyEdge& e = topology_.edges[i];
    const ImVec2 a = at(e.a), b = at(e.b);
    const float share = top > 0 ? static_cast<float>(loads[i].now) / static_cast<float>(top) : 0.0f;
    if (down[i]) {
      // A link_down fault: dashes, and no traffic crosses it.
      constexpr int kDashes = 14;
      for (int d = 0; d < kDashes; d += 2) {
        const float f0 = static_cast<float>(d) / kDashes, f1 = static_cast<float>(d + 1) / kDashes;
        dl->AddLine({a.x + (b.x - a.x) * f0, a.y + (b.y - a.y) * f0}, {a.x + (b.x - a.x) * f1, a.y + (b.y - a.y) * f1},
                    IM_COL32(120, 120, 130, 255), 2.0f);
      }
    } else {
      dl->AddLine(a, b, heat(share), 1.5f + 5.0f * share);
    }
    if (texts[i].empty()) continue;
    const std::string what = topology_.nodes[e.a].name + " -> " + topology_.nodes[e.b].name + ": " + texts[i];
    if (const auto& box = g.edge_label[i]) {
      dl->AddText({p0.x + box->x0, p0.y + box->y0}, IM_COL32(220, 220, 220, 255), texts[i].c_str());
      if (hovered && mouse.x >= p0.x + box->x0 && mouse.x < p0.x + box->x1 && mouse.y >= p0.y + box->y0 &&
          mouse.y < p0.y + box->y1)
        tooltip = what;
    }
    // Near the middle of an edge, its text (placed or left out for want of room).
    const ImVec2 mid{(a.x + b.x) / 2, (a.y + b.y) / 2};
    if (hovered && tooltip.empty() && std::abs(mouse.x - mid.x) < font && std::abs(mouse.y - mid.y) < font)
      tooltip = what;
  }
  for (std::size_t i = 0; i < topology_.nodes.size(); ++i) {
    const TopologyNode& n = topology_.nodes[i];
    const ImVec2 c = at(i);
    const float r = g.radius;
    switch (n.kind) {
      case NodeKind::kClient: dl->AddCircleFilled(c, r, IM_COL32(110, 160, 255, 255)); break;
      case NodeKind::kRouter: dl->AddCircleFilled(c, r * 0.8f, IM_COL32(160, 160, 170, 255), 4); break;
      case NodeKind::kBalancer: dl->AddCircleFilled(c, r, IM_COL32(180, 120, 230, 255), 6); break;
      case NodeKind::kHost: {
        // The fullest queue of its listeners.
        float full = 0;
        for (const auto& l : snap.listeners) {
          if (l.host != n.name) continue;
          if (l.accept_limit > 0)
            full = std::max(full, static_cast<float>(l.accept_len) / static_cast<float>(l.accept_limit));
          if (l.syn_limit > 0) full = std::max(full, static_cast<float>(l.syn_len) / static_cast<float>(l.syn_limit));
        }
        const ImU32 color = full >= 1.0f   ? IM_COL32(230, 70, 60, 255)
                            : full >= 0.7f ? IM_COL32(240, 165, 50, 255)
                                           : IM_COL32(80, 190, 110, 255);
        if (n.index < snap.host_down.size() && snap.host_down[n.index]) {
          // A host_down fault: cut off, drawn hollow, in red.
          dl->AddRect({c.x - r * 1.2f, c.y - r}, {c.x + r * 1.2f, c.y + r}, IM_COL32(230, 70, 60, 255), 3.0f, 0, 2.0f);
        } else if (n.proxy) {
          // A proxy: a diamond, coloured like a host by its fullest queue.
          dl->AddQuadFilled({c.x, c.y - r * 1.2f}, {c.x + r * 1.2f, c.y}, {c.x, c.y + r * 1.2f}, {c.x - r * 1.2f, c.y},
                            color);
          // Its outline in the proxy colour (kProxyOutline): no other node has it.
          dl->AddQuad({c.x, c.y - r * 1.2f}, {c.x + r * 1.2f, c.y}, {c.x, c.y + r * 1.2f}, {c.x - r * 1.2f, c.y},
                      kProxyOutline, 3.0f);
          // A backend on its own host: a small host square at its right corner, in place of
          // an edge to itself.
          if (n.local_backend) {
            const ImVec2 q{c.x + r * 1.2f, c.y};
            dl->AddRectFilled({q.x - r * 0.45f, q.y - r * 0.4f}, {q.x + r * 0.45f, q.y + r * 0.4f}, color, 1.0f);
            dl->AddRect({q.x - r * 0.45f, q.y - r * 0.4f}, {q.x + r * 0.45f, q.y + r * 0.4f}, kProxyOutline, 1.0f, 0,
                        1.5f);
          }
        } else {
          dl->AddRectFilled({c.x - r * 1.2f, c.y - r}, {c.x + r * 1.2f, c.y + r}, color, 3.0f);
        }
        break;
      }
    }
    const bool cut = n.kind == NodeKind::kHost && n.index < snap.host_down.size() && snap.host_down[n.index];
    if (const auto& box = g.node_label[i]) {
      dl->AddText({p0.x + box->x0, p0.y + box->y0}, cut ? IM_COL32(230, 70, 60, 255) : IM_COL32(230, 230, 230, 255),
                  names[i].c_str());
    }
    if (hovered && std::abs(mouse.x - c.x) < r * 1.5f && std::abs(mouse.y - c.y) < r * 1.5f) tooltip = names[i];
  }
  dl->PopClipRect();
  if (!tooltip.empty()) ImGui::SetTooltip("%s", tooltip.c_str());
}

void App::draw_queues(float height) {
  const model::Snapshot& snap = session_->snapshot();
  if (!ImGui::BeginChild("queues", {0, height}, true)) {
    ImGui::EndChild();
    return;
  }
  ImGui::TextUnformatted("Queues against the limits each kernel applies");
  const float bar = std::max(6.0f * ImGui::GetFontSize(), ImGui::GetContentRegionAvail().x * 0.45f);
  for (std::size_t i = 0; i < snap.listeners.size(); ++i) {
    const model::ListenerSnapshot& l = snap.listeners[i];
    ImGui::PushID(static_cast<int>(i));
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(listener_color(i)), "%s", listener_id(l).c_str());
    ImGui::SameLine();
    // Why the backlog is not the one asked for, when listen() at t = 0 gave it.
    std::string why;
    if (i < static_listeners(session_->spec()).size()) {
      const BacklogOutcome b = backlog_outcome(session_->spec(), i);
      if (!b.why.empty() && b.backlog == l.backlog) why = " (listen(" + std::to_string(b.asked) + "): " + b.why + ")";
    }
    ImGui::TextWrapped("%s, backlog %s%s%s%s", std::string(model::os_name(l.os)).c_str(),
                       std::to_string(l.backlog).c_str(), why.c_str(), l.open ? "" : ", closed",
                       l.stalled ? ", stalled" : "");
    gauge("accept queue", static_cast<double>(l.accept_len), static_cast<double>(l.accept_limit), bar);
    gauge("SYN queue", static_cast<double>(l.syn_len), static_cast<double>(l.syn_limit), bar);
    if (l.defers_accept)
      ImGui::TextDisabled("  of which %lld acked, waiting for data (TCP_DEFER_ACCEPT)",
                          static_cast<long long>(l.syn_acked));
    gauge("workers busy", l.busy_workers, l.workers, bar);
    // Event loops (loops:): each loop's share of the run spent on CPU so far, and its open
    // connections against max_connections.
    for (const model::LoopSnapshot& lp : snap.loops) {
      if (lp.listener != i) continue;
      const std::string id = "loop " + std::to_string(lp.so_far.loop);
      gauge((id + " busy").c_str(), lp.so_far.busy_fraction, 1.0, bar);
      gauge((id + " open").c_str(), static_cast<double>(lp.open), static_cast<double>(lp.so_far.max_connections), bar);
    }
    ImGui::PushTextWrapPos(0.0f);
    ImGui::TextDisabled(
        "SYNs %s in, %s dropped, %s cookies; %s RST; %s ACKs dropped; %s accepted",
        compact(static_cast<double>(l.syns_received)).c_str(), compact(static_cast<double>(l.syns_dropped)).c_str(),
        compact(static_cast<double>(l.syncookies_sent)).c_str(), compact(static_cast<double>(l.resets_sent)).c_str(),
        compact(static_cast<double>(l.acks_dropped)).c_str(), compact(static_cast<double>(l.accepted)).c_str());
    ImGui::PopTextWrapPos();
    ImGui::PopID();
  }
  draw_proxy_gauges(bar);
  ImGui::EndChild();
}

// Each proxy (Snapshot::proxies): its queue against queue.limit, and per backend its
// upstream connections (busy and idle) against max_connections, or against the pool's
// keepalive where there is no cap; "marked down" while passive health has it down.
void App::draw_proxy_gauges(float bar) {
  const model::Snapshot& snap = session_->snapshot();
  const model::ScenarioSpec& spec = session_->spec();
  // Widget IDs: "proxy" then the host's index, apart from the listeners' (their index alone).
  ImGui::PushID("proxy");
  for (const model::ProxySnapshot& p : snap.proxies) {
    if (p.host >= spec.hosts.size() || !spec.hosts[p.host].proxy) continue;
    const model::ProxySpec& ps = *spec.hosts[p.host].proxy;
    ImGui::PushID(static_cast<int>(p.host));
    ImGui::Text("proxy %s:%d", spec.hosts[p.host].name.c_str(), ps.port);
    if (ps.queue.limit > 0) {
      gauge("proxy queue", static_cast<double>(p.queued), static_cast<double>(ps.queue.limit), bar);
    } else {
      ImGui::TextDisabled("  no queue (queue.limit 0): a request finding every backend at its cap gets 503");
    }
    for (std::size_t b = 0; b < p.backends.size() && b < ps.backends.size(); ++b) {
      const model::ProxySnapshot::Upstream& u = p.backends[b];
      const std::string name =
          spec.hosts[ps.backends[b].host].name + ":" + std::to_string(ps.backends[b].port) + (u.down ? " down" : "");
      // max_connections 0 is no cap: the gauge says "(no limit)" (keepalive bounds only the idle pool).
      gauge(("-> " + name + " busy").c_str(), static_cast<double>(u.busy), static_cast<double>(ps.max_connections),
            bar);
      if (ps.keepalive > 0)
        gauge(("-> " + name + " pool").c_str(), static_cast<double>(u.idle), static_cast<double>(ps.keepalive), bar);
    }
    ImGui::TextDisabled("requests %s, 5xx %s, queued %s",
                        compact(static_cast<double>(p.so_far.requests.requests)).c_str(),
                        compact(static_cast<double>(p.so_far.requests.status_5xx())).c_str(),
                        compact(static_cast<double>(p.so_far.queued)).c_str());
    ImGui::PopID();
  }
  ImGui::PopID();
}

void App::draw_what_if() {
  Session& s = *session_;
  if (!ImGui::BeginChild("whatif", {0, 0}, true)) {
    ImGui::EndChild();
    return;
  }
  ImGui::TextWrapped("What if... (a change re-runs from t = 0 to now; the run before it stays as faint curves)");
  const model::ScenarioSpec& base = s.base_spec();
  const std::vector<ListenerRef> refs = static_listeners(base);
  // The run's edit; the listener shown is the one last picked when nothing is edited.
  WhatIf w = s.what_if();
  if (!w.touches_listener()) w.listener = what_if_listener_;
  bool changed = false;
  const float width = 12.0f * ImGui::GetFontSize();
  if (!refs.empty()) {
    w.listener = std::min(w.listener, refs.size() - 1);
    const auto name = [&](std::size_t i) {
      const model::HostSpec& h = base.hosts[refs[i].host];
      return h.name + ":" + std::to_string(h.listeners[refs[i].listener].port);
    };
    ImGui::SetNextItemWidth(width);
    if (ImGui::BeginCombo("listener", name(w.listener).c_str())) {
      for (std::size_t i = 0; i < refs.size(); ++i) {
        if (ImGui::Selectable(name(i).c_str(), i == w.listener) && i != w.listener) {
          // One listener is edited at a time: another starts from its own values.
          changed = w.touches_listener();
          backlog_draft_.discard();
          workers_draft_.discard();
          const double scale = w.arrival_scale;
          w = WhatIf{};
          w.listener = i;
          w.arrival_scale = scale;
        }
      }
      ImGui::EndCombo();
    }
    const model::HostSpec& host = base.hosts[refs[w.listener].host];
    const model::ListenerSpec& ls = host.listeners[refs[w.listener].listener];
    // SOMAXCONN or a hint: start from the backlog the kernel made of it.
    const auto& live = s.snapshot().listeners;
    const std::int64_t written_backlog = ls.backlog.kind == model::BacklogRequest::Kind::kValue ? ls.backlog.value
                                         : w.listener < live.size() ? live[w.listener].backlog
                                                                    : 128;
    const int backlog_max = static_cast<int>(std::max<std::int64_t>(4096, 4 * written_backlog));
    ImGui::SetNextItemWidth(width);
    if (const auto v =
            committed_slider("backlog", backlog_draft_, static_cast<int>(w.backlog.value_or(written_backlog)), 0,
                             backlog_max, ImGuiSliderFlags_Logarithmic)) {
      w.backlog = *v;
      changed = true;
    }
    // What the kernel made of it, and why, when it did not keep it.
    if (const BacklogOutcome b = backlog_outcome(s.spec(), w.listener); !b.why.empty()) {
      ImGui::PushStyleColor(ImGuiCol_Text, ImGui::ColorConvertU32ToFloat4(kTimedOut));
      ImGui::TextWrapped("the kernel makes listen(%s) %s: %s", std::to_string(b.asked).c_str(),
                         std::to_string(b.backlog).c_str(), b.why.c_str());
      ImGui::PopStyleColor();
    }
    ImGui::SetNextItemWidth(width);
    if (const auto v = committed_slider("workers", workers_draft_, w.workers.value_or(ls.workers), 0,
                                        std::max(64, 4 * ls.workers))) {
      w.workers = *v;
      changed = true;
    }
    const model::Os os = w.os.value_or(host.os);
    ImGui::SetNextItemWidth(width);
    if (ImGui::BeginCombo("server OS", std::string(model::os_name(os)).c_str())) {
      for (const model::Os o : model::all_oses()) {
        if (ImGui::Selectable(std::string(model::os_name(o)).c_str(), o == os) && o != os) {
          w.os = o;
          changed = true;
        }
      }
      ImGui::EndCombo();
    }
  }
  ImGui::SetNextItemWidth(width);
  if (const auto v = committed_slider("arrival rate x", scale_draft_, static_cast<float>(w.arrival_scale), 0.1f, 10.0f,
                                      "%.2f", ImGuiSliderFlags_Logarithmic)) {
    w.arrival_scale = std::round(static_cast<double>(*v) * 100) / 100;  // as the slider shows it
    changed = true;
  }
  if (ImGui::Button("As written")) {
    const std::size_t listener = w.listener;
    w = WhatIf{};
    w.listener = listener;
    changed = true;
  }
  what_if_listener_ = w.listener;
  if (changed) s.set_what_if(without_written_values(base, w));
  ImGui::SameLine();
  if (ImGui::Button("Drop the comparison")) s.clear_comparison();
  ImGui::Text("running: %s", s.label().c_str());
  if (const auto& cmp = s.comparison()) ImGui::TextDisabled("faint: %s", cmp->label.c_str());
  for (const std::string& note : s.what_if_notes()) ImGui::TextDisabled("%s", note.c_str());
  ImGui::EndChild();
}

void App::draw_series(float height) {
  const Session& s = *session_;
  const double interval = s.spec().sample_interval.seconds();
  Axes axes;
  axes.x_max = (s.end() - sim::Time::zero()).seconds();
  axes.x_unit = "s";
  axes.marker_x = s.now().seconds();
  const float gap = ImGui::GetStyle().ItemSpacing.y;
  const float h = (height - 2 * gap) / 3.0f;

  std::vector<Series> lines;
  add_with_comparison(lines, s, "attempts", interval, "connect() calls", kAttempts);
  add_with_comparison(lines, s, "accepted", interval, "accepted", kAccepted);
  plot("arrivals", "Connects per second", {-1, h}, axes, lines);

  lines.clear();
  add_with_comparison(lines, s, "syns_dropped", interval, "SYNs dropped", kDropped);
  add_with_comparison(lines, s, "refused", interval, "refused", kRefused);
  add_with_comparison(lines, s, "reset", interval, "reset", kReset);
  add_with_comparison(lines, s, "timed_out", interval, "timed out", kTimedOut);
  // The sampler keeps no per-interval column for segments the network lost: their count so
  // far, as `synstorm run` reports it per group, is a legend entry without a line.
  std::uint64_t lost = 0;
  for (const model::ClientSnapshot& c : s.snapshot().clients) lost += c.segments_lost;
  if (lost > 0) {
    Series note;
    note.label = with_commas(lost) + " segments lost in the network so far";
    note.color = kLost;
    lines.push_back(std::move(note));
  }
  plot("failures", "Dropped SYNs and failed attempts per second", {-1, h}, axes, lines);

  lines.clear();
  const auto& listeners = s.snapshot().listeners;
  for (std::size_t i = 0; i < listeners.size(); ++i) {
    const std::string id = listener_id(listeners[i]);
    // The same hue, solid for the accept queue and dashed for the SYN queue: apart on a
    // projector that washes out transparency.
    // One legend entry per listener; the title says which line is which queue.
    add_with_comparison(lines, s, id + ".accept_queue", 1.0, id, listener_color(i));
    lines.back().hover = id + " accept queue";
    add_with_comparison(lines, s, id + ".syn_queue", 1.0, "", listener_color(i), true);
    lines.back().hover = id + " SYN queue";
  }
  plot("queues", "Queue depth (solid: accept queue, dashed: SYN queue)", {-1, h}, axes, lines);
}

void App::draw_outcomes(float height) {
  const model::Snapshot& snap = session_->snapshot();
  ImGui::TextUnformatted("Outcomes so far (open: still deciding)");
  // Fitted to the panel's width (viewer/outcome_table.h): never scrolled sideways; what is
  // shortened is in a tooltip.
  constexpr int kCounts = 7;
  const char* const headers[kCounts] = {"attempts", "established", "accepted", "refused", "timed out", "reset", "open"};
  const char* const short_headers[kCounts] = {"att", "est", "acc", "ref", "t/o", "rst", "open"};
  struct Row {
    std::string name;
    std::uint64_t values[kCounts] = {};
    ImU32 name_color = IM_COL32(230, 230, 230, 255);
    bool spoofed = false;
  };
  std::vector<Row> rows;
  for (const model::ClientSnapshot& c : snap.clients) {
    const model::OutcomeCounts& k = c.counts;
    if (c.spoofed) {
      rows.push_back({c.name, {c.spoofed_syns}, IM_COL32(230, 230, 230, 255), true});
    } else {
      rows.push_back({c.name, {k.attempts, k.established, k.accepted, k.refused, k.timed_out, k.reset, k.pending}});
    }
  }
  if (snap.clients.size() > 1) {
    const model::OutcomeCounts& k = snap.totals;
    rows.push_back({"all",
                    {k.attempts, k.established, k.accepted, k.refused, k.timed_out, k.reset, k.pending},
                    IM_COL32(255, 255, 255, 255)});
  }
  OutcomeTableText text;
  text.headers.assign(std::begin(headers), std::end(headers));
  text.short_headers.assign(std::begin(short_headers), std::end(short_headers));
  for (const Row& r : rows) {
    text.names.push_back(r.name);
    auto& full = text.counts.emplace_back();
    auto& brief = text.compact.emplace_back();
    for (int c = 0; c < (r.spoofed ? 1 : kCounts); ++c) {
      full.push_back(with_commas(r.values[c]));
      brief.push_back(compact(static_cast<double>(r.values[c])));
    }
    if (r.spoofed) full.push_back("forged SYNs"), brief.push_back("forged");
  }
  const ImGuiStyle& style = ImGui::GetStyle();
  const OutcomeTableFit fit = fit_outcome_table(text, ImGui::GetContentRegionAvail().x - style.ScrollbarSize,
                                                2 * style.CellPadding.x + 1, imgui_text_width, nullptr);
  const ImGuiTableFlags flags =
      ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_ScrollY | ImGuiTableFlags_SizingFixedFit;
  if (!ImGui::BeginTable("outcomes", kCounts + 1, flags, {0, height - ImGui::GetTextLineHeightWithSpacing()})) return;
  ImGui::TableSetupScrollFreeze(0, 1);
  if (fit.name_rows) {
    // An indent; the names, on rows of their own, run across the empty cells beside it.
    ImGui::TableSetupColumn("", ImGuiTableColumnFlags_WidthFixed, name_row_indent(imgui_text_width, nullptr));
  } else {
    ImGui::TableSetupColumn("group");
  }
  for (int c = 0; c < kCounts; ++c) ImGui::TableSetupColumn(fit.short_headers ? short_headers[c] : headers[c]);
  ImGui::TableNextRow(ImGuiTableRowFlags_Headers);
  for (int c = 0; c <= kCounts; ++c) {
    ImGui::TableSetColumnIndex(c);
    ImGui::TableHeader(ImGui::TableGetColumnName(c));
    if (c > 0 && fit.short_headers && ImGui::IsItemHovered()) ImGui::SetTooltip("%s", headers[c - 1]);
  }
  const ImU32 colors[kCounts] = {kAttempts, IM_COL32(200, 200, 200, 255), kAccepted, kRefused, kTimedOut,
                                 kReset,    IM_COL32(200, 200, 200, 255)};
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    ImGui::TableNextRow();
    ImGui::TableSetColumnIndex(0);
    if (fit.name_rows) {
      // Across the row's empty cells, to the table's edge (clipped as the cell is above
      // and below: under the frozen header and within the table).
      const ImDrawList* cell = ImGui::GetWindowDrawList();
      ImGui::PushClipRect(cell->GetClipRectMin(),
                          {ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x, cell->GetClipRectMax().y},
                          false);
      ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(r.name_color), "%s", r.name.c_str());
      ImGui::PopClipRect();
      ImGui::TableNextRow();
    } else {
      ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(r.name_color), "%s", r.name.c_str());
    }
    for (std::size_t c = 0; c < text.counts[i].size(); ++c) {
      ImGui::TableSetColumnIndex(static_cast<int>(c) + 1);
      const std::string& shown = fit.compact_counts ? text.compact[i][c] : text.counts[i][c];
      if (r.spoofed && c > 0) {
        ImGui::TextDisabled("%s", shown.c_str());
      } else {
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(r.spoofed ? kAttempts : colors[c]), "%s", shown.c_str());
      }
      if (ImGui::IsItemHovered()) {
        // The exact count and the column's whole name.
        ImGui::SetTooltip("%s: %s %s", r.name.c_str(), text.counts[i][r.spoofed ? 0 : c].c_str(),
                          r.spoofed ? "forged SYNs" : headers[c]);
      }
    }
  }
  ImGui::EndTable();
}

void App::draw_latency(float height) {
  const Session& s = *session_;
  const model::Snapshot& snap = s.snapshot();
  if (!ImGui::BeginChild("latency", {0, height}, false)) {
    ImGui::EndChild();
    return;
  }
  ImGui::SetNextItemWidth(12.0f * ImGui::GetFontSize());
  const auto group_name = [&](int g) {
    return g < 0 ? std::string("all groups") : snap.clients[static_cast<std::size_t>(g)].name;
  };
  if (latency_group_ >= static_cast<int>(snap.clients.size())) latency_group_ = -1;
  if (ImGui::BeginCombo("connect latency of", group_name(latency_group_).c_str())) {
    for (int g = -1; g < static_cast<int>(snap.clients.size()); ++g) {
      if (ImGui::Selectable(group_name(g).c_str(), g == latency_group_)) latency_group_ = g;
    }
    ImGui::EndCombo();
  }
  const sim::Histogram& h = latency_group_ < 0 ? snap.connect_latency
                                               : snap.clients[static_cast<std::size_t>(latency_group_)].connect_latency;
  const LatencyKey key{latency_group_, s.runs(), snap.now};
  if (!(key == latency_key_)) {
    latency_ = latency_bins(h, 24);
    latency_key_ = key;
  }
  const auto p = [&](double q) { return short_duration(static_cast<double>(h.percentile(q)) / 1e9); };
  ImGui::Text("%s established   p50 %s   p90 %s   p99 %s   max %s", with_commas(h.count()).c_str(), p(0.5).c_str(),
              p(0.9).c_str(), p(0.99).c_str(), p(1.0).c_str());
  if (h.count() == 0) {
    ImGui::TextDisabled("No connection established yet: no latencies to show.");
  } else {
    bar_chart("latency", "Connect latency (connect() to established), attempts per bar",
              {-1, ImGui::GetContentRegionAvail().y}, Bars{latency_.edges, latency_.counts, kAttempts});
  }
  ImGui::EndChild();
}

void App::draw_narration() {
  const Session& s = *session_;
  const LineTail& tail = s.narration();
  if (!s.narrating()) {
    ImGui::TextDisabled("Narration off (tick 'narrate' to follow every step, as synstorm explain tells it)");
    return;
  }
  ImGui::Text("Narration (synstorm explain): %s steps, the last %zu", with_commas(tail.total_lines()).c_str(),
              tail.lines().size());
  if (!ImGui::BeginChild("narration", {0, 0}, true)) {
    ImGui::EndChild();
    return;
  }
  // Wrapped, so that the kernel's reason at the end of a line is read, whatever the width.
  ImGui::PushTextWrapPos(0.0f);
  for (const std::string& line : tail.lines()) ImGui::TextUnformatted(line.c_str());
  ImGui::PopTextWrapPos();
  // Follow the newest line while the run moves.
  if (tail.total_lines() != narration_seen_) {
    ImGui::SetScrollHereY(1.0f);
    narration_seen_ = tail.total_lines();
  }
  ImGui::EndChild();
}

}  // namespace viewer::ui
