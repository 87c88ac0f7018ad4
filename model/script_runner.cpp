#include "model/script_runner.h"

#include <algorithm>
#include <string_view>
#include <utility>

#include "model/socket_errors.h"

namespace model {

namespace {

std::string_view call_name(ScriptCall call) {
  switch (call) {
    case ScriptCall::kWsaStartup: return "wsastartup";
    case ScriptCall::kWsaCleanup: return "wsacleanup";
    case ScriptCall::kSocket: return "socket";
    case ScriptCall::kBind: return "bind";
    case ScriptCall::kListen: return "listen";
    case ScriptCall::kAccept: return "accept";
    case ScriptCall::kConnect: return "connect";
    case ScriptCall::kClose: return "close";
    case ScriptCall::kNetDown: return "net_down";
    case ScriptCall::kNetUp: return "net_up";
  }
  return "?";
}

// The descriptor a step names: its `fd`, or the one bound to its socket name (-1: none).
std::int64_t descriptor(const Host& h, const ScriptStep& st) {
  if (st.fd) return *st.fd;
  const auto it = h.names.find(st.socket);
  return it == h.names.end() ? -1 : it->second;
}

}  // namespace

ScriptRunner::ScriptRunner(const ScenarioSpec& spec, sim::Engine& engine, std::vector<Host>& hosts,
                           Listeners& listeners, const Tracer& tracer, RunDigest& digest)
    : spec_(spec), engine_(engine), hosts_(hosts), listeners_(listeners), tracer_(tracer), digest_(digest) {}

void ScriptRunner::start() {
  for (const auto& step : spec_.script) steps_.push_back(&step);
  std::stable_sort(steps_.begin(), steps_.end(),
                   [](const ScriptStep* a, const ScriptStep* b) { return a->at < b->at; });
  for (std::size_t i = 0; i < steps_.size(); ++i) engine_.schedule_at(steps_[i]->at, *this, i);
}

void ScriptRunner::handle(sim::Engine&, std::uint64_t arg) { run(*steps_[arg]); }

void ScriptRunner::run(const ScriptStep& st) {
  Host& h = hosts_[st.host];
  const std::int64_t fd = descriptor(h, st);
  SocketResult r;
  switch (st.call) {
    case ScriptCall::kWsaStartup: r = h.table.wsastartup(); break;
    case ScriptCall::kWsaCleanup: r = h.table.wsacleanup(); break;
    case ScriptCall::kSocket:
      r = h.table.socket(st.type);
      if (r.ok()) h.names[st.as] = r.value;
      break;
    case ScriptCall::kBind: r = h.table.bind(fd, st.port, st.address); break;
    case ScriptCall::kListen: {
      Listener* already = listeners_.of(h, fd);
      r = h.table.listen(fd, backlog_argument(h.personality, st.backlog));
      if (!r.ok()) break;
      if (already) {
        listeners_.set_backlog(*already, r.value);  // listen() again: the personality decided the value
      } else if (const auto port = h.table.port_of(fd); port && h.slot_of_port.count(*port)) {
        listeners_.open(h, h.slot_of_port.at(*port), fd, st.workers, st.service);
      }
      break;
    }
    case ScriptCall::kAccept: {
      Listener* l = listeners_.of(h, fd);
      r = h.table.accept(fd, l && !l->accept_queue.empty());
      if (r.ok()) {
        listeners_.accept_front(*l);
        if (!st.as.empty()) h.names[st.as] = r.value;
      } else if (r.error == SocketError::kWouldBlock && st.blocking && l) {
        // A blocking accept() holds the script's thread until a connection completes;
        // meanwhile every other call on it is WSAEINPROGRESS under Windows.
        h.blocked_accept = &st;
        h.table.block_thread();
        return;  // the result is recorded when the accept returns
      }
      break;
    }
    case ScriptCall::kConnect: r = h.table.connect(fd); break;
    case ScriptCall::kClose: {
      Listener* l = listeners_.of(h, fd);
      r = h.table.close(fd);
      if (r.ok() && l) listeners_.close(*l);
      break;
    }
    case ScriptCall::kNetDown: h.table.set_net_down(true); break;
    case ScriptCall::kNetUp: h.table.set_net_down(false); break;
  }
  record(h, st, r);
}

// A script's blocking accept() on this listener returns with the new connection.
void ScriptRunner::connection_ready(Listener& l) {
  Host& h = hosts_[l.host_index];
  if (!h.blocked_accept || l.accept_queue.empty() || listeners_.of(h, l.fd) != &l) return;
  const ScriptStep& st = *h.blocked_accept;
  const std::int64_t fd = descriptor(h, st);
  if (fd != l.fd) return;
  h.blocked_accept = nullptr;
  h.table.unblock_thread();
  const SocketResult r = h.table.accept(fd, true);
  if (r.ok()) {
    listeners_.accept_front(l);
    if (!st.as.empty()) h.names[st.as] = r.value;
  }
  record(h, st, r);
}

void ScriptRunner::record(const Host& h, const ScriptStep& st, const SocketResult& r) {
  ScriptResult out;
  out.at = engine_.now();
  out.line = st.line;
  out.host = h.spec->name;
  out.call = call_name(st.call);
  out.result = error_name(r.error, h.personality.os());
  out.why = error_reason(r.error, out.call, h.personality.os());
  out.expected = st.expect.value_or("");
  out.value = r.value;
  digest_.mix(static_cast<std::uint64_t>(st.line) << 8 | static_cast<std::uint64_t>(r.error));
  results_.push_back(std::move(out));
  if (tracer_.on()) {
    TraceEvent e;
    e.at = engine_.now();
    e.kind = TraceKind::kScriptCall;
    e.script = &results_.back();
    tracer_.emit(e);
  }
}

std::vector<ScriptResult> ScriptRunner::finish() {
  for (const Host& h : hosts_) {
    if (!h.blocked_accept) continue;
    record(h, *h.blocked_accept, SocketResult{});
    results_.back().result = "BLOCKED";
  }
  return std::move(results_);
}

}  // namespace model
