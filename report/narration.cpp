#include "report/narration.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "model/balancer.h"
#include "model/personality.h"
#include "model/proxy.h"
#include "model/results.h"
#include "model/socket_api.h"
#include "model/trace.h"
#include "model/world.h"
#include "sim/format.h"

namespace report {

namespace {

using model::AckDecision;
using model::AckVerdict;
using model::Comparison;
using model::KnobCondition;
using model::Personality;
using model::ProxyStep;
using model::SegmentKind;
using model::SynDecision;
using model::SynReason;
using model::SynVerdict;
using model::TraceEvent;
using model::TraceKind;

std::string num(std::int64_t v) { return std::to_string(v); }
std::string num(std::uint64_t v) { return std::to_string(v); }

// The time column: "t=SECONDS s" to the nanosecond, the whole seconds right-aligned in
// `width` digits, so that the columns of a narration line up ("t= 9.998373333 s",
// "t=10.000000000 s").
std::string time_column(sim::Time t, std::size_t width) {
  const std::int64_t ns = t.ns();
  std::string whole = std::to_string(ns / 1'000'000'000);
  std::string fraction = std::to_string(ns % 1'000'000'000);
  fraction.insert(0, 9 - fraction.size(), '0');
  if (whole.size() < width) whole.insert(0, width - whole.size(), ' ');
  return "t=" + whole + "." + fraction + " s";
}

// The kernel's decisions, told from the records the Personality returns with them
// (model::Rule): the comparison it made with the numbers it saw, and the knob that decided.

// "backlog 5"; a limit that is an expression shows its value after "=": "3*backlog/2 = 6".
std::string limit_text(const Comparison& c) {
  const bool expression = c.limit.find_first_of("*/+-") != std::string_view::npos;
  return std::string(c.limit) + (expression ? " = " : " ") + num(c.limit_value);
}

// The comparison with its numbers, as made when it held ("6 > backlog 5") and negated when
// it did not ("5 <= backlog 5"); a quantity of two numbers shows both ("5 + 0 >= 5").
std::string numbers_text(const Comparison& c) {
  const std::string op(c.held ? model::compare_symbol(c.op) : model::negated_symbol(c.op));
  if (c.combine != 0) {
    return num(c.left) + " " + c.combine + " " + num(c.right) + " " + op + " " + num(c.limit_value);
  }
  return num(c.value) + " " + op + " " + limit_text(c);
}

// "6 > backlog 5", or with a quantity of two numbers, its names first:
// "accept + half-open >= backlog: 5 + 0 >= 5".
std::string comparison_text(const Comparison& c) {
  if (c.combine == 0) return numbers_text(c);
  const std::string_view op = c.held ? model::compare_symbol(c.op) : model::negated_symbol(c.op);
  return std::string(c.quantity) + " " + std::string(op) + " " + std::string(c.limit) + ": " + numbers_text(c);
}

std::string full_text(const Comparison& c) { return std::string(c.queue) + " full (" + comparison_text(c) + ")"; }
std::string not_full_text(const Comparison& c) {
  return std::string(c.queue) + " not full (" + comparison_text(c) + ")";
}

std::string knob_text(const KnobCondition& k) { return std::string(k.name) + "=" + num(k.value); }
// " and tcp_syncookies=0", or "" when no knob took part.
std::string and_knob(const KnobCondition& k) { return k.name.empty() ? "" : " and " + knob_text(k); }

// The comparison that decided a refusal: the rule's last.
const Comparison& decisive(const model::Rule& r) {
  static const Comparison none;
  return r.count == 0 ? none : r.comparisons().back();
}

// Why a SYN got the verdict it got.
std::string syn_rule(const SynDecision& d) {
  const auto compared = d.rule.comparisons();
  switch (d.reason) {
    case SynReason::kAccepted:
      if (compared.size() == 2) {
        return "room in both queues (" + std::string(compared[0].quantity) + " " + numbers_text(compared[0]) + ", " +
               std::string(compared[1].quantity) + " " + numbers_text(compared[1]) + ")";
      }
      if (decisive(d.rule).combine != 0) {
        return "room in the " + std::string(decisive(d.rule).queue) + " (" + comparison_text(decisive(d.rule)) + ")";
      }
      return "the " + std::string(decisive(d.rule).queue) + " has room (" + comparison_text(decisive(d.rule)) + ")";
    case SynReason::kAcceptQueueFull:
    case SynReason::kSynQueueFull:
      // A knob shows where it turned a full queue into a drop (tcp_syncookies=0).
      return full_text(decisive(d.rule)) + (d.verdict == SynVerdict::kDrop ? and_knob(d.rule.knob) : "");
    case SynReason::kSynBacklogPressure:
      return "SYN backlog pressure: fewer than " + limit_text(decisive(d.rule)) + " slots left (" +
             numbers_text(decisive(d.rule)) + ")" + and_knob(d.rule.knob);
    case SynReason::kCookiesAlways: return knob_text(d.rule.knob) + " (a cookie for every SYN)";
  }
  return "?";
}

std::string_view syn_verdict_text(SynVerdict v) {
  switch (v) {
    case SynVerdict::kQueue: return "kept as a half-open request";
    case SynVerdict::kCookie: return "answered with a SYN cookie, no state kept";
    case SynVerdict::kDrop: return "dropped";
    case SynVerdict::kRefuse: return "refused with RST";
  }
  return "?";
}

// What the server keeps for an attempt, as far as the narration has seen.
enum class Held : std::uint8_t { kNothing, kRequest, kCookie, kQueued };

// What the narration remembers of one attempt, to say "retransmission 2", "after 3 ms".
struct Attempt {
  sim::Time started = sim::Time::never();  // never: no connect() seen
  sim::Time since;                         // entered the SYN queue, then the accept queue
  std::uint32_t synack_retransmissions = 0;
  std::uint32_t rst_resends = 0;
  int syn_transmissions = 0;   // SYNs sent, re-sends after RST included
  int data_transmissions = 0;  // first data segments sent
  Held held = Held::kNothing;
  bool synack_due = false;  // a SYN decision just asked for a SYN-ACK
  bool rst_due = false;     // a decision just asked for a RST
  bool resend_due = false;  // a RST to the SYN will make the client send it again
  bool acked = false;
  bool established = false;
  bool ack_reset = false;
  bool done = false;
};

struct ClientInfo {
  std::string name;
  model::Os os{};
  // What the client connects to: "host:port", or a balancer's "name:port". A line about a
  // listener is named after the host and port the connection is for (a balancer's backend).
  std::string target;
  bool via_balancer = false;
  // A proxy's upstream group (model::with_upstream_groups): its connect()s come from the
  // proxy host's kernel, each to the backend the proxy chose (the event's destination).
  std::optional<std::size_t> upstream_of;
  bool spoofed = false;  // its SYNs come from forged addresses that never answer
  model::SynRetransmitSchedule schedule;
  sim::Duration connect_timeout;
  sim::Duration deadline;  // the first of connect_timeout and the OS's own limit (keepinit)
};

// The argument listen() was called with, as the application wrote it.
std::string listen_call(const model::BacklogRequest& b) {
  switch (b.kind) {
    case model::BacklogRequest::Kind::kValue: return "listen(" + num(b.value) + ")";
    case model::BacklogRequest::Kind::kSomaxconn: return "listen(SOMAXCONN)";
    case model::BacklogRequest::Kind::kHint: return "listen(SOMAXCONN_HINT(" + num(b.value) + "))";
  }
  return "listen(?)";
}

class Narrator final : public model::TraceObserver {
 public:
  Narrator(const model::ScenarioSpec& spec, const NarrationOptions& options, std::ostream& out)
      : spec_(spec),
        filter_(options.filter),
        limit_(options.limit),
        out_(out),
        end_(sim::Time::zero() + spec.duration),
        seconds_width_(std::to_string(spec.duration.ns() / 1'000'000'000).size()) {
    // Every listener of a host has the host's personality.
    for (const auto& h : spec.hosts) personalities_.emplace_back(h.os, h.kernel);
    // The run's groups: the scenario's, then one upstream group per proxy (World runs that
    // spec; the trace numbers its groups so).
    for (const auto& cs : model::with_upstream_groups(spec).clients) {
      // The client's retransmission behaviour, built exactly as World builds it.
      const Personality p = model::client_personality(cs);
      ClientInfo c;
      c.name = cs.upstream_of ? cs.name + "/upstream" : cs.name;
      c.os = cs.os;
      c.target = cs.balancer
                     ? spec.balancers[*cs.balancer].name + ":" + std::to_string(spec.balancers[*cs.balancer].port)
                     : spec.hosts[cs.target_host].name + ":" + std::to_string(cs.target_port);
      c.via_balancer = cs.balancer.has_value();
      c.upstream_of = cs.upstream_of;
      c.spoofed = cs.spoofed;
      c.schedule = p.syn_schedule(cs.syn_retries);
      c.connect_timeout = cs.connect_timeout;
      c.deadline = std::min(cs.connect_timeout, c.schedule.deadline);
      clients_.push_back(std::move(c));
    }
    attempts_.resize(clients_.size());
    std::size_t width = 0;
    for (const auto& h : spec.hosts) {
      for (const auto& l : h.listeners) width = std::max(width, h.name.size() + 1 + std::to_string(l.port).size());
    }
    for (const auto& c : clients_) {
      width = std::max({width, c.target.size(), c.name.size() + 5});  // room for "#1234"
    }
    actor_width_ = width;
  }

  // listen() on every listener, at t = 0: what backlog the kernel made of the argument.
  void narrate_listens() {
    if (filter_.client) return;  // one attempt's story has no listen()
    for (std::size_t hi = 0; hi < spec_.hosts.size(); ++hi) {
      const model::HostSpec& h = spec_.hosts[hi];
      if (filter_.host && *filter_.host != hi) continue;
      for (const auto& ls : h.listeners) {
        if (!take_line()) continue;
        const Personality& p = personalities_[hi];
        const std::int64_t backlog = p.listen_backlog(model::backlog_argument(p, ls.backlog), std::nullopt);
        const model::QueueLimit limit = p.accept_limit(backlog);
        std::string text = listen_call(ls.backlog) + " gives backlog " + num(backlog) + " (" +
                           std::string(model::os_name(p.os())) + "); the " + std::string(limit.queue) + " is full at " +
                           num(limit.full_at) + "; ";
        if (ls.loops) {
          text += loops_text(*ls.loops);
        } else if (ls.workers == 0) {
          text += "no worker ever calls accept()";
        } else {
          text += num(std::int64_t{ls.workers}) + (ls.workers == 1 ? " worker calls" : " workers call") + " accept()";
        }
        write(sim::Time::zero(), h.name + ":" + std::to_string(ls.port), text);
      }
    }
  }

  void on_event(const TraceEvent& e) override {
    if (e.kind == TraceKind::kScriptCall) return narrate_script(*e.script);
    if (e.kind == TraceKind::kFault) return narrate_fault(e);
    if (e.kind == TraceKind::kLoopWake || e.kind == TraceKind::kLoopAccept || e.kind == TraceKind::kLoopFull) {
      return narrate_loop(e);
    }
    if (is_proxy_step(e.kind)) return narrate_proxy(e);
    if (e.kind == TraceKind::kConnect) link_upstream(e);
    if (!passes(e)) return;
    Attempt& a = attempt(e);
    const Attempt before = a;
    update(e, a);
    if (!take_line()) return;
    write(e.at, actor(e), describe(e, before, a));
  }

  // A script step: the call, what it returned, and whether that was what the exercise
  // expected. Scripts belong to hosts, not to connections.
  void narrate_script(const model::ScriptResult& r) {
    if (filter_.client || (filter_.host && r.host != spec_.hosts[*filter_.host].name)) return;
    if (!take_line()) return;
    std::string text = "script line " + num(std::int64_t{r.line}) + ": " + r.call + "() -> " + r.result;
    if (r.call == "listen" && r.result == "OK") text += " (backlog " + num(r.value) + ")";
    if ((r.call == "socket" || r.call == "accept") && r.result == "OK") text += " (descriptor " + num(r.value) + ")";
    if (!r.expected.empty()) text += r.met() ? ", as expected" : ", but the exercise expected " + r.expected;
    write(r.at, r.host, text);
  }

  // How an event-loop application waits, for the listen() line.
  static std::string loops_text(const model::EventLoopSpec& l) {
    std::string s = num(std::int64_t{l.count}) + (l.count == 1 ? " event loop waits" : " event loops wait") +
                    " (wakeup: " + std::string(model::wakeup_name(l.wakeup)) + ")";
    s += l.multi_accept ? ", each accepting until the queue is empty" : ", each accepting one connection per wake-up";
    return s + ", holding up to " + num(l.max_connections) + " open connections each";
  }

  // An event loop's step: who the kernel woke, what a loop took, a loop at its limit.
  // Loops belong to hosts, not to connections.
  void narrate_loop(const TraceEvent& e) {
    if (filter_.client || (filter_.host && e.host != *filter_.host)) return;
    if (!take_line()) return;
    const std::string loop = "loop " + num(std::int64_t{e.loop});
    const std::string queue = " (accept queue " + num(e.accept_len) + ")";
    std::string text;
    switch (e.kind) {
      case TraceKind::kLoopWake: {
        const model::WakeDecision& d = e.wake;
        if (d.woken == 0) {
          text =
              "a connection is ready, but none of the loops waits (each is busy or at max_connections): it stays "
              "queued" +
              queue;
        } else if (d.woken == 1) {
          text = "a connection is ready: the kernel wakes " + loop + " of " + num(std::uint64_t{d.waiting}) +
                 " waiting" + queue;
        } else {
          text = "a connection is ready: the kernel wakes all " + num(std::uint64_t{d.woken}) + " waiting loops, " +
                 loop + " first; the others will find the queue empty (EAGAIN)" + queue;
        }
        text += ": " + std::string(d.rule) + " [" + std::string(d.source) + "]";
        break;
      }
      case TraceKind::kLoopAccept:
        text = loop + (e.woken_by_rule ? " accepts " : ", back from its work, finds connections waiting and accepts ") +
               num(e.taken) + (e.taken == 1 ? " connection" : " connections") + "; it holds " + num(e.open) + " of " +
               num(e.max_open) + queue;
        break;
      default:
        text = loop + " holds " + num(e.open) + " connections, its max_connections: it stops accepting until one " +
               "closes" + queue;
        break;
    }
    write(e.at, destination(e), text);
  }

  static bool is_proxy_step(TraceKind k) {
    return k == TraceKind::kProxyRequest || k == TraceKind::kProxyQueued || k == TraceKind::kUpstreamFail ||
           k == TraceKind::kBackendDown || k == TraceKind::kRequestResult;
  }

  // A proxy's decision about one request (ProxySpec), with the rule or limit that made it.
  // The request is the client attempt's (e.client, e.attempt: the proxy in front's, for a
  // proxy behind another), so one attempt's story follows it hop by hop.
  void narrate_proxy(const TraceEvent& e) {
    if (filter_.host && e.host != *filter_.host) return;
    if (filter_.client && (e.client != *filter_.client || e.attempt != filter_.attempt)) return;
    const model::ProxySpec& p = *spec_.hosts[e.proxy].proxy;
    if (e.kind == TraceKind::kProxyRequest && e.proxy_step == ProxyStep::kConnect) {
      // Its upstream connect() follows at once (Proxies::go): that attempt is this request's.
      upstream_origin_pending_ = {e.proxy, e.client, e.attempt};
    }
    if (!take_line()) return;
    write(e.at, destination(e), describe_proxy(e, p));
  }

  // "app2:8080": backend `b` of proxy `p`.
  std::string backend_name(const model::ProxySpec& p, std::uint32_t b) const {
    return spec_.hosts[p.backends[b].host].name + ":" + num(std::int64_t{p.backends[b].port});
  }

  // "try 2 of 3": of next_upstream.tries, or of every backend once when it is 0.
  static std::string try_text(const model::ProxySpec& p, int try_no) {
    const std::size_t of =
        p.next_upstream.tries > 0 ? static_cast<std::size_t>(p.next_upstream.tries) : p.backends.size();
    return "try " + num(std::int64_t{try_no}) + " of " + num(std::uint64_t{of});
  }

  std::string describe_proxy(const TraceEvent& e, const model::ProxySpec& p) const {
    const std::string request = "request of " + attempt_id(e);
    const std::string backend = e.kind == TraceKind::kProxyQueued ? "" : backend_name(p, e.backend);
    switch (e.kind) {
      case TraceKind::kProxyRequest: {
        std::string s = request + ", " + try_text(p, e.try_no) +
                        (p.next_upstream.tries > 0 ? " (next_upstream.tries)" : " (every backend once)") +
                        ": backend " + backend + " (policy " + std::string(model::balance_policy_name(p.policy)) +
                        ", among the backends up";
        s += p.max_connections > 0 ? " and below max_connections " + num(p.max_connections) + ")" : ")";
        if (e.proxy_step == ProxyStep::kPooled) {
          return s + "; it reuses an idle keep-alive connection of the backend's pool (keepalive " + num(p.keepalive) +
                 "): no handshake";
        }
        return s + "; " +
               (p.keepalive > 0 ? "no idle connection in its pool (keepalive " + num(p.keepalive) + ")"
                                : "no pool (keepalive 0)") +
               ": connect() from " + spec_.hosts[e.proxy].name + "'s own kernel (connect_timeout " +
               sim::format_duration(p.connect_timeout) + ")";
      }
      case TraceKind::kProxyQueued:
        return request + " waits in the queue: every backend up is at max_connections " + num(p.max_connections) +
               "; " + num(e.queued) + " of queue.limit " + num(p.queue.limit) + " waiting, each for at most " +
               sim::format_duration(p.queue.timeout) + " (queue.timeout)";
      case TraceKind::kUpstreamFail: {
        const bool timeout = e.proxy_step == ProxyStep::kConnectTimeout;
        std::string s = "upstream " + backend + " ";
        switch (e.proxy_step) {
          case ProxyStep::kRefused: s += "refused the connection (RST to the SYN)"; break;
          case ProxyStep::kReset: s += "reset the connection"; break;
          default: s += "did not answer within connect_timeout " + sim::format_duration(p.connect_timeout); break;
        }
        s += " (" + request + ", " + try_text(p, e.try_no) + ")";
        const bool retries = timeout ? p.next_upstream.on_timeout : p.next_upstream.on_error;
        return s + (retries ? std::string("; next_upstream on ") + (timeout ? "timeout" : "error") +
                                  ": another backend if tries and next_upstream.timeout allow"
                            : std::string("; next_upstream has no ") + (timeout ? "timeout" : "error") +
                                  ": no other backend is tried");
      }
      case TraceKind::kBackendDown:
        return "marks backend " + backend + " down for " + sim::format_duration(p.health.fail_timeout) + ": " +
               num(e.fails) + (e.fails == 1 ? " failed try" : " failed tries") + " within fail_timeout " +
               sim::format_duration(p.health.fail_timeout) + " (max_fails " + num(std::int64_t{p.health.max_fails}) +
               ")";
      case TraceKind::kRequestResult: return request + ": " + describe_request_result(e, p, backend);
      default: return "?";
    }
  }

  std::string describe_request_result(const TraceEvent& e, const model::ProxySpec& p,
                                      const std::string& backend) const {
    const std::string result = std::string(model::request_result_name(e.request));
    const std::string code = e.request == model::RequestResult::kBadGateway       ? "502 "
                             : e.request == model::RequestResult::kGatewayTimeout ? "504 "
                             : e.request == model::RequestResult::kUnavailable    ? "503 "
                                                                                  : "";
    const std::string head = code + result + ": ";
    switch (e.proxy_step) {
      case ProxyStep::kAnswered:
        if (e.request != model::RequestResult::kOk) {
          // A proxy behind passed its own result on: the response is that status code.
          return head + backend + " answered with it (the proxy behind passes its result on), on try " +
                 num(std::int64_t{e.try_no});
        }
        return result + ": " + backend + " answered, on try " + num(std::int64_t{e.try_no});
      case ProxyStep::kRefused: return head + backend + " refused and next_upstream has no error";
      case ProxyStep::kReset: return head + backend + " reset the connection and next_upstream has no error";
      case ProxyStep::kConnectTimeout:
        return head + "connect to " + backend + " timed out (connect_timeout " +
               sim::format_duration(p.connect_timeout) + ") and next_upstream has no timeout";
      case ProxyStep::kQueueFull: return head + "the queue already holds queue.limit " + num(p.queue.limit);
      case ProxyStep::kQueueTimeout:
        return head + "it waited queue.timeout " + sim::format_duration(p.queue.timeout) + " for a backend";
      case ProxyStep::kNoBackend:
        return head + "every backend is marked down (passive health: max_fails " +
               num(std::int64_t{p.health.max_fails}) + " within fail_timeout " +
               sim::format_duration(p.health.fail_timeout) + ")";
      case ProxyStep::kTriesExhausted: {
        std::string s = head + "the last try (" + backend +
                        ") failed and no retry is left: " + num(std::int64_t{e.try_no}) + " tried";
        if (p.next_upstream.tries > 0) s += " of next_upstream.tries " + num(std::int64_t{p.next_upstream.tries});
        if (!p.next_upstream.timeout.is_infinite()) {
          s += ", or next_upstream.timeout " + sim::format_duration(p.next_upstream.timeout) + " passed";
        }
        return s + ", or no other backend is up";
      }
      case ProxyStep::kPooled:
      case ProxyStep::kConnect: break;
    }
    return head;
  }

  // An upstream group's connect(): the request it carries is the one the proxy just sent
  // (narrate_proxy), whose client attempt it belongs to in a filtered story.
  void link_upstream(const TraceEvent& e) {
    const ClientInfo& c = clients_[e.client];
    if (!c.upstream_of || !upstream_origin_pending_ || upstream_origin_pending_->proxy != *c.upstream_of) return;
    upstream_origin_[{e.client, e.attempt}] = {upstream_origin_pending_->client, upstream_origin_pending_->attempt};
    upstream_origin_pending_.reset();
  }

  // A fault's start or end (faults belong to hosts and links, not to connections).
  void narrate_fault(const TraceEvent& e) {
    const model::FaultSpec& f = *e.fault;
    const bool on_link = f.kind == model::FaultKind::kLinkDown;
    if (filter_.client || (filter_.host && (on_link || f.host != *filter_.host))) return;
    if (!take_line()) return;
    const std::string queues = " (accept queue " + num(e.accept_len) + ", SYN queue " + num(e.syn_len) + ")";
    std::string text = "fault (line " + num(std::int64_t{f.line}) + "): ";
    const std::string loop = f.loop >= 0 ? "loop " + num(std::int64_t{f.loop}) : std::string();
    bool served_by_loops = false;
    if (!on_link && f.kind != model::FaultKind::kHostDown) {
      for (const model::ListenerSpec& ls : spec_.hosts[f.host].listeners) {
        if (ls.port == f.port && ls.loops) served_by_loops = true;
      }
    }
    switch (f.kind) {
      case model::FaultKind::kStall:
        if (f.loop >= 0) {
          text += e.fault_begins
                      ? "stall: " + loop + " stops waiting on the socket for " + sim::format_duration(f.length) + queues
                      : "stall over: " + loop + " waits on the socket again" + queues;
          break;
        }
        if (served_by_loops) {
          text += e.fault_begins
                      ? "stall: the loops stop waiting on the socket for " + sim::format_duration(f.length) + queues
                      : "stall over: the loops wait on the socket again" + queues;
          break;
        }
        text += e.fault_begins
                    ? "stall: the workers stop calling accept() for " + sim::format_duration(f.length) + queues
                    : "stall over: the workers call accept() again" + queues;
        break;
      case model::FaultKind::kRestart:
        text += e.fault_begins ? "restart: the socket is closed for " + sim::format_duration(f.length) +
                                     "; what its queues held is reset and SYNs to the port get RST"
                               : "restart over: the application listens again (backlog " + num(e.backlog) + ")";
        break;
      case model::FaultKind::kSlowStart:
        if (f.loop >= 0) {
          text += e.fault_begins ? "slow start: " + loop + "'s CPU costs x" + sim::format_number(f.factor) +
                                       ", back to x1 over " + sim::format_duration(f.length)
                                 : "slow start over: " + loop + "'s CPU costs are back to normal";
          break;
        }
        {
          const std::string what = served_by_loops ? "the loops' CPU costs" : "service times";
          text += e.fault_begins ? "slow start: " + what + " x" + sim::format_number(f.factor) + ", back to x1 over " +
                                       sim::format_duration(f.length)
                                 : "slow start over: " + what + " are back to normal";
        }
        break;
      case model::FaultKind::kSlow: {
        const std::string what = f.loop >= 0       ? loop + "'s CPU costs"
                                 : served_by_loops ? std::string("the loops' CPU costs")
                                                   : std::string("service times");
        text += e.fault_begins
                    ? "slow: " + what + " x" + sim::format_number(f.factor) + " for " + sim::format_duration(f.length)
                    : "slow over: " + what + " are back to normal";
        break;
      }
      case model::FaultKind::kHostDown:
        text += e.fault_begins ? "host down for " + sim::format_duration(f.length) +
                                     ": every segment sent to or from it is lost; its queues and timers live on"
                               : "host up: segments reach it again";
        break;
      case model::FaultKind::kLinkDown:
        text += e.fault_begins ? "link down for " + sim::format_duration(f.length) +
                                     ": every segment whose path crosses it is lost (routes stay as they are)"
                               : "link up";
        break;
    }
    if (on_link) {
      const model::LinkSpec& link = spec_.network->links[f.link];
      write(e.at, "link " + link.a + "-" + link.b, text);
    } else if (f.kind == model::FaultKind::kHostDown) {
      write(e.at, spec_.hosts[f.host].name, text);
    } else {
      // A fault on one socket of a reuseport group names it, as the results do.
      write(e.at,
            spec_.hosts[f.host].name + ":" + num(std::int64_t{f.port}) +
                (f.socket > 0 ? "#" + num(std::int64_t{f.socket}) : std::string()),
            text);
    }
  }

  // Attempts still open when the run ended get no outcome event: World counts them as
  // pending in finish(). Say so, in client and attempt order.
  void narrate_pending(sim::Time end) {
    for (std::size_t c = 0; c < attempts_.size(); ++c) {
      for (std::size_t i = 0; i < attempts_[c].size(); ++i) {
        const Attempt& a = attempts_[c][i];
        if (a.started == sim::Time::never() || a.done) continue;
        if (!take_line()) continue;
        write(end, clients_[c].name + "#" + std::to_string(i + 1), "outcome: pending (still open when the run ended)");
      }
    }
  }

  // Each event loop's results at the end (those of the filtered host; none for one
  // connection): what `run` prints in its event-loop table, as a sentence per loop.
  void narrate_loop_results(const model::RunResults& results) {
    if (filter_.client) return;
    const auto pct = [](double f) {
      char b[32];
      std::snprintf(b, sizeof b, "%.1f%%", 100.0 * f);
      return std::string(b);
    };
    for (const model::LoopResults& lp : results.loops) {
      if (filter_.host && lp.host != spec_.hosts[*filter_.host].name) continue;
      const std::string where =
          lp.host + ":" + num(std::int64_t{lp.port}) + (lp.socket > 0 ? "#" + num(std::int64_t{lp.socket}) : "");
      if (!take_line()) continue;
      char mean[32];
      std::snprintf(mean, sizeof mean, "%.1f", lp.open.mean);
      write(results.end, where,
            "loop " + num(std::int64_t{lp.loop}) + " over the run: busy " + pct(lp.busy_fraction) + ", accepted " +
                num(lp.accepted) + ", woken " + num(lp.wakeups) + (lp.wakeups == 1 ? " time (" : " times (") +
                num(lp.wasted_wakeups) + " found nothing), open connections mean " + mean + " / max " +
                num(lp.open.max) + " of " + num(lp.max_connections) + ", at max_connections " +
                pct(lp.open.full_fraction) + " of the run");
    }
  }

  void summarise(sim::Time end) {
    std::string s = "... ";
    if (steps_ > shown_) {
      s += num(steps_ - shown_) + (steps_ - shown_ == 1 ? " more step" : " more steps") + " not shown (--limit " +
           num(limit_) + "; --limit 0 shows all); the run ended at t=" + sim::format_seconds(end) + " s";
    } else {
      s += "the run ended at t=" + sim::format_seconds(end) + " s; " + num(steps_) +
           (steps_ == 1 ? " step shown" : " steps shown");
    }
    out_ << sim::printable(s) << "\n";
  }

  std::uint64_t steps() const { return steps_; }
  std::uint64_t shown() const { return shown_; }

 private:
  bool passes(const TraceEvent& e) const {
    if (filter_.host && e.host != *filter_.host) return false;
    if (filter_.client) {
      // An upstream connection counts as the client attempt whose request it carries.
      std::pair<std::uint32_t, std::uint64_t> who{e.client, e.attempt};
      if (const auto it = upstream_origin_.find(who); it != upstream_origin_.end()) who = it->second;
      if (who.first != *filter_.client || who.second != filter_.attempt) return false;
    }
    return true;
  }

  Attempt& attempt(const TraceEvent& e) {
    auto& list = attempts_[e.client];
    // Attempt numbers count up from 1 in connect() order, so the list grows at the end.
    if (e.attempt > list.size()) list.resize(static_cast<std::size_t>(e.attempt));
    return list[static_cast<std::size_t>(e.attempt - 1)];
  }

  // Counts a step; false once the limit has been reached (the step is then not shown).
  bool take_line() {
    ++steps_;
    if (limit_ != 0 && shown_ >= limit_) return false;
    ++shown_;
    return true;
  }

  void write(sim::Time t, const std::string& actor_name, const std::string& text) {
    std::string line = time_column(t, seconds_width_);
    line += "  ";
    line += actor_name;
    line.append(actor_name.size() < actor_width_ ? actor_width_ - actor_name.size() : 0, ' ');
    line += "  ";
    line += text;
    // Names come from the scenario: no control character of theirs reaches the terminal.
    out_ << sim::printable(line) << "\n";
  }

  std::string attempt_id(const TraceEvent& e) const { return clients_[e.client].name + "#" + num(e.attempt); }

  const Personality& personality(const TraceEvent& e) const { return personalities_[e.host]; }

  // The listener a connection is for: "host:port" (also when nothing listens there).
  std::string destination(const TraceEvent& e) const {
    return spec_.hosts[e.host].name + ":" + num(std::int64_t{e.port});
  }

  std::string actor(const TraceEvent& e) const {
    switch (e.kind) {
      case TraceKind::kSynDecision:
      case TraceKind::kAckDecision:
      case TraceKind::kSynAckWithheld:
      case TraceKind::kRequestExpired: return destination(e);
      case TraceKind::kSend:
      case TraceKind::kLost:
        if (e.segment == SegmentKind::kSynAck || e.segment == SegmentKind::kRst || e.segment == SegmentKind::kDataAck)
          return destination(e);
        return attempt_id(e);
      case TraceKind::kConnect:
      case TraceKind::kEstablished:
      case TraceKind::kOutcome:
      case TraceKind::kScriptCall:  // narrated by narrate_script
      case TraceKind::kFault:       // narrated by narrate_fault
      case TraceKind::kLoopWake:    // narrated by narrate_loop
      case TraceKind::kLoopAccept:
      case TraceKind::kProxyRequest:  // narrated by narrate_proxy
      case TraceKind::kProxyQueued:
      case TraceKind::kUpstreamFail:
      case TraceKind::kBackendDown:
      case TraceKind::kRequestResult:
      case TraceKind::kLoopFull: break;
    }
    return attempt_id(e);
  }

  std::string when(sim::Time t) const {
    return "t=" + sim::format_seconds(t) + " s" + (t > end_ ? " (after the run ends)" : "");
  }

  // Whether a RST to this attempt's SYN makes the client send the SYN again: its OS's
  // re-sends after RST (Windows) are not used up yet.
  bool will_resend_after_rst(const TraceEvent& e, const Attempt& before) const {
    return before.rst_resends < static_cast<std::uint32_t>(std::max(0, clients_[e.client].schedule.rst_retries));
  }

  void update(const TraceEvent& e, Attempt& a) const {
    switch (e.kind) {
      case TraceKind::kConnect:
        a = Attempt{};
        a.started = e.at;
        return;
      case TraceKind::kSend:
        switch (e.segment) {
          case SegmentKind::kSyn:
            a.resend_due = false;
            a.syn_transmissions = e.transmission;
            return;
          case SegmentKind::kSynAck:
            if (!a.synack_due) ++a.synack_retransmissions;
            a.synack_due = false;
            return;
          case SegmentKind::kAck: a.acked = true; return;
          case SegmentKind::kRst:
            a.rst_due = false;
            if (a.established) a.ack_reset = true;  // a RST after connect() succeeded: a reset
            // A RST to a SYN (a refusal, or a port nothing listens on): a Windows client
            // sends the SYN again a few times before connect() fails.
            if (!a.established && will_resend_after_rst(e, a)) {
              ++a.rst_resends;
              a.resend_due = true;
            }
            return;
          case SegmentKind::kClientRst:
          case SegmentKind::kDataAck: return;
          case SegmentKind::kData: ++a.data_transmissions; return;
        }
        return;
      case TraceKind::kSynDecision:
        switch (e.syn.verdict) {
          case SynVerdict::kQueue:
            a.held = Held::kRequest;
            a.since = e.at;
            a.synack_due = true;
            a.synack_retransmissions = 0;
            return;
          case SynVerdict::kCookie:
            a.held = Held::kCookie;
            a.synack_due = true;
            return;
          case SynVerdict::kDrop: return;
          case SynVerdict::kRefuse: a.rst_due = true; return;
        }
        return;
      case TraceKind::kAckDecision:
        switch (e.ack.verdict) {
          case AckVerdict::kComplete:
            a.held = Held::kQueued;
            a.since = e.at;
            return;
          case AckVerdict::kDrop:  // the request stays
          case AckVerdict::kDefer: return;
          case AckVerdict::kForget: a.held = Held::kNothing; return;
          case AckVerdict::kReset:
            a.held = Held::kNothing;
            a.ack_reset = true;
            a.rst_due = true;
            return;
        }
        return;
      case TraceKind::kEstablished: a.established = true; return;
      case TraceKind::kRequestExpired: a.held = Held::kNothing; return;
      case TraceKind::kSynAckWithheld: return;
      case TraceKind::kScriptCall:  // never reach here: narrate_script, narrate_fault, narrate_loop
      case TraceKind::kFault:
      case TraceKind::kLoopWake:
      case TraceKind::kLoopAccept:
      case TraceKind::kProxyRequest:  // narrated by narrate_proxy
      case TraceKind::kProxyQueued:
      case TraceKind::kUpstreamFail:
      case TraceKind::kBackendDown:
      case TraceKind::kRequestResult:
      case TraceKind::kLoopFull:
      case TraceKind::kLost: return;
      case TraceKind::kOutcome:
        a.done = true;
        if (e.outcome == model::Outcome::kAccepted) a.held = Held::kNothing;
        return;
    }
  }

  std::string describe(const TraceEvent& e, const Attempt& before, const Attempt& a) const {
    const ClientInfo& c = clients_[e.client];
    switch (e.kind) {
      case TraceKind::kConnect:
        if (c.upstream_of) {
          return "upstream connect() to " + destination(e) + " from " + spec_.hosts[*c.upstream_of].name +
                 "'s own kernel (the proxy's connect_timeout " + sim::format_duration(c.connect_timeout) + ")";
        }
        return "connect() to " + c.target + (c.via_balancer ? " (the balancer picks " + destination(e) + ")" : "") +
               (e.retry_no > 0 ? " (application retry " + num(std::int64_t{e.retry_no}) + ")" : "");
      case TraceKind::kSend: return describe_send(e, before, a);
      case TraceKind::kLost: return describe_lost(e);
      case TraceKind::kSynDecision: {
        std::string s =
            "SYN from " + attempt_id(e) + " " + std::string(syn_verdict_text(e.syn.verdict)) + ": " + syn_rule(e.syn);
        if (e.syn.verdict == SynVerdict::kDrop) s += after_drop(e, a);
        if (e.syn.verdict == SynVerdict::kRefuse) s += after_refusal(e, before);
        if (e.reuseport_sockets > 0) s = reuseport_prefix(e) + s;
        return s;
      }
      case TraceKind::kAckDecision: return describe_ack(e);
      case TraceKind::kEstablished: return "connect() succeeded after " + sim::format_duration(e.at - a.started);
      case TraceKind::kRequestExpired: {
        std::string s = "forgets the half-open request from " + attempt_id(e);
        const sim::Duration keepinit = personality(e).knobs().keepinit;
        if (!keepinit.is_infinite() && e.at - a.since >= keepinit) {
          s += ": keepinit (" + sim::format_duration(keepinit) + ") has passed since its SYN";
        } else {
          s += " after " + num(std::uint64_t{a.synack_retransmissions}) +
               (a.synack_retransmissions == 1 ? " SYN-ACK retransmission" : " SYN-ACK retransmissions");
        }
        if (e.timer.rule.knob.value == 1 && e.timer.rule.count == 2) {
          const model::Comparison& limit = e.timer.rule.compared[1];
          s += ", while acked (TCP_DEFER_ACCEPT: " + std::string(limit.quantity) + " " + comparison_text(limit) + ", " +
               std::string(e.timer.rule.source) + ")";
        }
        if (a.established) s += "; the client still believes it is connected";
        return s;
      }
      case TraceKind::kSynAckWithheld:
        return "SYN-ACK timer of the acked request from " + attempt_id(e) +
               ": no retransmission while it waits for data (TCP_DEFER_ACCEPT; " + std::string(e.timer.rule.source) +
               ")";
      case TraceKind::kOutcome: return describe_outcome(e, a);
      case TraceKind::kScriptCall:  // narrated by narrate_script
      case TraceKind::kFault:       // narrated by narrate_fault
      case TraceKind::kLoopWake:    // narrated by narrate_loop
      case TraceKind::kLoopAccept:
      case TraceKind::kProxyRequest:  // narrated by narrate_proxy
      case TraceKind::kProxyQueued:
      case TraceKind::kUpstreamFail:
      case TraceKind::kBackendDown:
      case TraceKind::kRequestResult:
      case TraceKind::kLoopFull: break;
    }
    return "?";
  }

  // A SYN that reached a socket of an SO_REUSEPORT group: which one the kernel chose, and
  // that a full queue there is final (no sibling takes it).
  std::string reuseport_prefix(const TraceEvent& e) const {
    std::string how;
    switch (personality(e).reuseport_rule().balance) {
      case model::ReuseportBalance::kHash4Tuple: how = "hashed (4-tuple, inet_ehashfn)"; break;
      case model::ReuseportBalance::kHashForeignPorts:
        how = "hashed (client address and ports, SO_REUSEPORT_LB)";
        break;
      case model::ReuseportBalance::kLastListening: how = "given to the socket that listened last,"; break;
      case model::ReuseportBalance::kNone: break;
    }
    std::string s = how + " to socket " + num(std::uint64_t{e.reuseport_socket}) + " of " +
                    num(std::uint64_t{e.reuseport_sockets}) + " (reuseport)";
    if (e.syn.verdict == SynVerdict::kDrop || e.syn.verdict == SynVerdict::kCookie) {
      s += ", its queue is full: no fallback to a sibling";
    }
    return s + "; ";
  }

  // The segment just sent never arrives; its sender's timers will tell.
  std::string describe_lost(const TraceEvent& e) const {
    std::string s;
    switch (e.segment) {
      case SegmentKind::kSyn: s = "SYN"; break;
      case SegmentKind::kSynAck: s = "SYN-ACK"; break;
      case SegmentKind::kAck: s = "ACK"; break;
      case SegmentKind::kRst:
      case SegmentKind::kClientRst: s = "RST"; break;
      case SegmentKind::kData: s = "first data"; break;
      case SegmentKind::kDataAck: s = "ACK of the data"; break;
    }
    switch (e.loss) {
      case model::LossCause::kLinkLoss: return s + " lost on a link of its path (the link's loss)";
      case model::LossCause::kHostDown: return s + " lost: " + spec_.hosts[e.host].name + " is down (host_down)";
      case model::LossCause::kLinkDown: return s + " lost: a link of its path is down (link_down)";
    }
    return s;
  }

  std::string describe_send(const TraceEvent& e, const Attempt& before, const Attempt& a) const {
    const ClientInfo& c = clients_[e.client];
    switch (e.segment) {
      case SegmentKind::kSyn:
        if (before.resend_due) {
          return "SYN re-sent after RST (" + num(std::uint64_t{a.rst_resends}) + " of " +
                 num(std::int64_t{c.schedule.rst_retries}) + ") -> " + destination(e);
        }
        if (e.transmission <= 1) return "SYN -> " + destination(e);
        return "SYN retransmission " + num(std::int64_t{e.transmission - 1} - std::int64_t{a.rst_resends}) + " -> " +
               destination(e);
      case SegmentKind::kSynAck: {
        // A forged source address: the segment goes nowhere and nothing answers.
        const std::string nowhere = clients_[e.client].spoofed ? " (a forged address: nobody answers)" : "";
        if (before.synack_due) {
          return (a.held == Held::kCookie ? "SYN-ACK (carrying a SYN cookie) -> " : "SYN-ACK -> ") + attempt_id(e) +
                 nowhere;
        }
        return "SYN-ACK retransmission " + num(std::uint64_t{a.synack_retransmissions}) + " -> " + attempt_id(e) +
               nowhere;
      }
      case SegmentKind::kAck:
        if (before.acked) return "ACK -> " + destination(e) + " (again, for a retransmitted SYN-ACK)";
        return "ACK -> " + destination(e);
      case SegmentKind::kRst:
        if (before.rst_due) return "RST -> " + attempt_id(e);
        // No decision asked for it: the port was not (or no longer) listening.
        return "RST -> " + attempt_id(e) + " (nothing listens on " + destination(e) + " now)" +
               (before.established ? "" : after_refusal(e, before));
      case SegmentKind::kClientRst:
        return "RST -> " + destination(e) + " (a SYN-ACK reached a connect() that had given up)";
      case SegmentKind::kData:
        if (a.data_transmissions <= 1) return "first data (the request's first bytes) -> " + destination(e);
        return "first data retransmission " + num(std::int64_t{a.data_transmissions - 1}) + " -> " + destination(e);
      case SegmentKind::kDataAck: return "ACK of the data -> " + attempt_id(e);
    }
    return "?";
  }

  // After a dropped SYN: the client's retransmission timer (TraceEvent::next_retransmit)
  // fires, and either retransmits or ends the attempt.
  std::string after_drop(const TraceEvent& e, const Attempt& a) const {
    if (e.next_retransmit == sim::Time::never()) return "";
    const ClientInfo& c = clients_[e.client];
    const sim::Time deadline = a.started + c.deadline;
    if (deadline <= e.next_retransmit) return "; the client's connect() times out at " + when(deadline);
    switch (c.schedule.give_up(e.transmission - 1, e.next_retransmit - a.started)) {
      case model::SynGiveUp::kNo: break;
      case model::SynGiveUp::kCount:
        return "; no retransmissions left: the client gives up at " + when(e.next_retransmit);
      case model::SynGiveUp::kTime:
        return "; by then " + sim::format_duration(c.schedule.time_bound) +
               " (tcp_syn_retries' time bound, tcp_model_timeout) will have passed since the first SYN: the client "
               "gives up at " +
               when(e.next_retransmit);
    }
    return "; client retransmits at " + when(e.next_retransmit);
  }

  // After a refused SYN: a Windows client re-sends the SYN a few times (KB175523) before
  // connect() fails; every other client fails at once.
  std::string after_refusal(const TraceEvent& e, const Attempt& before) const {
    const ClientInfo& c = clients_[e.client];
    if (!will_resend_after_rst(e, before)) return "; connect() fails with " + refused_error(c);
    const sim::Time resend = e.at + c.schedule.rst_interval;
    const sim::Time deadline = before.started + c.deadline;
    if (deadline <= resend) return "; the client's connect() times out at " + when(deadline) + " before it re-sends";
    return "; the client (" + std::string(model::os_name(c.os)) + ") re-sends its SYN at " + when(resend) + " (" +
           num(std::uint64_t{before.rst_resends} + 1) + " of " + num(std::int64_t{c.schedule.rst_retries}) + ")";
  }

  // The error connect() reports for a RST to its SYN, as the client's OS names it.
  static std::string refused_error(const ClientInfo& c) { return std::string(model::connect_refused_error(c.os)); }

  std::string describe_ack(const TraceEvent& e) const {
    const AckDecision& d = e.ack;
    const std::string from = (e.carries_data ? "first data from " : "final ACK from ") + attempt_id(e);
    const bool cookie = d.path == model::AckPath::kCookie;
    switch (d.verdict) {
      case AckVerdict::kComplete: {
        std::string s =
            from + (cookie ? " carries a valid SYN cookie: the connection is rebuilt and joins the accept queue"
                           : " completes the connection: it joins the accept queue");
        // Nothing compared at the ACK: the queue's place was taken at the SYN (macOS).
        if (d.rule.count == 0) return s + " (its place was taken at the SYN)";
        return s + " (" + not_full_text(decisive(d.rule)) + ")";
      }
      case AckVerdict::kDrop:
        return from + " dropped: " + full_text(decisive(d.rule)) +
               "; the request stays, SYN-ACK will be retransmitted (until its retries run out)";
      case AckVerdict::kForget:
        return from + " dropped without RST: " + full_text(decisive(d.rule)) + and_knob(d.rule.knob) +
               (cookie ? "; it answered a SYN cookie, so the server keeps nothing"
                       : "; the request was used up by the attempt, so the server keeps nothing") +
               ": the client believes it is connected (" + std::string(d.rule.source) + ")";
      case AckVerdict::kReset:
        return from + " answered with RST: " + full_text(decisive(d.rule)) + and_knob(d.rule.knob);
      case AckVerdict::kDefer:
        return "final ACK from " + attempt_id(e) +
               " without data: kept in the SYN queue as acked (TCP_DEFER_ACCEPT, tcp_check_req: " +
               std::string(d.rule.compared[0].quantity) + " " + comparison_text(d.rule.compared[0]) + ")";
    }
    return "?";
  }

  std::string describe_outcome(const TraceEvent& e, const Attempt& a) const {
    const ClientInfo& c = clients_[e.client];
    std::string s = "outcome: " + std::string(model::outcome_name(e.outcome)) + " (";
    switch (e.outcome) {
      case model::Outcome::kAccepted:
        s += "accept() took it after " + sim::format_duration(e.at - a.since) + " in the accept queue";
        break;
      case model::Outcome::kRefused: s += "RST to its SYN: connect() fails with " + refused_error(c); break;
      case model::Outcome::kTimedOut: {
        const sim::Duration elapsed = e.at - a.started;
        if (elapsed == c.deadline) {
          s += c.deadline == c.connect_timeout ? "connect_timeout " : "keepinit ";
          s += sim::format_duration(c.deadline) + " passed without an answer";
        } else {
          const int retransmissions = a.syn_transmissions - 1;
          s += "no answer to its SYN or its " + num(std::int64_t{retransmissions}) + " retransmissions: ";
          if (c.schedule.give_up(retransmissions, elapsed) == model::SynGiveUp::kTime) {
            s += "tcp_syn_retries' time bound (" + sim::format_duration(c.schedule.time_bound) +
                 " since the first SYN) had passed when the timer fired: the client gave up";
          } else {
            s += "the client gave up";
          }
        }
        break;
      }
      case model::Outcome::kReset:
        if (a.ack_reset) {
          s += "connect() had succeeded; the server answered the final ACK with RST: the next call on the socket "
               "fails with " +
               std::string(model::connect_reset_error(c.os));
        } else {
          s += "the client believes it is connected; the server dropped it";
        }
        break;
      case model::Outcome::kPending: s += "still open when the run ended"; break;
    }
    return s + ")";
  }

  const model::ScenarioSpec& spec_;
  NarrationFilter filter_;
  std::uint64_t limit_;
  std::ostream& out_;
  sim::Time end_;
  std::size_t seconds_width_ = 1;           // digits of the whole seconds at the run's end
  std::vector<Personality> personalities_;  // per host
  std::vector<ClientInfo> clients_;
  std::vector<std::vector<Attempt>> attempts_;  // per client group, by attempt number - 1
  // Upstream connections (group, attempt) -> the client attempt whose request each carries.
  struct PendingUpstream {
    std::uint32_t proxy;
    std::uint32_t client;
    std::uint64_t attempt;
  };
  std::optional<PendingUpstream> upstream_origin_pending_;
  std::map<std::pair<std::uint32_t, std::uint64_t>, std::pair<std::uint32_t, std::uint64_t>> upstream_origin_;
  std::size_t actor_width_ = 0;
  std::uint64_t steps_ = 0;
  std::uint64_t shown_ = 0;
};

}  // namespace

struct Narration::Impl {
  Narrator narrator;
  NarrationFilter filter;
};

Narration::Narration(const model::ScenarioSpec& spec, const NarrationOptions& options, std::ostream& out)
    : impl_(std::make_unique<Impl>(Impl{Narrator(spec, options, out), options.filter})) {}
Narration::~Narration() = default;
void Narration::narrate_listens() { impl_->narrator.narrate_listens(); }
void Narration::on_event(const model::TraceEvent& e) { impl_->narrator.on_event(e); }

NarrationReport Narration::finish(const model::RunResults& results) {
  Narrator& narrator = impl_->narrator;
  narrator.narrate_pending(results.end);
  NarrationReport report;
  report.digest = results.digest;
  report.internal_error = results.internal_error;
  const NarrationFilter& f = impl_->filter;
  // A spoofed group's connections are its forged SYNs, numbered like attempts.
  const auto made = [](const model::ClientResults& c) { return c.spoofed ? c.spoofed_syns : c.counts.attempts; };
  if (f.client && made(results.clients[*f.client]) < f.attempt) {
    const auto& c = results.clients[*f.client];
    const std::string what = c.spoofed ? " forged SYNs (" : " attempts (";
    report.error =
        "--connection " + c.name + "#" + std::to_string(f.attempt) + ": client group \"" + c.name + "\" made " +
        (made(c) == 0
             ? (c.spoofed ? std::string("no forged SYNs") : std::string("no attempts"))
             : std::to_string(made(c)) + what + c.name + "#1 to " + c.name + "#" + std::to_string(made(c)) + ")") +
        " in this run";
  } else {
    narrator.narrate_loop_results(results);
    narrator.summarise(results.end);
  }
  report.steps = narrator.steps();
  report.shown = narrator.shown();
  return report;
}

NarrationReport narrate_run(const model::ScenarioSpec& spec, const NarrationOptions& options, std::ostream& out) {
  Narration narration(spec, options, out);
  narration.narrate_listens();
  // The narration, then whoever else watches.
  struct Both final : model::TraceObserver {
    model::TraceObserver& first;
    model::TraceObserver* second;
    Both(model::TraceObserver& a, model::TraceObserver* b) : first(a), second(b) {}
    void on_event(const model::TraceEvent& e) override {
      first.on_event(e);
      if (second) second->on_event(e);
    }
  } both(narration, options.also);
  model::RunControl control;
  control.observer = options.also ? static_cast<model::TraceObserver*>(&both) : &narration;
  control.interrupted = options.interrupted;
  const model::RunResults results = model::run_scenario(spec, control);
  NarrationReport report = narration.finish(results);
  report.cut_short = results.cut_short;
  return report;
}

}  // namespace report
