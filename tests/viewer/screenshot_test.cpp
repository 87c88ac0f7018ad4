// Tests of the synstorm-viewer binary: its arguments, and the PNG it rendered headless.
//
// The PNGs come from the ctest fixtures `viewer.screenshot` and `viewer.screenshot_sweep`
// (tests/viewer/CMakeLists.txt), which run the viewer under xvfb-run; VIEWER_PNG and
// VIEWER_SWEEP_PNG name them.
#include <sys/wait.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>

#include <stb_image.h>
#include <catch2/catch.hpp>

namespace {

// Exit code of `synstorm-viewer ARGS` (stderr discarded); it never reaches the window
// system when its arguments are bad.
int viewer_exit(const std::string& args) {
  const std::string cmd = std::string("'") + VIEWER_BIN + "' " + args + " 2>/dev/null";
  const int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

struct Image {
  int width = 0, height = 0, channels = 0;
  std::unique_ptr<unsigned char, void (*)(void*)> pixels{nullptr, stbi_image_free};
};

Image load_png(const char* path) {
  Image img;
  img.pixels.reset(stbi_load(path, &img.width, &img.height, &img.channels, 3));
  return img;
}

}  // namespace

TEST_CASE("the viewer refuses bad arguments with exit code 2 before opening a window", "[viewer][binary]") {
  const std::string overload = "'" SYNSTORM_SOURCE_DIR "/scenarios/overload.yaml'";
  CHECK(viewer_exit("/nonexistent/scenario.yaml --screenshot x.png") == 2);
  CHECK(viewer_exit(overload + " --screenshot x.png --size 10x10") == 2);
  CHECK(viewer_exit(overload + " --screenshot x.png --size wide") == 2);
  CHECK(viewer_exit(overload + " --screenshot x.png --at soon") == 2);
  CHECK(viewer_exit("--screenshot x.png --at 10s") == 2);
  CHECK(viewer_exit(overload + " --screenshot /nonexistent/dir/x.png") == 2);
  CHECK(viewer_exit(overload + " --no-such-flag") == 2);
  CHECK(viewer_exit("--sweep /nonexistent/sweep.csv") == 2);
  const std::string sweep = "--sweep '" SYNSTORM_SOURCE_DIR "/tests/viewer/data/mmck-sweep.csv'";
  CHECK(viewer_exit(sweep + " --screenshot x.png --metric no_such_rate") == 2);
  CHECK(viewer_exit(sweep + " --screenshot x.png --x no_such_parameter") == 2);
  CHECK(viewer_exit(sweep + " --screenshot x.png --series reps") == 2);
  CHECK(viewer_exit(overload + " --screenshot x.png --metric loss_rate") == 2);
  CHECK(viewer_exit("--help") == 0);
}

TEST_CASE("a time past the end of the run (--at) warns and shows the end", "[viewer][binary]") {
  // overload.yaml runs 30 s. The warning comes before any window is made (without a display
  // the viewer then exits 1; with one it writes the PNG).
  const std::string png = std::string(VIEWER_PNG) + ".past-end.png";
  const std::string cmd = std::string("'") + VIEWER_BIN +
                          "' '" SYNSTORM_SOURCE_DIR "/scenarios/overload.yaml' --at 400s" + " --screenshot '" + png +
                          "' --size 640x480 2>&1 >/dev/null";
  FILE* out = popen(cmd.c_str(), "r");
  REQUIRE(out != nullptr);
  std::string err;
  char buf[512];
  for (std::size_t got; (got = std::fread(buf, 1, sizeof buf, out)) > 0;) err.append(buf, got);
  pclose(out);
  std::remove(png.c_str());
  CHECK(err.find("warning: --at 400s is past the end of the run (30s): showing the end") != std::string::npos);
}

namespace {

struct Colors {
  std::size_t pixels = 0;
  std::size_t background = 0;  // pixels of the commonest colour
  std::map<std::uint32_t, std::size_t> count;
  bool has(unsigned r, unsigned g, unsigned b) const { return count.count((r << 16) | (g << 8) | b) > 0; }
};

// The colours of a PNG that must be `width` x `height`.
Colors colors_of_png(const char* path, int width, int height) {
  const Image img = load_png(path);
  INFO(path << ": " << (img.pixels ? "" : stbi_failure_reason()));
  REQUIRE(img.pixels);
  REQUIRE(img.width == width);
  REQUIRE(img.height == height);
  Colors c;
  c.pixels = static_cast<std::size_t>(img.width) * static_cast<std::size_t>(img.height);
  const unsigned char* p = img.pixels.get();
  for (std::size_t i = 0; i < c.pixels; ++i, p += 3) {
    ++c.count[(std::uint32_t{p[0]} << 16) | (std::uint32_t{p[1]} << 8) | p[2]];
  }
  for (const auto& [color, n] : c.count) c.background = std::max(c.background, n);
  return c;
}

}  // namespace

TEST_CASE("the headless screenshot of a run has the asked size and shows the storm's charts, not a blank window",
          "[viewer][screenshot]") {
  const Colors c = colors_of_png(VIEWER_PNG, 1600, 1000);
  // Text, charts and gauges: many colours, and most of the window is not the background.
  CHECK(c.count.size() >= 500);
  CHECK(c.background < c.pixels / 2);
  // The charts' legend swatches are drawn in the outcome colours: the accepted (green) and
  // refused (red) lines are on screen.
  CHECK(c.has(90, 205, 120));
  CHECK(c.has(235, 85, 70));
}

TEST_CASE("the headless screenshot of a sweep draws the metric's lines", "[viewer][screenshot]") {
  const Colors c = colors_of_png(VIEWER_SWEEP_PNG, 1200, 800);
  CHECK(c.count.size() >= 300);
  CHECK(c.background < c.pixels * 3 / 4);
  // One line per worker count, in the first two line colours.
  CHECK(c.has(90, 180, 250));
  CHECK(c.has(250, 140, 80));
}

TEST_CASE("the sweep chart is chosen by name (--metric --x --series): one line when asked for none",
          "[viewer][screenshot]") {
  const Colors c = colors_of_png(VIEWER_SWEEP_CHOSEN_PNG, 1200, 800);
  CHECK(c.count.size() >= 300);
  // The first line colour, and not the second: the lines per worker count are gone.
  CHECK(c.has(90, 180, 250));
  CHECK_FALSE(c.has(250, 140, 80));
}

namespace {

// The height of the window's first button ("Open scenario..."), in pixels: the run of
// pixels unlike the window's background down the column `x`, from the first one.
int first_button_height(const char* path, int x) {
  const Image img = load_png(path);
  INFO(path);
  REQUIRE(img.pixels);
  const auto pixel = [&](int y) {
    const unsigned char* p = img.pixels.get() + (static_cast<std::size_t>(y) * img.width + x) * 3;
    return (std::uint32_t{p[0]} << 16) | (std::uint32_t{p[1]} << 8) | p[2];
  };
  const std::uint32_t background = pixel(1);
  int y = 1;
  while (y < img.height && pixel(y) == background) ++y;
  const int top = y;
  while (y < img.height && pixel(y) != background) ++y;
  return y - top;
}

}  // namespace

TEST_CASE("a UI scale of 2 (--ui-scale 2) doubles the text and the controls", "[viewer][screenshot]") {
  // A button is its text (ImGui's 13-pixel font at scale 1) and the frame padding above and
  // below (3 pixels each): 19 pixels, times the scale. The column is 2 scaled pixels inside
  // the button's left edge (at the window padding, 8 scaled pixels), before its text.
  const int one = first_button_height(VIEWER_SCALE1_PNG, 10);
  const int two = first_button_height(VIEWER_SCALE2_PNG, 20);
  CHECK(one >= 18);
  CHECK(one <= 20);
  CHECK(two >= 37);
  CHECK(two <= 39);
}

TEST_CASE("the headless screenshot of a proxy tier draws the proxy apart from the other hosts",
          "[viewer][screenshot]") {
  const Colors proxy = colors_of_png(VIEWER_PROXY_PNG, 1600, 1000);
  CHECK(proxy.count.size() >= 500);
  // The proxy's diamond outline (viewer/app.cpp kProxyOutline), which no other node has:
  // on screen here, and absent from a scenario without proxies.
  CHECK(proxy.has(250, 120, 200));
  CHECK_FALSE(colors_of_png(VIEWER_PNG, 1600, 1000).has(250, 120, 200));
}
