#include "config/detail/script_reader.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/detail/listener_reader.h"
#include "config/detail/text.h"
#include "config/suggest.h"
#include "sim/format.h"

namespace config::detail {

namespace {

using model::Os;

// Script steps: `do` picks the call; each kind lists every key it takes (the tag included).
constexpr std::string_view kPlainStepKeys[] = {"at", "host", "do", "expect"};
constexpr std::string_view kSocketStepKeys[] = {"at", "host", "do", "expect", "type", "as"};
constexpr std::string_view kBindStepKeys[] = {"at", "host", "do", "expect", "socket", "fd", "port", "address"};
constexpr std::string_view kListenStepKeys[] = {"at", "host",    "do",      "expect", "socket",
                                                "fd", "backlog", "workers", "service"};
constexpr std::string_view kAcceptStepKeys[] = {"at", "host", "do", "expect", "socket", "fd", "as", "blocking"};
constexpr std::string_view kDescriptorStepKeys[] = {"at", "host", "do", "expect", "socket", "fd"};
constexpr TaggedKind kStepKinds[] = {
    {"wsastartup", kPlainStepKeys},   {"wsacleanup", kPlainStepKeys}, {"socket", kSocketStepKeys},
    {"bind", kBindStepKeys},          {"listen", kListenStepKeys},    {"accept", kAcceptStepKeys},
    {"connect", kDescriptorStepKeys}, {"close", kDescriptorStepKeys}, {"net_down", kPlainStepKeys},
    {"net_up", kPlainStepKeys},
};
// Parallel to kStepKinds.
constexpr model::ScriptCall kStepCalls[] = {
    model::ScriptCall::kWsaStartup, model::ScriptCall::kWsaCleanup, model::ScriptCall::kSocket,
    model::ScriptCall::kBind,       model::ScriptCall::kListen,     model::ScriptCall::kAccept,
    model::ScriptCall::kConnect,    model::ScriptCall::kClose,      model::ScriptCall::kNetDown,
    model::ScriptCall::kNetUp,
};
static_assert(std::size(kStepKinds) == std::size(kStepCalls));
constexpr std::string_view kStepExample = "{at: 1s, host: web, do: listen, socket: s, backlog: 5}";
constexpr std::string_view kSocketTypes[] = {"stream", "dgram"};
constexpr model::SocketType kSocketTypeValues[] = {model::SocketType::kStream, model::SocketType::kDgram};

bool is_windows_only(model::ScriptCall call) {
  return call == model::ScriptCall::kWsaStartup || call == model::ScriptCall::kWsaCleanup;
}

// The names `expect:` takes on a host of `os`: "OK" and error_name() of every SocketError,
// each once. error_name() gives the Winsock name of an error that only Windows has
// (WSANOTINITIALISED, WSAEINPROGRESS) whatever the OS; a POSIX kernel never reports a WSA*
// name, so those are left out for the other OSes.
std::vector<std::string_view> compute_expect_names(Os os) {
  std::vector<std::string_view> names;
  // Every value of the enum's underlying type, so that an error added to SocketError is
  // picked up here; error_name() answers "?" for values that are not errors.
  for (unsigned v = 0; v <= std::numeric_limits<std::uint8_t>::max(); ++v) {
    const auto e = static_cast<model::SocketError>(v);
    const std::string_view name = model::error_name(e, os);
    if (name == "?") continue;
    if (os != Os::kWindows && name.starts_with("WSA")) continue;
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  return names;
}

// compute_expect_names, once per OS (a script may have many steps).
const std::vector<std::string_view>& expect_names(Os os) {
  static const std::vector<std::vector<std::string_view>> by_os = [] {
    std::vector<std::vector<std::string_view>> v;
    for (Os o : model::all_oses()) v.push_back(compute_expect_names(o));
    return v;
  }();
  const std::span<const Os> oses = model::all_oses();
  return by_os[static_cast<std::size_t>(std::find(oses.begin(), oses.end(), os) - oses.begin())];
}

// What to suggest for an `expect:` name that is not valid on a host of `os`: the same
// error's name on that OS when `typed` is another OS's name for it (EINVAL on Windows ->
// WSAEINVAL, EAGAIN -> WSAEWOULDBLOCK), else the closest spelling.
std::string expect_suggestion(std::string_view typed, Os os, std::span<const std::string_view> valid) {
  for (unsigned v = 0; v <= std::numeric_limits<std::uint8_t>::max(); ++v) {
    const auto e = static_cast<model::SocketError>(v);
    for (Os other : model::all_oses()) {
      if (other == os || model::error_name(e, other) != typed) continue;
      const std::vector<std::string_view>& others = expect_names(other);
      if (std::find(others.begin(), others.end(), typed) == others.end()) continue;
      const std::string_view mine = model::error_name(e, os);
      if (std::find(valid.begin(), valid.end(), mine) != valid.end()) {
        return " (that is the " + std::string(model::os_name(other)) + " name); did you mean " + quote(mine) + "?";
      }
      return " (a " + std::string(model::os_name(other)) + " error that " + std::string(model::os_name(os)) +
             " hosts never report; expected one of: " + join(valid) + ")";
    }
  }
  return suggestion_suffix(typed, valid);
}

// A dotted-quad IPv4 address ("10.0.0.1") as a host-order number. Like inet_pton, exactly
// four decimal parts of 0 ... 255 without leading zeros (which some parsers read as octal).
std::optional<model::Address> parse_ipv4(std::string_view text) {
  model::Address address = 0;
  std::size_t i = 0;
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (i >= text.size() || text[i] != '.') return std::nullopt;
      ++i;
    }
    const std::size_t start = i;
    unsigned value = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9' && i - start < 3) {
      value = value * 10 + static_cast<unsigned>(text[i] - '0');
      ++i;
    }
    const std::size_t digits = i - start;
    if (digits == 0 || value > 255 || (digits > 1 && text[start] == '0')) return std::nullopt;
    address = (address << 8) | value;
  }
  if (i != text.size()) return std::nullopt;
  return address;
}

class ScriptReader {
 public:
  explicit ScriptReader(ScenarioDraft& draft)
      : draft_(draft), sink_(draft.sink), spec_(draft.spec), refs_(draft.refs) {}

  void read(const Field& f);

 private:
  void read_step(const Field& e);
  void read_descriptor(MapReader& m, model::ScriptStep& step, const NameList* defined);
  std::optional<std::string> read_descriptor_name(const Field& f);
  void read_expect(const Field& f, model::ScriptStep& step, bool os_known);

  ScenarioDraft& draft_;
  DiagnosticSink& sink_;
  model::ScenarioSpec& spec_;
  References& refs_;
  // Per host: the descriptor names the steps so far (in file order) have defined with `as`.
  std::vector<NameList> names_;
};

void ScriptReader::read(const Field& f) {
  if (!expect_sequence(sink_, f, "script steps")) return;
  names_.resize(spec_.hosts.size());
  for (std::size_t i = 0; i < f.node.size(); ++i) read_step(element(f, i));
}

void ScriptReader::read_step(const Field& e) {
  auto tagged = read_tagged(sink_, e, "do", kStepKinds, kStepExample);
  if (!tagged) {
    // The step may have been the bind a client's target relies on.
    if (const auto name = raw_scalar(e.node, "host")) {
      if (const auto h = refs_.find_host(*name)) refs_.ports_incomplete(*h);
    }
    return;
  }
  MapReader& m = tagged->reader;
  model::ScriptStep step;
  step.call = kStepCalls[tagged->kind];
  step.line = e.mark.line + 1;

  if (const auto af = m.require("at")) {
    if (const auto at = read_duration(sink_, *af)) {
      step.at = sim::Time::zero() + *at;
      if (draft_.duration && *at >= *draft_.duration) {
        sink_.error(af->mark, af->path,
                    "the step at " + sim::format_duration(*at) + " would run after the run ends (duration " +
                        sim::format_duration(*draft_.duration) + ")");
      }
    }
  }
  std::optional<std::size_t> host;
  if (const auto hf = m.require("host")) host = refs_.resolve_host(*hf, References::HostUse::kScriptStep);
  if (host) step.host = *host;
  const bool os_known = host && refs_.os_known(*host);

  if (is_windows_only(step.call) && os_known && spec_.hosts[*host].os != Os::kWindows) {
    const Field df = *m.get("do");
    sink_.error(df.mark, df.path,
                std::string(kStepKinds[tagged->kind].name) + " applies to windows hosts; host " +
                    quote(spec_.hosts[*host].name) + " is " + std::string(model::os_name(spec_.hosts[*host].os)));
  }

  const NameList* defined = host ? &names_[*host] : nullptr;
  std::optional<std::string> as;
  switch (step.call) {
    case model::ScriptCall::kSocket: {
      if (const auto tf = m.get("type")) {
        if (const auto t = read_choice(sink_, *tf, "socket type", kSocketTypes)) step.type = kSocketTypeValues[*t];
      }
      if (const auto af = m.require("as")) as = read_descriptor_name(*af);
      break;
    }
    case model::ScriptCall::kBind: {
      read_descriptor(m, step, defined);
      const auto pf = m.require("port");
      const auto port = pf ? read_port(sink_, *pf) : std::nullopt;
      if (port) {
        step.port = static_cast<int>(*port);
        if (host) refs_.add_script_port(*host, step.port);
      } else if (host) {
        refs_.ports_incomplete(*host);
      }
      if (const auto af = m.get("address")) {
        if (const auto text = read_string(sink_, *af, "an IPv4 address such as 10.0.0.1")) {
          if (const auto address = parse_ipv4(*text)) {
            step.address = *address;
          } else {
            sink_.error(af->mark, af->path,
                        "expected an IPv4 address such as 10.0.0.1 or 0.0.0.0 (any), got " + quote(*text));
          }
        }
      }
      break;
    }
    case model::ScriptCall::kListen: {
      read_descriptor(m, step, defined);
      if (const auto bf = m.require("backlog")) {
        if (const auto backlog = read_backlog(sink_, *bf)) step.backlog = *backlog;
      }
      read_workers_and_service(sink_, m, false, step.workers, step.service);
      break;
    }
    case model::ScriptCall::kAccept: {
      read_descriptor(m, step, defined);
      if (const auto af = m.get("as")) as = read_descriptor_name(*af);
      if (const auto bf = m.get("blocking")) step.blocking = read_bool(sink_, *bf).value_or(false);
      break;
    }
    case model::ScriptCall::kConnect:
    case model::ScriptCall::kClose: read_descriptor(m, step, defined); break;
    case model::ScriptCall::kWsaStartup:
    case model::ScriptCall::kWsaCleanup:
    case model::ScriptCall::kNetDown:
    case model::ScriptCall::kNetUp: break;
  }
  if (as) {
    step.as = *as;
    // Defined from here on (in file order); naming it again rebinds it.
    if (host) names_[*host].add(*as);
  }
  if (const auto xf = m.get("expect")) read_expect(*xf, step, os_known);
  spec_.script.push_back(std::move(step));
}

// `socket: NAME` or `fd: N`, exactly one. `defined` lists the names the host's earlier
// steps defined; nullptr when the step's host is unknown (a name is then not judged).
void ScriptReader::read_descriptor(MapReader& m, model::ScriptStep& step, const NameList* defined) {
  const auto sf = m.get("socket");
  const auto ff = m.get("fd");
  if (sf && ff) {
    const Field& second = before(sf->mark, ff->mark) ? *ff : *sf;
    sink_.error(second.mark, second.path,
                "give either socket (a name from an earlier step's as:) or fd (a descriptor number), not both");
  } else if (!sf && !ff) {
    m.require("socket", "unless fd is given");
  }
  if (sf) {
    if (const auto name = read_string(sink_, *sf, "a descriptor name")) {
      step.socket = *name;
      if (defined && !defined->contains(*name)) {
        const std::string& host_name = spec_.hosts[step.host].name;
        std::string message = "unknown socket " + quote(*name) + " on host " + quote(host_name);
        const std::vector<std::string_view> candidates(defined->in_order().begin(), defined->in_order().end());
        const std::string_view match = closest_match(*name, candidates);
        if (!match.empty()) {
          message += "; did you mean " + quote(match) + "?";
        } else if (candidates.empty()) {
          message += " (no earlier step on this host names a descriptor with as:)";
        } else {
          message += " (names defined by earlier steps on this host: " + join_some(candidates) + ")";
        }
        sink_.error(sf->mark, sf->path, message);
      }
    }
  }
  if (ff) {
    if (const auto fd = read_integer(sink_, *ff)) step.fd = *fd;
  }
}

std::optional<std::string> ScriptReader::read_descriptor_name(const Field& f) {
  auto name = read_string(sink_, f, "a descriptor name");
  if (name && !is_valid_name(*name)) {
    sink_.error(f.mark, f.path,
                "invalid descriptor name " + quote(*name) + ": names use only letters, digits, '_' and '-'");
  }
  return name;
}

void ScriptReader::read_expect(const Field& f, model::ScriptStep& step, bool os_known) {
  const auto text = read_string(sink_, f, "OK or an error name such as EINVAL");
  if (!text) return;
  step.expect = *text;
  if (!os_known) return;
  const Os os = spec_.hosts[step.host].os;
  const std::vector<std::string_view>& valid = expect_names(os);
  if (std::find(valid.begin(), valid.end(), *text) != valid.end()) return;
  sink_.error(f.mark, f.path,
              "unknown result " + quote(*text) + " for " + std::string(model::os_name(os)) + " host " +
                  quote(spec_.hosts[step.host].name) + expect_suggestion(*text, os, valid));
}

}  // namespace

void read_script(ScenarioDraft& draft, const Field& f) { ScriptReader(draft).read(f); }

}  // namespace config::detail
