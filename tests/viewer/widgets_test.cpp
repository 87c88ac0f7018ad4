// Tests of the what-if sliders (viewer/widgets.h) in a real ImGui context without a window
// (tests/viewer/imgui_harness.h): the mouse and the keyboard reach ImGui as the frame loop
// delivers them, frame by frame, and each test reads what the slider committed.
#include "viewer/widgets.h"

#include <optional>

#include <catch2/catch.hpp>

#include "tests/viewer/imgui_harness.h"

namespace {

// The what-if workers slider, over a value committed as the app commits it.
class Harness : public ImGuiHarness {
 public:
  void frame() {
    ImGuiHarness::frame([this] { draw(); });
  }
  void settle() {
    ImGuiHarness::settle([this] { draw(); });
  }
  // A point on the slider, `f` of the way along it.
  ImVec2 along(float f) const { return {lo_.x + (hi_.x - lo_.x) * f, (lo_.y + hi_.y) / 2}; }

  viewer::Draft<int> draft;
  int committed = 8;
  int commits = 0;
  int shown = 0;

 private:
  void draw() {
    ImGui::SetNextWindowPos({0, 0});
    ImGui::SetNextWindowSize(ImGui::GetIO().DisplaySize);
    ImGui::Begin("harness", nullptr, ImGuiWindowFlags_NoDecoration);
    ImGui::SetNextItemWidth(400);
    if (const auto v = viewer::ui::committed_slider("workers", draft, committed, 0, 64)) {
      committed = *v;
      ++commits;
    }
    lo_ = ImGui::GetItemRectMin();
    hi_ = ImGui::GetItemRectMax();
    shown = draft.shown(committed);
    ImGui::End();
  }
  ImVec2 lo_, hi_;
};

void click(Harness& h, bool down) { h.click(down); }
void key(Harness& h, int code, bool down) { h.key(code, down); }

}  // namespace

TEST_CASE("a dragged what-if slider commits the value it shows when released", "[viewer][widgets]") {
  Harness h;
  h.frame();
  h.mouse = h.along(0.2f);
  click(h, true);
  h.settle();
  h.mouse = h.along(0.25f);
  h.frame();
  const int held = h.shown;
  CHECK(held > 8);  // about a quarter of 64
  CHECK(held < 24);
  CHECK(h.commits == 0);  // nothing re-runs while the slider is held
  CHECK(h.committed == 8);
  click(h, false);
  h.settle();
  CHECK(h.commits == 1);
  CHECK(h.committed == held);
  CHECK(h.shown == held);  // and it stays
}

TEST_CASE("a plain click on a what-if slider commits the value under the pointer", "[viewer][widgets]") {
  Harness h;
  h.frame();
  h.mouse = h.along(0.75f);
  // Pressed and released between two frames.
  click(h, true);
  click(h, false);
  h.settle();
  CHECK(h.commits == 1);
  CHECK(h.committed > 40);  // about three quarters of 64
  CHECK(h.committed < 56);
  CHECK(h.shown == h.committed);
}

TEST_CASE("Ctrl+click, typing and a quick Enter commit the typed value", "[viewer][widgets]") {
  Harness h;
  h.frame();
  h.mouse = h.along(0.5f);
  key(h, GLFW_KEY_LEFT_CONTROL, true);
  click(h, true);
  click(h, false);
  key(h, GLFW_KEY_LEFT_CONTROL, false);
  h.settle();
  REQUIRE(ImGui::GetIO().WantTextInput);  // the slider is a text field now
  CHECK(h.commits == 0);
  // "16" and an Enter tapped faster than a frame, all between two frames.
  for (const char c : {'1', '6'}) {
    key(h, c, true);
    h.queue.push({viewer::InputEvent::Kind::kChar, c, true});
    key(h, c, false);
  }
  key(h, GLFW_KEY_ENTER, true);
  key(h, GLFW_KEY_ENTER, false);
  h.settle();
  CHECK_FALSE(ImGui::GetIO().WantTextInput);  // out of edit mode
  CHECK(h.commits == 1);
  CHECK(h.committed == 16);
}

TEST_CASE("a click on the value already committed re-runs nothing", "[viewer][widgets]") {
  Harness h;
  h.frame();
  h.mouse = h.along(0.5f);
  click(h, true);
  click(h, false);
  h.settle();
  REQUIRE(h.commits == 1);
  const int value = h.committed;
  click(h, true);
  click(h, false);
  h.settle();
  CHECK(h.commits == 1);
  CHECK(h.committed == value);
}
