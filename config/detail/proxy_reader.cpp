#include "config/detail/proxy_reader.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/detail/balancer_reader.h"
#include "config/suggest.h"

namespace config::detail {

namespace {

constexpr std::string_view kProxyKeys[] = {
    "port",  "backends",      "policy", "keepalive",        "connect_timeout", "max_connections",
    "queue", "next_upstream", "health", "keepalive_timeout"};
constexpr std::string_view kQueueKeys[] = {"limit", "timeout"};
constexpr std::string_view kNextUpstreamKeys[] = {"on", "tries", "timeout"};
constexpr std::string_view kNextUpstreamOn[] = {"error", "timeout"};
constexpr std::string_view kHealthKeys[] = {"max_fails", "fail_timeout"};

// Bounds that keep every count well inside the model's integers (a pool or a queue of ten
// million is already far beyond any host's descriptors).
constexpr std::int64_t kMaxPoolOrQueue = 10'000'000;
constexpr std::int64_t kMaxTries = 1000;
constexpr std::int64_t kMaxFails = 1'000'000;

// The listener the proxy serves: `port`, or the host's only listener. Reports and returns
// nullopt when there is none fit, unless the host's listeners could not all be read.
std::optional<int> read_proxy_port(ScenarioDraft& draft, std::size_t host_index, const MapReader& m) {
  DiagnosticSink& sink = draft.sink;
  const model::HostSpec& host = draft.spec.hosts[host_index];
  const bool complete = draft.refs.ports_complete(host_index);
  const Field& at = m.field();
  std::optional<int> port;
  std::optional<Field> pf = m.get("port");
  if (pf) {
    const auto p = read_port(sink, *pf);
    if (!p) return std::nullopt;
    port = static_cast<int>(*p);
  } else if (host.listeners.size() == 1) {
    port = host.listeners.front().port;
  } else if (complete) {
    sink.error(at.mark, at.path,
               host.listeners.empty()
                   ? "host " + quote(host.name) + " has no listener for its proxy to accept on (give it listeners:)"
                   : "host " + quote(host.name) + " listens on " + draft.refs.port_list(host_index, false) +
                         ": say which listener the proxy serves with port:");
    return std::nullopt;
  } else {
    return std::nullopt;
  }
  const Field& where = pf ? *pf : at;
  for (const model::ListenerSpec& l : host.listeners) {
    if (l.port != *port) continue;
    if (!l.loops) {
      sink.error(where.mark, where.path,
                 "the proxy's listener (port " + std::to_string(*port) +
                     ") serves with workers: a proxy is an event-loop server, give that listener loops: (see "
                     "docs/scenario-format.md, \"Event loops instead of workers\")");
      return std::nullopt;
    }
    return port;
  }
  if (complete) {
    sink.error(where.mark, where.path,
               "host " + quote(host.name) + " has no listener on port " + std::to_string(*port) +
                   " for its proxy (its listeners: " + draft.refs.port_list(host_index, false) + ")");
  }
  return std::nullopt;
}

// A backend is a listener: its application serves the request (a port only a script binds
// has none).
bool backends_are_listeners(ScenarioDraft& draft, const BackendList& list) {
  bool ok = true;
  for (std::size_t i = 0; i < list.backends.size(); ++i) {
    const model::HostSpec& host = draft.spec.hosts[list.backends[i].host];
    bool found = false;
    for (const model::ListenerSpec& l : host.listeners) found = found || l.port == list.backends[i].port;
    if (found) continue;
    draft.sink.error(list.fields[i].mark, list.fields[i].path,
                     "port " + std::to_string(list.backends[i].port) + " of host " + quote(host.name) +
                         " is bound by a script step: a proxy's backend is one of a host's listeners, whose "
                         "application serves the request (its listeners: " +
                         draft.refs.port_list(list.backends[i].host, false) + ")");
    ok = false;
  }
  return ok;
}

void read_queue(DiagnosticSink& sink, const Field& f, model::UpstreamQueueSpec& queue) {
  MapReader m(sink, f, kQueueKeys);
  if (!m.is_map()) return;
  if (const auto lf = m.get("limit")) {
    if (const auto v = read_integer(sink, *lf, 0, kMaxPoolOrQueue)) queue.limit = *v;
  }
  if (const auto tf = m.get("timeout")) {
    if (const auto v = read_duration(sink, *tf, DurationRange::positive())) queue.timeout = *v;
  }
}

void read_next_upstream(DiagnosticSink& sink, const Field& f, model::NextUpstreamSpec& next) {
  MapReader m(sink, f, kNextUpstreamKeys);
  if (!m.is_map()) return;
  if (const auto of = m.get("on"); of && expect_sequence(sink, *of, "a list such as [error, timeout], or []")) {
    next.on_error = false;
    next.on_timeout = false;
    for (std::size_t i = 0; i < of->node.size(); ++i) {
      const Field e = element(*of, i);
      const auto c = read_choice(sink, e, "next_upstream condition", kNextUpstreamOn);
      if (!c) continue;
      bool& flag = *c == 0 ? next.on_error : next.on_timeout;
      if (flag) sink.error(e.mark, e.path, quote(kNextUpstreamOn[*c]) + " is listed twice");
      flag = true;
    }
  }
  if (const auto tf = m.get("tries")) {
    if (const auto v = read_integer(sink, *tf, 0, kMaxTries)) next.tries = static_cast<int>(*v);
  }
  if (const auto tf = m.get("timeout")) {
    // nginx's proxy_next_upstream_timeout: 0 turns the limit off.
    if (const auto v = read_duration(sink, *tf))
      next.timeout = *v == sim::Duration::zero() ? sim::Duration::infinite() : *v;
  }
}

void read_health(DiagnosticSink& sink, const Field& f, model::PassiveHealthSpec& health) {
  MapReader m(sink, f, kHealthKeys);
  if (!m.is_map()) return;
  if (const auto mf = m.get("max_fails")) {
    if (const auto v = read_integer(sink, *mf, 0, kMaxFails)) health.max_fails = static_cast<int>(*v);
  }
  if (const auto tf = m.get("fail_timeout")) {
    if (const auto v = read_duration(sink, *tf, DurationRange::positive())) health.fail_timeout = *v;
  }
}

// Host `host_index`'s proxy; `fields` receives where each backend is written.
std::optional<model::ProxySpec> read_proxy(ScenarioDraft& draft, std::size_t host_index, const Field& f,
                                           std::vector<Field>& fields) {
  DiagnosticSink& sink = draft.sink;
  const std::size_t errors_before = sink.count();
  model::ProxySpec proxy;
  MapReader m(sink, f, kProxyKeys);
  if (!m.is_map()) return std::nullopt;
  if (const auto port = read_proxy_port(draft, host_index, m)) proxy.port = *port;
  BackendList list;
  if (const auto bf = m.require("backends")) {
    list = read_backend_list(draft, *bf, "proxy");
    backends_are_listeners(draft, list);
  }
  proxy.backends = list.backends;
  fields = std::move(list.fields);
  if (const auto pf = m.get("policy")) {
    if (const auto p = read_balance_policy(sink, *pf, list.listed, "proxy")) proxy.policy = *p;
  }
  if (const auto kf = m.get("keepalive")) {
    if (const auto v = read_integer(sink, *kf, 0, kMaxPoolOrQueue)) proxy.keepalive = *v;
  }
  if (const auto cf = m.get("connect_timeout")) {
    if (const auto v = read_duration(sink, *cf, DurationRange::positive())) proxy.connect_timeout = *v;
  }
  if (const auto tf = m.get("keepalive_timeout")) {
    if (const auto v = read_duration(sink, *tf, DurationRange::positive())) proxy.keepalive_timeout = *v;
  }
  if (const auto cf = m.get("max_connections")) {
    if (const auto v = read_integer(sink, *cf, 0, kMaxPoolOrQueue)) proxy.max_connections = *v;
  }
  if (const auto qf = m.get("queue")) {
    read_queue(sink, *qf, proxy.queue);
    if (proxy.queue.limit > 0 && proxy.max_connections == 0) {
      sink.warning(qf->mark, qf->path,
                   "the queue holds requests waiting for a backend's max_connections, and max_connections is 0 (no "
                   "cap): no request ever waits in it");
    }
  }
  if (const auto nf = m.get("next_upstream")) read_next_upstream(sink, *nf, proxy.next_upstream);
  if (const auto hf = m.get("health")) read_health(sink, *hf, proxy.health);
  if (sink.count() != errors_before) return std::nullopt;
  return proxy;
}

// Reports every cycle of proxies once, at the backend entry that closes it: following a
// proxy's backends that are themselves proxies (the backend's port is the port its proxy
// serves) must end at an application.
class CycleCheck {
 public:
  CycleCheck(ScenarioDraft& draft, const std::vector<std::vector<Field>>& fields) : draft_(draft), fields_(fields) {
    state_.assign(draft.spec.hosts.size(), State::kUnseen);
  }
  void run() {
    for (std::size_t h = 0; h < draft_.spec.hosts.size(); ++h) {
      if (draft_.spec.hosts[h].proxy && state_[h] == State::kUnseen) visit(h);
    }
  }

 private:
  enum class State : std::uint8_t { kUnseen, kOnPath, kDone };

  void visit(std::size_t h) {
    state_[h] = State::kOnPath;
    path_.push_back(h);
    const model::ProxySpec& proxy = *draft_.spec.hosts[h].proxy;
    for (std::size_t i = 0; i < proxy.backends.size(); ++i) {
      const model::BackendRef& b = proxy.backends[i];
      const model::HostSpec& next = draft_.spec.hosts[b.host];
      if (!next.proxy || next.proxy->port != b.port) continue;  // an application serves it
      if (state_[b.host] == State::kOnPath) {
        report(b.host, fields_[h][i]);
      } else if (state_[b.host] == State::kUnseen) {
        visit(b.host);
      }
    }
    path_.pop_back();
    state_[h] = State::kDone;
  }

  void report(std::size_t back_to, const Field& at) {
    std::string cycle;
    std::size_t start = 0;
    while (path_[start] != back_to) ++start;
    for (std::size_t k = start; k < path_.size(); ++k) cycle += endpoint(path_[k]) + " -> ";
    cycle += endpoint(back_to);
    draft_.sink.error(at.mark, at.path,
                      "backend " + quote(at.node.Scalar()) + " makes a cycle of proxies (" + cycle +
                          "): a request would be forwarded forever and never reach an application");
  }

  std::string endpoint(std::size_t h) const {
    const model::HostSpec& host = draft_.spec.hosts[h];
    return host.name + ":" + std::to_string(host.proxy->port);
  }

  ScenarioDraft& draft_;
  const std::vector<std::vector<Field>>& fields_;
  std::vector<State> state_;
  std::vector<std::size_t> path_;
};

}  // namespace

void read_proxies(ScenarioDraft& draft) {
  std::vector<std::vector<Field>> fields(draft.spec.hosts.size());
  for (const auto& [host, f] : draft.proxy_fields) {
    draft.spec.hosts[host].proxy = read_proxy(draft, host, f, fields[host]);
  }
  CycleCheck(draft, fields).run();
  draft.proxy_backend_fields = std::move(fields);
}

}  // namespace config::detail
