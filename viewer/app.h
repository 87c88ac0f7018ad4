// viewer/app.h — the viewer's window: controls, the run's panels, the sweep view.
//
// App draws one frame of ImGui widgets over the whole window each time frame() is called;
// it owns the open Session (model reading) and SweepView (CSV reading) and keeps only
// display state of its own. main.cpp owns the window, the GL context and the frame loop.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "viewer/draft.h"
#include "viewer/files.h"
#include "viewer/latency_bins.h"
#include "viewer/session.h"
#include "viewer/sweep_csv.h"
#include "viewer/topology.h"
#include "viewer/whatif.h"

namespace viewer::ui {

// A simple file dialog: a directory listing to click through, and a path to type.
class FileDialog {
 public:
  // Opens the dialog (drawn by the next draw() calls) for files with these extensions.
  void open(std::string title, std::vector<std::string> extensions, const std::filesystem::path& start);
  // Draws it if open; returns the path the user chose, once.
  std::optional<std::string> draw();

 private:
  void enter(const std::filesystem::path& dir);

  bool requested_ = false;
  std::string title_;
  std::vector<std::string> extensions_;
  std::filesystem::path dir_;
  std::string path_;
  std::vector<DirEntry> entries_;
};

class SweepView {
 public:
  // Empty on success, else what went wrong.
  std::string open(const std::string& path);
  // Shows a metric against a parameter by their names (choose_sweep_view). Requires: loaded().
  // Empty on success, else what went wrong.
  std::string choose(const std::string& metric, const std::string& x, const std::string& series);
  void draw();
  bool loaded() const { return table_.has_value(); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::optional<CsvTable> table_;
  SweepColumns columns_;
  std::vector<std::size_t> x_choices_;  // x_candidates()
  std::size_t x_ = 0;                   // index into x_choices_
  std::size_t metric_ = 0;              // index into columns_.metrics
  std::optional<std::size_t> group_;    // a column
};

class App {
 public:
  struct Options {
    std::optional<std::uint64_t> seed;  // overrides every scenario's seed
  };
  explicit App(Options options) : options_(options) {}

  // Empty on success, else the message to show (the loader's diagnostics).
  std::string open_scenario(const std::string& path);
  std::string open_sweep(const std::string& path);
  SweepView& sweep() { return sweep_; }
  Session* session() { return session_.get(); }
  void show_sweep() { select_tab_ = Tab::kSweep; }

  // Draws the whole window. `wall_seconds` since the previous frame drive playback.
  void frame(double wall_seconds);

  // The size of text and controls (1: ImGui's 13-pixel font), within [kMinScale, kMaxScale].
  // The frame loop rebuilds the fonts when it changes (Ctrl+plus, Ctrl+minus, Ctrl+0).
  static constexpr float kMinScale = 0.5f;
  static constexpr float kMaxScale = 4.0f;
  float ui_scale() const { return ui_scale_; }
  void set_ui_scale(float scale);

 private:
  enum class Tab { kNone, kRun, kSweep };

  void handle_shortcuts();
  void draw_controls();
  void draw_run();
  void draw_topology(float height);
  void draw_queues(float height);
  void draw_proxy_gauges(float bar);  // in the queues panel, after the listeners
  void draw_what_if();
  void draw_series(float height);
  void draw_outcomes(float height);
  void draw_latency(float height);
  void draw_narration();

  Options options_;
  float ui_scale_ = 1.0f;
  float default_scale_ = 1.0f;  // the first one set: Ctrl+0 returns to it
  bool scale_set_ = false;
  std::unique_ptr<Session> session_;
  Topology topology_;
  SweepView sweep_;
  FileDialog dialog_;
  enum class Opening { kScenario, kSweep } opening_ = Opening::kScenario;
  std::string message_;  // the last error, shown until dismissed
  Tab select_tab_ = Tab::kRun;
  float scrub_seconds_ = 0;
  std::size_t what_if_listener_ = 0;  // the what-if panel's listener while none is edited
  // The what-if sliders' values while held: committed when let go.
  Draft<int> backlog_draft_, workers_draft_;
  Draft<float> scale_draft_;
  // The latency chart, recomputed when the histogram changes.
  int latency_group_ = -1;  // -1: all groups
  struct LatencyKey {
    int group = -2;
    std::uint64_t runs = 0;
    sim::Time at;
    friend bool operator==(const LatencyKey&, const LatencyKey&) = default;
  } latency_key_;
  LatencyBins latency_;
  std::uint64_t narration_seen_ = 0;
};

}  // namespace viewer::ui
