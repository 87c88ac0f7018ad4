#include "config/detail/fault_reader.h"

#include <cstddef>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "sim/format.h"

namespace config::detail {

namespace {

constexpr std::string_view kFaultKeys[] = {"fault", "listener", "host",   "link", "at",
                                           "for",   "factor",   "socket", "loop"};

// In model::FaultKind's order: the overlap message names a kind by its index.
constexpr std::string_view kFaultKinds[] = {"stall", "restart", "slow_start", "slow", "host_down", "link_down"};
constexpr model::FaultKind kFaultKindValues[] = {model::FaultKind::kStall,     model::FaultKind::kRestart,
                                                 model::FaultKind::kSlowStart, model::FaultKind::kSlow,
                                                 model::FaultKind::kHostDown,  model::FaultKind::kLinkDown};
static_assert(std::size(kFaultKinds) == std::size(kFaultKindValues));

class FaultReader {
 public:
  explicit FaultReader(ScenarioDraft& draft) : draft_(draft), sink_(draft.sink) {}

  void read(const Field& f);

 private:
  std::optional<model::FaultSpec> read_fault(const Field& e);
  bool read_fault_target(MapReader& m, std::optional<std::size_t> kind, model::FaultSpec& fault);
  bool read_fault_loop(MapReader& m, const Field& listener, model::FaultSpec& fault);
  std::optional<std::size_t> overlapped_fault(const model::FaultSpec& fault) const;

  ScenarioDraft& draft_;
  DiagnosticSink& sink_;
  // Accepted faults by listener (host, port), by start time: indexes into spec.faults.
  std::map<std::pair<std::size_t, int>, std::map<sim::Time, std::size_t>> faults_by_listener_;
  std::optional<Field> fault_link_;  // the `link:` of the link_down fault read last
};

void FaultReader::read(const Field& f) {
  if (!expect_sequence(sink_, f, "faults")) return;
  std::vector<model::FaultSpec>& faults = draft_.spec.faults;
  for (std::size_t i = 0; i < f.node.size(); ++i) {
    if (auto fault = read_fault(element(f, i))) {
      if (model::on_listener(fault->kind)) {
        faults_by_listener_[{fault->host, fault->port}].emplace(fault->at, faults.size());
      } else if (fault->kind == model::FaultKind::kLinkDown) {
        draft_.refs.add_link_fault(faults.size(), *fault_link_);
      }
      faults.push_back(std::move(*fault));
    }
  }
}

// One fault; nullopt (after reporting) unless every key is right. Checked against the faults
// before it in the file: two of one listener may not overlap.
std::optional<model::FaultSpec> FaultReader::read_fault(const Field& e) {
  MapReader m(sink_, e, kFaultKeys);
  if (!m.is_map()) return std::nullopt;
  model::FaultSpec fault;
  fault.line = e.mark.line + 1;
  std::optional<std::size_t> kind;
  if (const auto kf = m.require("fault")) kind = read_choice(sink_, *kf, "fault", kFaultKinds);
  if (kind) fault.kind = kFaultKindValues[*kind];
  bool ok = kind.has_value();
  ok = read_fault_target(m, kind, fault) && ok;
  const auto af = m.require("at");
  const auto at = af ? read_duration(sink_, *af) : std::nullopt;
  if (at) {
    fault.at = sim::Time::zero() + *at;
    if (!draft_.starts_before_end(*af, *at, "the fault")) ok = false;
  }
  const auto ff = m.require("for");
  const auto length = ff ? read_duration(sink_, *ff, DurationRange::positive()) : std::nullopt;
  if (length) fault.length = *length;
  ok = ok && at && length;
  const bool slows = kind && (fault.kind == model::FaultKind::kSlowStart || fault.kind == model::FaultKind::kSlow);
  if (slows) {
    const auto xf = m.require("factor", "for a " + std::string(kFaultKinds[*kind]) + " fault");
    const auto factor = xf ? read_number(sink_, *xf, NumberRange::at_least(1)) : std::nullopt;
    if (factor) fault.factor = *factor;
    ok = ok && factor;
  } else if (const auto xf = m.get("factor"); xf && kind) {
    sink_.error(m.key_mark("factor"), xf->path,
                "factor applies only to slow and slow_start faults (it multiplies service times); a " +
                    std::string(kFaultKinds[*kind]) + " has none");
    ok = false;
  }
  if (!ok) return std::nullopt;
  if (!model::on_listener(fault.kind)) return fault;  // host and link faults may overlap (they count)
  if (const std::optional<std::size_t> overlapped = overlapped_fault(fault)) {
    const model::FaultSpec& other = draft_.spec.faults[*overlapped];
    const auto span = [](const model::FaultSpec& x) {
      return sim::format_duration(x.at - sim::Time::zero()) + " to " +
             sim::format_duration(x.at + x.length - sim::Time::zero());
    };
    sink_.error(af->mark, af->path,
                "this fault (" + span(fault) + ") overlaps the " +
                    std::string(kFaultKinds[static_cast<std::size_t>(other.kind)]) + " of the same listener at line " +
                    std::to_string(other.line) + " (" + span(other) + "): faults of one listener may not overlap");
    return std::nullopt;
  }
  return fault;
}

// The first fault in the file, among those of the listener read so far, that overlaps
// `fault`. Those read so far do not overlap one another: the ones that overlap this one
// are a run in start order, from the one before it (if that one reaches past its start)
// through those starting before its end.
std::optional<std::size_t> FaultReader::overlapped_fault(const model::FaultSpec& fault) const {
  const auto listener = faults_by_listener_.find({fault.host, fault.port});
  if (listener == faults_by_listener_.end()) return std::nullopt;
  const std::map<sim::Time, std::size_t>& earlier = listener->second;
  auto it = earlier.lower_bound(fault.at);
  if (it != earlier.begin()) --it;
  std::optional<std::size_t> overlapped;
  for (; it != earlier.end() && it->first < fault.at + fault.length; ++it) {
    const model::FaultSpec& other = draft_.spec.faults[it->second];
    if (other.at >= fault.at + fault.length || fault.at >= other.at + other.length) continue;
    if (!overlapped || it->second < *overlapped) overlapped = it->second;
  }
  return overlapped;
}

// What a fault acts on: `listener:` for the faults of a server application, `host:` for
// host_down, `link:` for link_down (matched with a link after the network is read). The
// other two keys are errors. Without a known kind, a listener or host given is checked.
bool FaultReader::read_fault_target(MapReader& m, std::optional<std::size_t> kind, model::FaultSpec& fault) {
  References& refs = draft_.refs;
  const auto read_host_name = [&](const Field& f) {
    const auto host = refs.resolve_host(f, References::HostUse::kFault);
    if (host) fault.host = *host;
    return host.has_value();
  };
  if (!kind) {
    if (const auto f = m.get("listener")) refs.resolve_fault_listener(*f, fault);
    if (const auto f = m.get("host")) read_host_name(*f);
    return false;
  }
  constexpr std::string_view kTargets[] = {"listener", "host", "link"};
  const std::size_t wanted = model::on_listener(fault.kind) ? 0 : fault.kind == model::FaultKind::kHostDown ? 1 : 2;
  bool ok = true;
  for (std::size_t t = 0; t < std::size(kTargets); ++t) {
    if (t == wanted) continue;
    if (const auto x = m.get(kTargets[t])) {
      sink_.error(m.key_mark(kTargets[t]), x->path,
                  "a " + std::string(kFaultKinds[*kind]) + " fault names its " + std::string(kTargets[wanted]) +
                      " with `" + std::string(kTargets[wanted]) + ":`, not `" + std::string(kTargets[t]) + ":`");
      ok = false;
    }
  }
  const auto f = m.require(kTargets[wanted], "for a " + std::string(kFaultKinds[*kind]) + " fault");
  if (!f) return false;
  const auto sf = m.get("socket");
  if (sf && wanted != 0) {
    sink_.error(sf->mark, sf->path, "`socket:` picks one socket of a listener's reuseport group: listener faults only");
    ok = false;
  }
  if (const auto lf = m.get("loop"); lf && wanted != 0) {
    sink_.error(lf->mark, lf->path, "`loop:` picks one event loop of a listener: stall, slow and slow_start only");
    ok = false;
  }
  if (wanted == 0) {
    if (!refs.resolve_fault_listener(*f, fault)) return false;
    ok = read_fault_loop(m, *f, fault) && ok;
    if (!sf) return ok;
    int sockets = 0;
    for (const model::ListenerSpec& ls : draft_.spec.hosts[fault.host].listeners) {
      if (ls.port == fault.port) sockets = ls.reuseport;
    }
    if (sockets == 0) {
      sink_.error(sf->mark, sf->path,
                  "listener " + f->node.Scalar() +
                      " is one socket (no `reuseport:`): `socket:` picks one socket of a reuseport group");
      return false;
    }
    const auto k = read_integer(sink_, *sf, 1, sockets);
    if (!k) return false;
    fault.socket = static_cast<int>(*k);
    return ok;
  }
  if (wanted == 1) return read_host_name(*f) && ok;
  // link: [A, B], resolved by References::resolve_link_faults.
  if (!f->node.IsSequence() || f->node.size() != 2 || !f->node[0].IsScalar() || !f->node[1].IsScalar()) {
    sink_.error(f->mark, f->path,
                "expected the link's two ends, [A, B] (the `a` and `b` of one of network.links, in either order)");
    return false;
  }
  // Not `fault_link_ = *f`: assigning a YAML::Node writes into the node it refers to, which
  // the previous fault's link (kept by draft_.refs) shares.
  fault_link_.reset();
  fault_link_.emplace(*f);
  return ok;
}

// `loop: N`: the fault acts on loop N (from 0, as the results number them) of the
// listener's loops, on each socket it acts on. Only a stall, slow or slow_start can: a
// restart closes the socket, which every loop of it shares.
bool FaultReader::read_fault_loop(MapReader& m, const Field& listener, model::FaultSpec& fault) {
  const auto lf = m.get("loop");
  if (!lf) return true;
  if (fault.kind == model::FaultKind::kRestart) {
    sink_.error(lf->mark, lf->path,
                "a restart closes the listening socket, which all its loops share: it cannot name one `loop:` "
                "(stall, slow and slow_start can)");
    return false;
  }
  const model::ListenerSpec* served = nullptr;
  for (const model::ListenerSpec& ls : draft_.spec.hosts[fault.host].listeners) {
    if (ls.port == fault.port) served = &ls;
  }
  if (!served || !served->loops) {
    sink_.error(lf->mark, lf->path,
                "listener " + listener.node.Scalar() +
                    " is served by workers (no `loops:`): `loop:` picks one of a listener's event loops");
    return false;
  }
  const auto n = read_integer(sink_, *lf);
  if (!n) return false;
  const int count = served->loops->count;
  if (*n < 0 || *n >= count) {
    sink_.error(lf->mark, lf->path,
                "listener " + listener.node.Scalar() + " has " + std::to_string(count) +
                    (count == 1 ? " loop, numbered 0" : " loops, numbered 0 to " + std::to_string(count - 1)) +
                    " as the results number them; got " + std::to_string(*n));
    return false;
  }
  fault.loop = static_cast<int>(*n);
  return true;
}

}  // namespace

void read_faults(ScenarioDraft& draft, const Field& f) { FaultReader(draft).read(f); }

}  // namespace config::detail
