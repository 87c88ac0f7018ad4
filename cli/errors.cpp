#include "cli/errors.h"

#include <algorithm>
#include <string_view>
#include <vector>

#include "config/suggest.h"
#include "model/personality.h"
#include "model/socket_api.h"
#include "model/socket_errors.h"

namespace cli {

namespace {

constexpr model::SocketError kErrors[] = {
    model::SocketError::kNotInitialised, model::SocketError::kNetDown,   model::SocketError::kAddrInUse,
    model::SocketError::kInProgress,     model::SocketError::kInval,     model::SocketError::kIsConn,
    model::SocketError::kMFile,          model::SocketError::kNoBufs,    model::SocketError::kNotSock,
    model::SocketError::kBadF,           model::SocketError::kOpNotSupp, model::SocketError::kWouldBlock,
};

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

// Every name any OS gives any error, each once, in the order of kErrors (Windows first).
std::vector<std::string_view> all_names() {
  std::vector<std::string_view> names;
  for (model::SocketError e : kErrors) {
    for (model::Os os : model::all_oses()) {
      const std::string_view n = model::error_name(e, os);
      if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
    }
  }
  return names;
}

// "Linux, FreeBSD, macOS": the OSes of `oses`.
std::string os_list(const std::vector<model::Os>& oses) {
  std::string out;
  for (model::Os os : oses) out += (out.empty() ? "" : ", ") + std::string(model::os_name(os));
  return out;
}

}  // namespace

std::optional<std::string> errors_text(const std::string& name, std::string& problem) {
  std::string out;
  if (name.empty()) {
    out += "errors the simulated socket calls return (synstorm errors NAME says why)\n\n";
    for (std::string_view n : all_names()) {
      std::vector<model::Os> oses;
      std::vector<std::string_view> calls;
      for (model::Os os : model::all_oses()) {
        for (model::SocketError e : kErrors) {
          if (model::error_name(e, os) != n) continue;
          for (const model::ErrorReason& r : model::error_reasons()) {
            if (r.error != e || !model::in_family(os, r.oses)) continue;
            // Only the OSes that return it (POSIX has a name for WSANOTINITIALISED's slot, never the error).
            if (std::find(oses.begin(), oses.end(), os) == oses.end()) oses.push_back(os);
            const std::string_view call = r.call == "*" ? "any call" : r.call;
            if (std::find(calls.begin(), calls.end(), call) == calls.end()) calls.push_back(call);
          }
        }
      }
      if (oses.empty()) continue;  // a name no simulated call returns
      std::string line = "  " + std::string(n);
      line.resize(std::max<std::size_t>(line.size() + 1, 22), ' ');
      std::string who = os_list(oses);
      who.resize(std::max<std::size_t>(who.size() + 1, 30), ' ');
      std::string call_list;
      for (std::string_view c : calls) call_list += (call_list.empty() ? "" : ", ") + std::string(c);
      out += line + who + call_list + "\n";
    }
    return out;
  }
  const std::string wanted = upper(name);
  // Group the OSes that give the same rows: the three POSIX kernels read alike.
  struct Block {
    std::vector<model::Os> oses;
    std::vector<const model::ErrorReason*> rows;
  };
  std::vector<Block> blocks;
  std::string_view shown;
  for (model::Os os : model::all_oses()) {
    std::vector<const model::ErrorReason*> rows;
    for (model::SocketError e : kErrors) {
      if (model::error_name(e, os) != wanted) continue;
      shown = model::error_name(e, os);
      for (const model::ErrorReason& r : model::error_reasons()) {
        if (r.error == e && model::in_family(os, r.oses)) rows.push_back(&r);
      }
    }
    if (rows.empty()) continue;
    auto same = std::find_if(blocks.begin(), blocks.end(), [&](const Block& b) { return b.rows == rows; });
    if (same != blocks.end()) {
      same->oses.push_back(os);
    } else {
      blocks.push_back(Block{{os}, rows});
    }
  }
  if (blocks.empty()) {
    const std::vector<std::string_view> names = all_names();
    problem = "no socket call here returns " + config::quote(name) + config::suggestion_suffix(name, names) +
              "; synstorm errors lists them";
    return std::nullopt;
  }
  for (const Block& b : blocks) {
    out += std::string(shown) + " on " + os_list(b.oses) + "\n";
    for (const model::ErrorReason* r : b.rows) {
      out +=
          "  " + (r->call == "*" ? std::string("any call") : std::string(r->call)) + ": " + std::string(r->why) + "\n";
      out += "    source: " + std::string(r->source) + "\n";
      const bool here = !r->scenario.empty() && model::in_family(b.oses.front(), r->shown_on);
      out += "    shown by: " +
             (here                  ? "synstorm run " + std::string(r->scenario)
              : r->scenario.empty() ? std::string("no bundled scenario")
                                    : "synstorm run " + std::string(r->scenario) + ", on its " +
                                          (r->shown_on == model::OsFamily::kWindows ? "Windows" : "POSIX") +
                                          " host (the same condition)") +
             "\n";
    }
  }
  // The other OSes' names for the same conditions, so that a Windows error leads to its POSIX twin.
  std::vector<std::string_view> others;
  for (model::SocketError e : kErrors) {
    bool matches = false;
    for (model::Os os : model::all_oses()) matches = matches || model::error_name(e, os) == wanted;
    if (!matches) continue;
    for (model::Os os : model::all_oses()) {
      const std::string_view n = model::error_name(e, os);
      if (n != wanted && std::find(others.begin(), others.end(), n) == others.end()) others.push_back(n);
    }
  }
  if (!others.empty()) {
    out += "same error on the other OSes (not always for the same calls):";
    for (std::string_view n : others) out += " " + std::string(n);
    out += "\n";
  }
  return out;
}

}  // namespace cli
