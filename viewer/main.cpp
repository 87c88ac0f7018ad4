// synstorm-viewer — watch a scenario run, try "what if", plot a sweep.
//
// The window, the OpenGL context and the frame loop; everything drawn is viewer::ui::App.
// With --screenshot it renders one frame at the simulated time --at and writes it as a PNG
// instead of opening an interactive window (run it under xvfb-run on a machine without a
// display).
//
// Exit codes: 0 ok, 2 bad input (arguments, scenario or CSV; nothing written), 1 no window
// or OpenGL context could be made, or the PNG could not be written.
#include <cfloat>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <GLFW/glfw3.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>
#include <stb_image_write.h>
#include <CLI/CLI.hpp>

#include "config/units.h"
#include "sim/format.h"
#include "viewer/app.h"
#include "viewer/input_queue.h"
#include "viewer/widgets.h"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitBadInput = 2;

struct Args {
  std::string file;
  std::string sweep;
  std::string screenshot;
  std::string at;
  std::string size = "1600x1000";
  std::optional<std::uint64_t> seed;
  std::optional<float> ui_scale;
  std::string metric, x, series;  // the Sweep view's chart
};

struct Size {
  int width = 0, height = 0;
};

// "1600x1000" -> {1600, 1000}, each between 320 and 8192.
std::optional<Size> parse_size(const std::string& text) {
  Size s;
  char x = 0;
  char rest = 0;
  if (std::sscanf(text.c_str(), "%d%c%d%c", &s.width, &x, &s.height, &rest) != 3 || x != 'x') return std::nullopt;
  if (s.width < 320 || s.height < 240 || s.width > 8192 || s.height > 8192) return std::nullopt;
  return s;
}

void glfw_error(int code, const char* description) {
  std::cerr << "synstorm-viewer: GLFW error " << code << ": " << description << "\n";
}

// Keys and mouse buttons go through an InputQueue (viewer/input_queue.h) so that a key
// tapped within one frame is seen; characters too, to keep their order with the keys.
viewer::InputQueue input;
viewer::ui::MouseButtons mouse_buttons{};

void on_key(GLFWwindow*, int key, int, int action, int) {
  // ImGui repeats a held key itself (io.KeyRepeatDelay), as the GLFW backend leaves it to.
  if (action != GLFW_REPEAT) input.push({viewer::InputEvent::Kind::kKey, key, action == GLFW_PRESS});
}
void on_char(GLFWwindow*, unsigned c) { input.push({viewer::InputEvent::Kind::kChar, static_cast<int>(c), true}); }
void on_button(GLFWwindow*, int button, int action, int) {
  input.push({viewer::InputEvent::Kind::kButton, button, action == GLFW_PRESS});
}

// The fonts and sizes for a UI scale (1: ImGui's 13-pixel font). Outside a frame.
void apply_scale(float scale) {
  ImGuiIO& io = ImGui::GetIO();
  io.Fonts->Clear();
  ImFontConfig font;
  font.SizePixels = 13.0f * scale;
  io.Fonts->AddFontDefault(&font);
  ImGui_ImplOpenGL3_DestroyFontsTexture();
  ImGui_ImplOpenGL3_CreateFontsTexture();
  ImGuiStyle style;
  ImGui::StyleColorsDark(&style);
  style.FrameRounding = 3.0f;
  style.ScaleAllSizes(scale);
  ImGui::GetStyle() = style;
}

// `headless`: no pointer (the X server's would hover a chart and draw its tooltip).
void render(GLFWwindow* window, viewer::ui::App& app, double wall_seconds, bool headless) {
  static float applied_scale = 0;
  if (app.ui_scale() != applied_scale) {
    applied_scale = app.ui_scale();
    apply_scale(applied_scale);
  }
  ImGui_ImplOpenGL3_NewFrame();
  ImGui_ImplGlfw_NewFrame();
  ImGuiIO& io = ImGui::GetIO();
  viewer::ui::apply_input(input.next_frame(), io, mouse_buttons);
  // The backend polled the buttons; the queue's state is the one that lets no click go.
  for (std::size_t b = 0; b < mouse_buttons.size(); ++b) io.MouseDown[b] = mouse_buttons[b];
  if (headless) io.MousePos = ImVec2(-FLT_MAX, -FLT_MAX);
  ImGui::NewFrame();
  app.frame(wall_seconds);
  ImGui::Render();
  int w = 0, h = 0;
  glfwGetFramebufferSize(window, &w, &h);
  glViewport(0, 0, w, h);
  glClearColor(0.09f, 0.10f, 0.12f, 1.0f);
  glClear(GL_COLOR_BUFFER_BIT);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
}

// The back buffer as an RGB PNG, written to a temporary name and renamed.
bool write_png(GLFWwindow* window, const std::string& path) {
  int w = 0, h = 0;
  glfwGetFramebufferSize(window, &w, &h);
  const auto row = static_cast<std::size_t>(w) * 3;
  std::vector<unsigned char> pixels(row * static_cast<std::size_t>(h));
  glFinish();
  glReadBuffer(GL_BACK);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadPixels(0, 0, w, h, GL_RGB, GL_UNSIGNED_BYTE, pixels.data());
  // OpenGL's rows go bottom up, PNG's top down.
  std::vector<unsigned char> flipped(pixels.size());
  for (int y = 0; y < h; ++y) {
    std::copy_n(pixels.begin() + static_cast<std::ptrdiff_t>(row) * (h - 1 - y), row,
                flipped.begin() + static_cast<std::ptrdiff_t>(row) * y);
  }
  const std::string tmp = path + ".tmp";
  if (stbi_write_png(tmp.c_str(), w, h, 3, flipped.data(), static_cast<int>(row)) == 0) return false;
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  return !ec;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"synstorm-viewer: watch a synstorm scenario run, try what-ifs, plot a sweep"};
  Args args;
  cli.add_option("file", args.file, "Scenario file (YAML) to open");
  cli.add_option("--sweep", args.sweep, "A sweep's CSV (synstorm sweep --out) to open in the Sweep view");
  cli.add_option("--metric", args.metric, "The sweep's metric to plot, e.g. loss_rate (needs --sweep)");
  cli.add_option("--x", args.x, "The sweep's parameter to plot it against (needs --sweep)");
  cli.add_option("--series", args.series,
                 "The sweep's parameter that gives one line per value, or none (needs --sweep)");
  cli.add_option("--screenshot", args.screenshot, "Render one frame, write it to this PNG file and exit");
  cli.add_option("--at", args.at, "Simulated time to show first, e.g. 10s (needs a scenario)");
  cli.add_option("--size", args.size, "Window size in pixels, WIDTHxHEIGHT")->capture_default_str();
  cli.add_option("--seed", args.seed, "Override the scenario's seed");
  cli.add_option("--ui-scale", args.ui_scale,
                 "Size of text and controls (1 = 13-pixel text; default: the monitor's content scale; "
                 "Ctrl+plus / Ctrl+minus change it, Ctrl+0 resets it)")
      ->check(CLI::Range(viewer::ui::App::kMinScale, viewer::ui::App::kMaxScale));
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = cli.exit(e);
    return code == 0 ? kExitOk : kExitBadInput;
  }

  const std::optional<Size> size = parse_size(args.size);
  if (!size) {
    std::cerr << "synstorm-viewer: --size " << args.size
              << ": expected WIDTHxHEIGHT, e.g. 1600x1000 (320x240 to 8192x8192)\n";
    return kExitBadInput;
  }
  std::optional<sim::Duration> at;
  if (!args.at.empty()) {
    const auto parsed = config::parse_duration(args.at);
    if (!parsed.ok()) {
      std::cerr << "synstorm-viewer: --at " << args.at << ": " << parsed.error << "\n";
      return kExitBadInput;
    }
    if (args.file.empty()) {
      std::cerr << "synstorm-viewer: --at needs a scenario file\n";
      return kExitBadInput;
    }
    at = *parsed.value;
  }
  if (!args.screenshot.empty()) {
    const std::filesystem::path p(args.screenshot);
    std::error_code ec;
    if (p.has_parent_path() && !std::filesystem::is_directory(p.parent_path(), ec)) {
      std::cerr << "synstorm-viewer: --screenshot " << args.screenshot << ": directory " << p.parent_path().string()
                << " does not exist\n";
      return kExitBadInput;
    }
  }

  viewer::ui::App app({.seed = args.seed});
  if (!args.file.empty()) {
    const std::string err = app.open_scenario(args.file);
    if (!err.empty()) {
      std::cerr << err << "synstorm-viewer: " << args.file << " was not opened\n";
      return kExitBadInput;
    }
    if (at) {
      viewer::Session& s = *app.session();
      if (sim::Time::zero() + *at > s.end()) {
        std::cerr << "synstorm-viewer: warning: --at " << args.at << " is past the end of the run ("
                  << sim::format_duration(s.end() - sim::Time::zero()) << "): showing the end\n";
      }
      s.seek(sim::Time::zero() + *at);
    }
  }
  if (!args.sweep.empty()) {
    const std::string err = app.open_sweep(args.sweep);
    if (!err.empty()) {
      std::cerr << "synstorm-viewer: " << err << "\n";
      return kExitBadInput;
    }
    const std::string chosen = app.sweep().choose(args.metric, args.x, args.series);
    if (!chosen.empty()) {
      std::cerr << "synstorm-viewer: " << chosen << "\n";
      return kExitBadInput;
    }
    if (args.file.empty()) app.show_sweep();
  } else if (!args.metric.empty() || !args.x.empty() || !args.series.empty()) {
    std::cerr << "synstorm-viewer: --metric, --x and --series choose the chart of a sweep: they need --sweep\n";
    return kExitBadInput;
  }

  glfwSetErrorCallback(glfw_error);
  if (!glfwInit()) {
    std::cerr << "synstorm-viewer: no window system (no display? run it under xvfb-run for --screenshot)\n";
    return kExitFailure;
  }
  const bool headless = !args.screenshot.empty();
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 0);
  glfwWindowHint(GLFW_RESIZABLE, headless ? GLFW_FALSE : GLFW_TRUE);
  GLFWwindow* window = glfwCreateWindow(size->width, size->height, "synstorm-viewer", nullptr, nullptr);
  if (!window) {
    std::cerr << "synstorm-viewer: could not create an OpenGL 3.0 window\n";
    glfwTerminate();
    return kExitFailure;
  }
  glfwMakeContextCurrent(window);
  glfwSwapInterval(headless ? 0 : 1);

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;  // the layout is fixed; write nothing next to the user's files
  // Keys, characters and buttons come through the InputQueue; the backend gets the rest.
  ImGui_ImplGlfw_InitForOpenGL(window, false);
  glfwSetKeyCallback(window, on_key);
  glfwSetCharCallback(window, on_char);
  glfwSetMouseButtonCallback(window, on_button);
  glfwSetScrollCallback(window, ImGui_ImplGlfw_ScrollCallback);
  glfwSetWindowFocusCallback(window, ImGui_ImplGlfw_WindowFocusCallback);
  glfwSetCursorEnterCallback(window, ImGui_ImplGlfw_CursorEnterCallback);
  ImGui_ImplOpenGL3_Init("#version 130");
  // Now, not lazily in the first NewFrame: apply_scale replaces the font texture made here.
  ImGui_ImplOpenGL3_CreateDeviceObjects();
  if (args.ui_scale) {
    app.set_ui_scale(*args.ui_scale);
  } else {
    // What the window system asks for this monitor (GLFW: the DPI over 96, or Xft.dpi).
    float xs = 1, ys = 1;
    glfwGetWindowContentScale(window, &xs, &ys);
    app.set_ui_scale(xs);
  }

  int code = kExitOk;
  if (headless) {
    // Tables and auto-sized windows settle over the first frames; the last one is kept.
    constexpr int kFrames = 4;
    for (int i = 0; i < kFrames; ++i) {
      glfwPollEvents();
      render(window, app, 0.0, true);
      if (i + 1 < kFrames) glfwSwapBuffers(window);
    }
    if (!write_png(window, args.screenshot)) {
      std::cerr << "synstorm-viewer: could not write " << args.screenshot << "\n";
      code = kExitFailure;
    }
  } else {
    double last = glfwGetTime();
    while (!glfwWindowShouldClose(window)) {
      // Idle without spinning while nothing plays.
      const viewer::Session* s = app.session();
      // Events held back for the next frame are due now as well.
      if ((s && s->playing()) || !input.empty()) {
        glfwPollEvents();
      } else {
        glfwWaitEventsTimeout(0.25);
      }
      const double now = glfwGetTime();
      render(window, app, now - last, false);
      last = now;
      glfwSwapBuffers(window);
    }
  }

  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  glfwDestroyWindow(window);
  glfwTerminate();
  return code;
}
