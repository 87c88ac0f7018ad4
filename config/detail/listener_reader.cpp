#include "config/detail/listener_reader.h"

#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "config/detail/distribution_reader.h"
#include "config/detail/text.h"
#include "config/suggest.h"

namespace config::detail {

namespace {

constexpr std::string_view kListenerKeys[] = {
    "port",   "backlog",      "workers",         "service",     "defer_accept", "reuseport", "loops",
    "wakeup", "multi_accept", "max_connections", "accept_cost", "request_cost", "keepalive"};
// The keys that describe event loops, meaningful only with `loops`.
constexpr std::string_view kLoopKeys[] = {"wakeup",      "multi_accept", "max_connections",
                                          "accept_cost", "request_cost", "keepalive"};
constexpr std::string_view kWakeups[] = {"accept", "epoll", "epoll_exclusive", "kqueue"};  // as model::Wakeup
constexpr std::int64_t kMaxLoops = 1024;
constexpr std::int64_t kMaxConnections = 10'000'000;
constexpr std::string_view kBacklogHintKeys[] = {"somaxconn_hint"};

constexpr std::int64_t kMaxWorkers = 1'000'000;
// Linux grows a group's array up to U16_MAX sockets (reuseport_grow); far more than any
// server binds.
constexpr std::int64_t kMaxReuseport = 1024;
constexpr std::int64_t kInt32Min = std::numeric_limits<std::int32_t>::min();
constexpr std::int64_t kInt32Max = std::numeric_limits<std::int32_t>::max();
constexpr std::string_view kSomaxconnWord = "SOMAXCONN";

// Whether a scalar starts like a number: such a backlog is read (and judged) as an
// integer, anything else as the SOMAXCONN word.
bool looks_numeric(const YAML::Node& node) {
  if (!node.IsScalar() || node.Scalar().empty()) return false;
  const char c = node.Scalar().front();
  return (c >= '0' && c <= '9') || c == '-' || c == '+';
}

// Why an OS other than Linux takes no `defer_accept`.
std::string_view no_defer_accept(model::Os os) {
  switch (os) {
    case model::Os::kLinux: return "";
    case model::Os::kFreeBSD:
      return "TCP_DEFER_ACCEPT is a Linux socket option; FreeBSD's counterpart, the accf_data and accf_http accept "
             "filters (SO_ACCEPTFILTER, sys/netinet/accf_data.c), is not modelled: there the connection completes "
             "in the kernel and waits on the listen queue's incomplete list until data arrives";
    case model::Os::kMacOS:
      return "TCP_DEFER_ACCEPT is a Linux socket option: XNU's bsd/netinet/tcp.h defines no such option";
    case model::Os::kWindows:
      return "TCP_DEFER_ACCEPT is a Linux socket option: Winsock has none (SO_CONDITIONAL_ACCEPT, its nearest, "
             "decides on the SYN, not on the client's data)";
  }
  return "";
}

// TCP_DEFER_ACCEPT takes whole seconds (an int, setsockopt's argument).
std::optional<std::int64_t> read_defer_accept(DiagnosticSink& sink, const Field& f, model::Os os) {
  const auto d = read_duration(sink, f);
  if (!d) return std::nullopt;
  if (const std::string_view why = no_defer_accept(os); !why.empty()) {
    sink.error(f.mark, f.path,
               "defer_accept is not available on " + std::string(model::os_name(os)) + ": " + std::string(why));
    return std::nullopt;
  }
  constexpr std::int64_t kSecond = 1'000'000'000;
  if (d->ns() % kSecond != 0 || d->ns() / kSecond > kInt32Max) {
    sink.error(f.mark, f.path,
               "expected whole seconds such as 5s (setsockopt(TCP_DEFER_ACCEPT) takes an int number of seconds), "
               "got " +
                   shown(f.node.Scalar()));
    return std::nullopt;
  }
  return d->ns() / kSecond;
}

}  // namespace

void read_listeners(ScenarioDraft& draft, const Field& f, std::size_t index, model::HostSpec& host, bool may_be_empty) {
  DiagnosticSink& sink = draft.sink;
  if (!expect_sequence(sink, f, "listeners")) {
    draft.refs.ports_incomplete(index);
    return;
  }
  if (f.node.size() == 0 && !may_be_empty) {
    sink.error(f.mark, f.path, "a host needs at least one listener (or a script step that acts on it)");
  }
  std::map<int, std::string> path_of_port;  // the listener that took each port, for duplicate messages
  for (std::size_t i = 0; i < f.node.size(); ++i) {
    const Field e = element(f, i);
    MapReader m(sink, e, kListenerKeys);
    if (!m.is_map()) {
      draft.refs.ports_incomplete(index);
      continue;
    }
    model::ListenerSpec listener;
    std::optional<std::int64_t> port;
    if (const auto pf = m.require("port")) {
      port = read_port(sink, *pf);
      if (port) {
        if (const auto dup = path_of_port.find(static_cast<int>(*port)); dup != path_of_port.end()) {
          sink.error(pf->mark, pf->path,
                     "port " + std::to_string(*port) + " is already used by " + dup->second +
                         " (ports are unique within a host)");
        }
      }
    }
    if (const auto bf = m.require("backlog")) {
      if (const auto backlog = read_backlog(sink, *bf)) listener.backlog = *backlog;
    }
    if (m.get("loops")) {
      listener.loops = read_event_loops(sink, m, host.os);
    } else {
      for (const std::string_view key : kLoopKeys) {
        if (m.get(key))
          sink.error(m.key_mark(key), child_path(e.path, key), "`" + std::string(key) + "` needs `loops`");
      }
      read_workers_and_service(sink, m, true, listener.workers, listener.service);
    }
    if (const auto df = m.get("defer_accept")) {
      if (const auto seconds = read_defer_accept(sink, *df, host.os)) listener.defer_accept_seconds = *seconds;
    }
    if (const auto rf = m.get("reuseport")) {
      if (host.os == model::Os::kWindows) {
        sink.error(rf->mark, rf->path,
                   "reuseport on a Windows host: Windows has no load-balanced TCP listeners. A second bind() to "
                   "the port fails with WSAEADDRINUSE unless the socket asks for address reuse (Winsock listen "
                   "reference, WSAEADDRINUSE: \"The socket's local address is already in use and the socket was "
                   "not marked to allow address reuse with SO_REUSEADDR\"), and with SO_REUSEADDR which socket "
                   "gets a connection is not defined; use one socket with several workers");
      } else if (const auto n = read_integer(sink, *rf, 1, kMaxReuseport)) {
        listener.reuseport = static_cast<int>(*n);
      }
    }
    if (!port) {
      draft.refs.ports_incomplete(index);
      continue;
    }
    listener.port = static_cast<int>(*port);
    host.listeners.push_back(std::move(listener));
    path_of_port.emplace(listener.port, e.path);
    draft.refs.add_listener_port(index, listener.port);
  }
}

std::optional<model::EventLoopSpec> read_event_loops(DiagnosticSink& sink, MapReader& m, model::Os os) {
  const std::string& path = m.field().path;
  for (const std::string_view key : {std::string_view("workers"), std::string_view("service")}) {
    if (m.get(key)) {
      sink.error(
          m.key_mark(key), child_path(path, key),
          "a listener's application is `workers` or `loops`, not both (loops spend `request_cost`, not `service`)");
    }
  }
  model::EventLoopSpec loops;
  bool ok = true;
  const Field lf = *m.get("loops");
  const auto count = read_integer(sink, lf, 1, kMaxLoops);
  if (count) loops.count = static_cast<int>(*count);
  ok = ok && count;
  // The BSDs' loops wait with kqueue unless told otherwise (nginx picks it there).
  if (os == model::Os::kFreeBSD || os == model::Os::kMacOS) loops.wakeup = model::Wakeup::kKqueue;
  const auto wf = m.get("wakeup");
  bool wakeup_read = true;
  if (wf) {
    if (const auto w = read_choice(sink, *wf, "wakeup", kWakeups)) {
      loops.wakeup = static_cast<model::Wakeup>(*w);
    } else {
      wakeup_read = false;
    }
  }
  ok = ok && wakeup_read;
  if (count && wakeup_read) {
    const model::Personality p(os, model::default_knobs(os));
    if (const auto support = p.wakeup_support(loops.wakeup, loops.count); !support.modelled) {
      const Field& at = wf ? *wf : lf;
      sink.error(at.mark, at.path,
                 "loops: " + std::to_string(loops.count) +
                     ", wakeup: " + std::string(model::wakeup_name(loops.wakeup)) + " on " +
                     std::string(model::os_name(os)) + ": " + std::string(support.why) +
                     " (docs/fidelity.md, \"Event loops on one socket\"; one loop is modelled everywhere)");
      ok = false;
    }
  }
  if (const auto f = m.get("multi_accept")) {
    if (const auto b = read_bool(sink, *f)) {
      loops.multi_accept = *b;
      if (*b && loops.wakeup == model::Wakeup::kAccept) {
        sink.error(f->mark, f->path,
                   "multi_accept needs a readiness wake-up (wakeup: epoll or epoll_exclusive): a blocking accept() "
                   "returns one connection");
        ok = false;
      }
    } else {
      ok = false;
    }
  }
  if (const auto f = m.get("max_connections")) {
    if (const auto n = read_integer(sink, *f, 1, kMaxConnections)) {
      loops.max_connections = *n;
    } else {
      ok = false;
    }
  }
  const std::pair<std::string_view, sim::DurationDist*> dists[] = {
      {"accept_cost", &loops.accept_cost}, {"request_cost", &loops.request_cost}, {"keepalive", &loops.keepalive}};
  for (const auto& [key, out] : dists) {
    if (const auto f = m.get(key)) {
      if (const auto d = read_distribution(sink, *f)) {
        *out = *d;
      } else {
        ok = false;
      }
    }
  }
  if (!ok) return std::nullopt;
  return loops;
}

void read_workers_and_service(DiagnosticSink& sink, MapReader& m, bool workers_required, int& workers_out,
                              sim::DurationDist& service_out) {
  std::optional<std::int64_t> workers;
  const auto wf = workers_required ? m.require("workers") : m.get("workers");
  if (wf) {
    workers = read_integer(sink, *wf, 0, kMaxWorkers);
    if (workers) workers_out = static_cast<int>(*workers);
  }
  std::optional<Field> service = m.get("service");
  // A listener nobody accepts on serves nothing, so only workers > 0 needs a service time.
  if (!service && workers && *workers > 0) service = m.require("service", "when workers > 0");
  if (service) {
    if (const auto dist = read_distribution(sink, *service)) service_out = *dist;
  }
}

std::optional<model::BacklogRequest> read_backlog(DiagnosticSink& sink, const Field& f) {
  using Kind = model::BacklogRequest::Kind;
  if (f.node.IsMap()) {
    MapReader m(sink, f, kBacklogHintKeys);
    const auto hint = m.require("somaxconn_hint");
    if (!hint) return std::nullopt;
    const auto n = read_integer(sink, *hint, 0, kInt32Max);
    if (!n) return std::nullopt;
    return model::BacklogRequest{Kind::kHint, *n};
  }
  if (looks_numeric(f.node)) {
    // Any int32 is a legal listen() argument; clamping it is the personality's job.
    const auto n = read_integer(sink, f, kInt32Min, kInt32Max);
    if (!n) return std::nullopt;
    return model::BacklogRequest{Kind::kValue, *n};
  }
  if (f.node.IsScalar() && f.node.Scalar() == kSomaxconnWord) return model::BacklogRequest{Kind::kSomaxconn, 0};
  std::string message = "expected an integer, SOMAXCONN or {somaxconn_hint: N}, got " + describe(f.node);
  if (f.node.IsScalar()) {
    const std::string_view words[] = {kSomaxconnWord};
    if (!closest_match(f.node.Scalar(), words).empty()) message += "; did you mean \"SOMAXCONN\"?";
  }
  sink.error(f.mark, f.path, message);
  return std::nullopt;
}

}  // namespace config::detail
