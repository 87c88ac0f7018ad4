// Tests of the viewer's window contents (viewer/app.h) in a real ImGui context without a
// window (tests/viewer/imgui_harness.h): its keyboard shortcuts and its file dialog, driven
// by key events as the frame loop delivers them.
#include "viewer/app.h"

#include <string>

#include <imgui_internal.h>
#include <catch2/catch.hpp>

#include "tests/viewer/imgui_harness.h"

namespace {

const std::string kScenarios = std::string(SYNSTORM_SOURCE_DIR) + "/scenarios/";

}  // namespace

TEST_CASE("Space plays and pauses, Right steps one event, Left and Home go back", "[viewer][app]") {
  ImGuiHarness h;
  viewer::ui::App app({});
  REQUIRE(app.open_scenario(kScenarios + "overload.yaml").empty());
  viewer::Session& s = *app.session();
  const auto frame = [&] { app.frame(0.0); };
  h.frame(frame);
  h.tap(GLFW_KEY_SPACE);
  h.settle(frame);
  CHECK(s.playing());
  h.tap(GLFW_KEY_SPACE);
  h.settle(frame);
  CHECK_FALSE(s.playing());

  const std::uint64_t events = s.snapshot().events;
  h.tap(GLFW_KEY_RIGHT);
  h.settle(frame);
  CHECK(s.snapshot().events == events + 1);
  // Shift+Right: one sample interval on.
  const sim::Time before = s.now();
  h.key(GLFW_KEY_LEFT_SHIFT, true);
  h.tap(GLFW_KEY_RIGHT);
  h.key(GLFW_KEY_LEFT_SHIFT, false);
  h.settle(frame);
  CHECK(s.now() == before + s.spec().sample_interval);
  h.tap(GLFW_KEY_LEFT);
  h.settle(frame);
  CHECK(s.now() == before);
  h.tap(GLFW_KEY_HOME);
  h.settle(frame);
  CHECK(s.now() == sim::Time::zero());
}

TEST_CASE("Ctrl+plus, Ctrl+minus and Ctrl+0 change the UI scale and bring it back", "[viewer][app]") {
  ImGuiHarness h;
  viewer::ui::App app({});
  app.set_ui_scale(1.5f);  // as the monitor's content scale would set it
  const auto frame = [&] { app.frame(0.0); };
  const auto ctrl = [&](int key) {
    h.key(GLFW_KEY_LEFT_CONTROL, true);
    h.tap(key);
    h.key(GLFW_KEY_LEFT_CONTROL, false);
    h.settle(frame);
  };
  ctrl(GLFW_KEY_EQUAL);
  CHECK(app.ui_scale() == 1.625f);
  ctrl(GLFW_KEY_KP_ADD);
  CHECK(app.ui_scale() == 1.75f);
  ctrl(GLFW_KEY_MINUS);
  ctrl(GLFW_KEY_MINUS);
  ctrl(GLFW_KEY_MINUS);
  CHECK(app.ui_scale() == 1.375f);
  ctrl(GLFW_KEY_0);
  CHECK(app.ui_scale() == 1.5f);
  for (int i = 0; i < 40; ++i) ctrl(GLFW_KEY_MINUS);
  CHECK(app.ui_scale() == viewer::ui::App::kMinScale);
}

TEST_CASE("the file dialog opens a typed path on a quick Enter, and Esc closes it", "[viewer][app]") {
  ImGuiHarness h;
  viewer::ui::FileDialog dialog;
  std::optional<std::string> chosen;
  bool open = false;  // the dialog is open at the end of the last frame
  const auto frame = [&] {
    ImGui::SetNextWindowPos({0, 0});
    ImGui::SetNextWindowSize(ImGui::GetIO().DisplaySize);
    ImGui::Begin("window", nullptr, ImGuiWindowFlags_NoDecoration);
    if (auto c = dialog.draw()) chosen = std::move(c);
    open = ImGui::IsPopupOpen("Open a scenario");
    ImGui::End();
  };
  dialog.open("Open a scenario", {".yaml"}, kScenarios);
  h.settle(frame);
  REQUIRE(open);
  h.tap(GLFW_KEY_ESCAPE);
  h.settle(frame);
  CHECK_FALSE(open);
  CHECK_FALSE(chosen);

  dialog.open("Open a scenario", {".yaml"}, kScenarios);
  h.settle(frame);
  REQUIRE(open);
  // The path field is the dialog's only text field: Tab from nothing focused reaches it.
  h.tap(GLFW_KEY_TAB);
  h.settle(frame);
  REQUIRE(ImGui::GetIO().WantTextInput);
  h.type("steady.yaml");
  h.tap(GLFW_KEY_ENTER);
  h.settle(frame);
  CHECK(chosen == std::optional<std::string>("steady.yaml"));
  CHECK_FALSE(open);
}

namespace {

// The table whose scrolling child window is named after `id` (ImGui names a table's inner
// window "<parent>/<id>_<hash>").
ImGuiTable* find_table(const char* id) {
  const std::string part = std::string("/") + id + "_";
  ImPool<ImGuiTable>& tables = ImGui::GetCurrentContext()->Tables;
  for (int n = 0; n < tables.GetMapSize(); ++n) {
    ImGuiTable* t = tables.TryGetMapData(n);
    if (t && t->InnerWindow && std::string(t->InnerWindow->Name).find(part) != std::string::npos) return t;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("at 1024x700 the outcome table fits its panel: nothing scrolls sideways or is cut", "[viewer][app]") {
  // os-compare.yaml: 8 client groups and an "all" row; at the end every count has grown to
  // four or five digits, the widest the table gets. syn-flood.yaml has a group of forged
  // SYNs (a row of its own kind), flash-crowd-balancer.yaml six-digit counts.
  const std::string file = GENERATE("os-compare.yaml", "syn-flood.yaml", "flash-crowd-balancer.yaml");
  INFO(file);
  ImGuiHarness h;
  ImGui::GetIO().DisplaySize = {1024, 700};
  viewer::ui::App app({});
  REQUIRE(app.open_scenario(kScenarios + file).empty());
  viewer::Session& s = *app.session();
  s.seek(s.end());
  REQUIRE(s.snapshot().totals.attempts >= 1000);
  const auto frame = [&] { app.frame(0.0); };
  for (int i = 0; i < 4; ++i) h.frame(frame);  // tables settle their widths over frames

  ImGuiTable* t = find_table("outcomes");
  REQUIRE(t != nullptr);
  REQUIRE(t->ColumnsCount == 8);
  // It cannot scroll sideways, and it ends inside the window.
  CHECK((t->Flags & ImGuiTableFlags_ScrollX) == 0);
  CHECK_FALSE(t->InnerWindow->ScrollbarX);
  CHECK(t->InnerWindow->ScrollMax.x == 0);
  CHECK(t->OuterRect.Max.x <= 1024);
  // Names on rows of their own (the first column an indent, no "group" header) run across
  // their rows' empty cells.
  const bool name_rows = std::string(ImGui::TableGetColumnName(t, 0)).empty();
  for (int c = 0; c < t->ColumnsCount; ++c) {
    const ImGuiTableColumn& col = t->Columns[c];
    INFO("column " << c << ": " << col.MinX << " .. " << col.MaxX << ", body text to " << col.ContentMaxXUnfrozen
                   << ", header text to " << col.ContentMaxXHeadersIdeal);
    // Inside the table's visible width...
    CHECK(col.MaxX <= t->InnerClipRect.Max.x + 0.5f);
    CHECK(col.ContentMaxXUnfrozen <= t->InnerClipRect.Max.x + 0.5f);
    // ...and no count or header cut at its column's edge (names on rows of their own run
    // across the empty cells beside them, within the table).
    if (c > 0 || !name_rows) {
      CHECK(col.ContentMaxXUnfrozen <= col.ClipRect.Max.x + 0.5f);
      CHECK(col.ContentMaxXHeadersIdeal <= col.ClipRect.Max.x + 0.5f);
    }
  }
}
