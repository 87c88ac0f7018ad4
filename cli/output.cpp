#include "cli/output.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iomanip>
#include <sstream>

#include "cli/utilisation.h"
#include "sim/format.h"

namespace cli {

namespace {

nlohmann::json counts_json(const model::OutcomeCounts& c) {
  return {
      {"attempts", c.attempts},     {"established", c.established},     {"accepted", c.accepted},
      {"refused", c.refused},       {"timed_out", c.timed_out},         {"reset", c.reset},
      {"pending", c.pending},       {"refusal_rate", c.refusal_rate()}, {"failure_rate", c.failure_rate()},
      {"loss_rate", c.loss_rate()},
  };
}

double ms(std::int64_t ns) { return static_cast<double>(ns) / 1e6; }

nlohmann::json percentiles_ms(const sim::Histogram& h) {
  return {
      {"count", h.count()},
      {"mean", h.mean() / 1e6},
      {"p50", ms(h.percentile(0.50))},
      {"p90", ms(h.percentile(0.90))},
      {"p99", ms(h.percentile(0.99))},
      {"p999", ms(h.percentile(0.999))},
      {"max", ms(h.max())},
  };
}

nlohmann::json utilisation_json(const model::ListenerResults& l, model::ArrivalKind arrivals) {
  const Utilisation u = utilisation(l, arrivals);
  nlohmann::json j = {
      {"servers", l.servers},
      {"servers_are", l.servers_are_loops ? "loops" : "workers"},
      {"arrival_rate_per_s", u.arrival_rate},
      {"offered_erlangs", u.offered},
      {"rho", u.rho},
      {"busy_fraction", u.busy},
      {"service_mean_ms", l.service_mean_s * 1e3},
      {"queue_places", l.queue_places},
      {"reference", std::string(u.assumptions)},
  };
  if (l.pooled_requests > 0) j["pooled_requests"] = l.pooled_requests;
  if (u.mmck_blocking) j["mmck_blocking"] = *u.mmck_blocking;
  if (u.mmck_waiting) j["mmck_waiting"] = *u.mmck_waiting;
  if (u.erlang_c) j["erlang_c_waiting"] = *u.erlang_c;
  return j;
}

nlohmann::json queue_json(const model::QueueStats& q) {
  return {{"mean", q.mean}, {"max", q.max}, {"full_fraction", q.full_fraction}};
}

// "web:80"; a socket of a reuseport group: "web:80#2" (its second socket).
std::string listener_id(const model::ListenerResults& l) {
  std::string id = l.host + ":" + std::to_string(l.port);
  if (l.reuseport_sockets > 0) id += "#" + std::to_string(l.reuseport_socket);
  return id;
}

// Fixed-width cells for the summary table.
std::string cell(const std::string& s, int width) {
  std::string out = s;
  if (static_cast<int>(out.size()) < width) out.insert(0, static_cast<std::size_t>(width) - out.size(), ' ');
  return out;
}
std::string left(const std::string& s, int width) {
  std::string out = s;
  if (static_cast<int>(out.size()) < width) out.append(static_cast<std::size_t>(width) - out.size(), ' ');
  return out;
}
std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}
std::string percent(double fraction) { return fixed(100.0 * fraction, 2) + "%"; }

// What a successful call returned, as the script table shows it: a listen()'s effective
// backlog, a socket()'s or accept()'s descriptor; nothing for calls that return only 0.
std::string returned_value(const model::ScriptResult& st) {
  if (st.result != "OK") return "";
  if (st.call == "listen") return " backlog " + std::to_string(st.value);
  if (st.call == "socket" || st.call == "accept") return " fd " + std::to_string(st.value);
  return "";
}

// ---- The proxy tier (ProxySpec): request results, per proxy and per backend ----------

nlohmann::json request_counts_json(const model::RequestCounts& c) {
  return {
      {"requests", c.requests},
      {"ok", c.ok},
      {"bad_gateway", c.bad_gateway},
      {"gateway_timeout", c.gateway_timeout},
      {"unavailable", c.unavailable},
      {"pending", c.pending},
      {"status_5xx_rate", c.status_5xx_rate()},
      {"bad_gateway_rate", c.share_of_decided(c.bad_gateway)},
      {"gateway_timeout_rate", c.share_of_decided(c.gateway_timeout)},
      {"unavailable_rate", c.share_of_decided(c.unavailable)},
  };
}

nlohmann::json proxies_json(const std::vector<model::ProxyResults>& proxies) {
  nlohmann::json all = nlohmann::json::array();
  for (const model::ProxyResults& p : proxies) {
    nlohmann::json backends = nlohmann::json::array();
    for (const model::UpstreamResults& u : p.backends) {
      backends.push_back({{"backend", u.host + ":" + std::to_string(u.port)},
                          {"tries", u.tries},
                          {"reused", u.reused},
                          {"connects", u.connects},
                          {"refused", u.refused},
                          {"timed_out", u.timed_out},
                          {"ok", u.ok},
                          {"marked_down", u.marked_down},
                          {"max_open", u.max_open},
                          {"connect_latency_ms", percentiles_ms(u.connect_latency)}});
    }
    all.push_back({{"proxy", p.host + ":" + std::to_string(p.port)},
                   {"requests", request_counts_json(p.requests)},
                   {"next_upstream", p.next_upstream},
                   {"queued", p.queued},
                   {"queue_full", p.queue_full},
                   {"queue_timeouts", p.queue_timeouts},
                   {"no_backend", p.no_backend},
                   {"queue", queue_json(p.queue)},
                   {"queue_wait_ms", percentiles_ms(p.queue_wait)},
                   {"first_byte_ms", percentiles_ms(p.first_byte)},
                   {"backends", std::move(backends)}});
  }
  return all;
}

// "p50 / p99" in ms, to 3 decimals ("-" for no value): every table's latency column.
std::string p50_p99(const sim::Histogram& h) {
  if (h.count() == 0) return "-";
  return fixed(ms(h.percentile(0.5)), 3) + " / " + fixed(ms(h.percentile(0.99)), 3);
}

// What the clients' requests through proxies got, then what each proxy did and what each
// of its backends did. Nothing when the scenario has no proxy.
void print_proxy_tables(std::ostream& out, const model::RunResults& r) {
  if (r.proxies.empty()) return;
  const auto request_cells = [&](const model::RequestCounts& c) {
    out << cell(std::to_string(c.requests), 10) << cell(std::to_string(c.ok), 10)
        << cell(std::to_string(c.bad_gateway), 8) << cell(std::to_string(c.unavailable), 8)
        << cell(std::to_string(c.gateway_timeout), 8) << cell(std::to_string(c.pending), 9)
        << cell(percent(c.status_5xx_rate()), 9);
  };
  out << "\n"
      << left("client requests", 22) << cell("requests", 10) << cell("ok", 10) << cell("502", 8) << cell("503", 8)
      << cell("504", 8) << cell("pending", 9) << cell("5xx", 9) << "   first byte ms p50 / p99   5xx retries\n";
  for (const model::ClientResults& c : r.clients) {
    if (!c.through_proxy) continue;
    out << left(c.name, 22);
    request_cells(c.requests);
    out << "   " << left(p50_p99(c.first_byte), 23) << cell(std::to_string(c.retries_on_5xx), 12) << "\n";
  }
  out << "requests: the client's connections a proxy accepted; 5xx: (502 + 503 + 504) / decided (requests - "
         "pending); first byte: from connect() to the response\n";
  out << "\n"
      << left("proxy", 22) << cell("requests", 10) << cell("ok", 10) << cell("502", 8) << cell("503", 8)
      << cell("504", 8) << cell("pending", 9) << cell("5xx", 9) << cell("next up.", 10) << cell("queued", 9)
      << cell("full", 8) << cell("q. t/o", 8) << cell("no backend", 12) << "   queue wait ms p50 / p99\n";
  for (const model::ProxyResults& p : r.proxies) {
    out << left(p.host + ":" + std::to_string(p.port), 22);
    request_cells(p.requests);
    out << cell(std::to_string(p.next_upstream), 10) << cell(std::to_string(p.queued), 9)
        << cell(std::to_string(p.queue_full), 8) << cell(std::to_string(p.queue_timeouts), 8)
        << cell(std::to_string(p.no_backend), 12) << "   " << p50_p99(p.queue_wait) << "\n";
  }
  out << "\n"
      << left("proxy", 22) << left("backend", 22) << cell("tries", 9) << cell("reused", 9) << cell("connects", 10)
      << cell("refused", 9) << cell("timed out", 11) << cell("ok", 9) << cell("marked down", 13) << cell("max open", 10)
      << "\n";
  for (const model::ProxyResults& p : r.proxies) {
    for (const model::UpstreamResults& u : p.backends) {
      out << left(p.host + ":" + std::to_string(p.port), 22) << left(u.host + ":" + std::to_string(u.port), 22)
          << cell(std::to_string(u.tries), 9) << cell(std::to_string(u.reused), 9)
          << cell(std::to_string(u.connects), 10) << cell(std::to_string(u.refused), 9)
          << cell(std::to_string(u.timed_out), 11) << cell(std::to_string(u.ok), 9)
          << cell(std::to_string(u.marked_down), 13) << cell(std::to_string(u.max_open), 10) << "\n";
    }
  }
  out << "tries: requests sent to the backend (first tries and next_upstream retries); reused: over an idle "
         "keep-alive connection; connects: new upstream connect() calls\n";
}

}  // namespace

std::string digest_hex(std::uint64_t digest) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(digest));
  return buf;
}

nlohmann::json results_json(const model::RunResults& r) {
  nlohmann::json j;
  j["scenario"] = r.scenario;
  j["seed"] = r.seed;
  j["digest"] = digest_hex(r.digest);
  j["events"] = r.events;
  j["sim_time_s"] = r.end.seconds();
  // A run cut short reports what it did up to that instant; say so before anything else.
  j["complete"] = r.cut_short == model::CutShort::kNo;
  if (r.cut_short != model::CutShort::kNo) j["cut_short"] = std::string(model::cut_short_name(r.cut_short));
  j["interrupted"] = r.cut_short == model::CutShort::kInterrupted;
  if (r.window) j["window"] = {{"from_s", r.window->from.seconds()}, {"to_s", r.window->to.seconds()}};
  j["totals"] = counts_json(r.totals);
  j["totals"]["connect_latency_ms"] = percentiles_ms(r.pooled_connect_latency());
  j["clients"] = nlohmann::json::object();
  for (const auto& c : r.clients) {
    nlohmann::json cj = counts_json(c.counts);
    cj["connect_latency_ms"] = percentiles_ms(c.connect_latency);
    cj["syn_retransmits"] = c.syn_retransmits;
    cj["app_retries"] = c.app_retries;
    cj["segments_lost"] = c.segments_lost;
    if (c.spoofed) cj["spoofed_syns"] = c.spoofed_syns;
    if (c.sends_data) cj["first_data"] = {{"sent", c.data_sent}, {"retransmits", c.data_retransmits}};
    if (c.through_proxy) {
      cj["requests"] = request_counts_json(c.requests);
      cj["requests"]["first_byte_ms"] = percentiles_ms(c.first_byte);
      cj["requests"]["retries_on_5xx"] = c.retries_on_5xx;
    }
    // Only for a group with an OS mix: per OS, its share and its attempts' fates.
    if (!c.os_mix.empty()) {
      nlohmann::json mix = nlohmann::json::object();
      for (const model::OsResults& o : c.os_mix) {
        nlohmann::json oj = counts_json(o.counts);
        oj["share"] = o.share;
        oj["connect_latency_ms"] = percentiles_ms(o.connect_latency);
        mix[o.os] = std::move(oj);
      }
      cj["os_mix"] = std::move(mix);
    }
    j["clients"][c.name] = std::move(cj);
  }
  j["listeners"] = nlohmann::json::object();
  for (const auto& l : r.listeners) {
    j["listeners"][listener_id(l)] = {
        {"backlog", l.backlog},
        {"syns_received", l.syns_received},
        {"syns_dropped", l.syns_dropped},
        {"listen_overflows", l.listen_overflows},
        {"syncookies_sent", l.syncookies_sent},
        {"synacks_retransmitted", l.synacks_retransmitted},
        {"acks_dropped", l.acks_dropped},
        {"resets_sent", l.resets_sent},
        {"requests_expired", l.requests_expired},
        {"accepted", l.accepted},
        {"accept_queue", queue_json(l.accept_queue)},
        {"syn_queue", queue_json(l.syn_queue)},
        {"accept_wait_ms", percentiles_ms(l.accept_wait)},
        {"utilisation", utilisation_json(l, r.arrivals)},
    };
    if (l.defer_accept_retransmits > 0) {
      j["listeners"][listener_id(l)]["defer_accept"] = {
          {"retransmits", l.defer_accept_retransmits},      {"bare_acks_kept", l.defer_acks_kept},
          {"completed_by_data", l.defer_completed_by_data}, {"deferred_completions", l.defer_completed_without_data},
          {"expired_while_acked", l.defer_expired_acked},
      };
    }
    if (l.reuseport_sockets > 0) {
      j["listeners"][listener_id(l)]["reuseport"] = {
          {"socket", l.reuseport_socket}, {"sockets", l.reuseport_sockets}, {"requests_migrated", l.requests_migrated}};
    }
  }
  if (!r.balancers.empty()) {
    j["balancers"] = nlohmann::json::object();
    for (const auto& b : r.balancers) {
      nlohmann::json backends = nlohmann::json::object();
      for (const auto& be : b.backends) {
        backends[be.host + ":" + std::to_string(be.port)] = {
            {"assigned", be.assigned}, {"marked_down", be.marked_down}, {"max_active", be.max_active}};
      }
      j["balancers"][b.name] = {{"backends", std::move(backends)}};
    }
  }
  if (!r.loops.empty()) {
    // Event loops, listener by listener: each loop's CPU, accepts, wake-ups, connections.
    j["loops"] = nlohmann::json::object();
    for (const auto& lp : r.loops) {
      const std::string id =
          lp.host + ":" + std::to_string(lp.port) + (lp.socket > 0 ? "#" + std::to_string(lp.socket) : "");
      if (!j["loops"].contains(id)) j["loops"][id] = nlohmann::json::array();
      j["loops"][id].push_back({{"loop", lp.loop},
                                {"busy_fraction", lp.busy_fraction},
                                {"accepted", lp.accepted},
                                {"wakeups", lp.wakeups},
                                {"wasted_wakeups", lp.wasted_wakeups},
                                {"max_connections", lp.max_connections},
                                {"open_connections", queue_json(lp.open)}});
    }
  }
  if (!r.proxies.empty()) {
    j["proxies"] = proxies_json(r.proxies);
    j["totals"]["requests"] = request_counts_json(r.requests);
  }
  if (!r.script.empty()) {
    nlohmann::json steps = nlohmann::json::array();
    for (const auto& st : r.script) {
      nlohmann::json sj = {{"at_s", st.at.seconds()}, {"line", st.line},   {"host", st.host}, {"call", st.call},
                           {"result", st.result},     {"value", st.value}, {"met", st.met()}};
      if (!st.expected.empty()) sj["expected"] = st.expected;
      if (!st.why.empty()) sj["why"] = st.why;
      steps.push_back(std::move(sj));
    }
    j["script"] = std::move(steps);
    j["expectations_met"] = r.expectations_met();
  }
  return j;
}

void print_summary(std::ostream& terminal, const model::RunResults& r) {
  std::ostringstream out;
  out << "scenario " << r.scenario << "  seed " << r.seed << "  simulated " << sim::format_number(r.end.seconds())
      << " s  events " << r.events << "\n";
  if (r.window) {
    out << "measured: attempts started in [" << sim::format_seconds(r.window->from) << " s, "
        << sim::format_seconds(r.window->to) << " s); queues and busy workers over that span\n";
  }
  out << "\n";

  out << left("client", 16) << cell("attempts", 10) << cell("estab.", 10) << cell("accepted", 10) << cell("refused", 9)
      << cell("timeout", 9) << cell("reset", 8) << cell("pending", 9) << cell("refusal", 9) << cell("failure", 9)
      << cell("loss", 9) << "   connect ms p50 / p99 / max\n";
  auto client_row = [&](const std::string& name, const model::OutcomeCounts& c, const sim::Histogram* lat) {
    out << left(name, 16) << cell(std::to_string(c.attempts), 10) << cell(std::to_string(c.established), 10)
        << cell(std::to_string(c.accepted), 10) << cell(std::to_string(c.refused), 9)
        << cell(std::to_string(c.timed_out), 9) << cell(std::to_string(c.reset), 8)
        << cell(std::to_string(c.pending), 9) << cell(percent(c.refusal_rate()), 9)
        << cell(percent(c.failure_rate()), 9) << cell(percent(c.loss_rate()), 9);
    if (lat && lat->count() > 0) {
      out << "   " << p50_p99(*lat) << " / " << fixed(ms(lat->max()), 3);
    }
    out << "\n";
  };
  for (const auto& c : r.clients) {
    if (c.spoofed) {
      out << left(c.name, 16) << "spoofed: " << c.spoofed_syns << " forged SYNs, no connect() calls\n";
    } else {
      client_row(c.name, c.counts, &c.connect_latency);
      // A mixed group's OSes under it.
      for (const model::OsResults& o : c.os_mix) client_row("  " + o.os, o.counts, &o.connect_latency);
    }
  }
  const sim::Histogram pooled = r.pooled_connect_latency();
  if (r.clients.size() > 1) client_row("(all)", r.totals, &pooled);
  out << "failure: not accepted / attempts (open at the end included); loss: failed / decided "
         "(refused + timeout + reset) / (attempts - pending)\n";

  out << "\n"
      << left("listener", 22) << cell("backlog", 8) << cell("SYNs", 10) << cell("dropped", 9) << cell("cookies", 9)
      << cell("RSTs", 9) << cell("accepted", 10) << "   accept queue mean / max / full    SYN queue mean / max\n";
  for (const auto& l : r.listeners) {
    out << left(listener_id(l), 22) << cell(std::to_string(l.backlog), 8) << cell(std::to_string(l.syns_received), 10)
        << cell(std::to_string(l.syns_dropped), 9) << cell(std::to_string(l.syncookies_sent), 9)
        << cell(std::to_string(l.resets_sent), 9) << cell(std::to_string(l.accepted), 10) << "   "
        << cell(fixed(l.accept_queue.mean, 2), 10) << " / " << l.accept_queue.max << " / "
        << percent(l.accept_queue.full_fraction) << "    " << fixed(l.syn_queue.mean, 2) << " / " << l.syn_queue.max
        << "\n";
  }
  const bool served = std::any_of(r.listeners.begin(), r.listeners.end(),
                                  [](const model::ListenerResults& l) { return l.servers > 0; });
  if (served) {
    out << "\n"
        << left("listener", 22) << cell("servers", 8) << cell("offered", 10) << cell("rho", 8) << cell("busy", 9)
        << cell("M/M/c/K loss", 14) << cell("Erlang C wait", 15) << "\n";
    for (const auto& l : r.listeners) {
      if (l.servers == 0) continue;  // a script's socket nobody serves: nothing to utilise
      const Utilisation u = utilisation(l, r.arrivals);
      auto shown = [](double v, const std::string& text) { return std::isnan(v) ? std::string("-") : text; };
      out << left(listener_id(l), 22) << cell(std::to_string(l.servers), 8) << cell(fixed(u.offered, 2), 10)
          << cell(shown(u.rho, fixed(u.rho, 3)), 8) << cell(shown(u.busy, percent(u.busy)), 9)
          << cell(u.mmck_blocking ? percent(*u.mmck_blocking) : "-", 14)
          << cell(u.erlang_c ? percent(*u.erlang_c) : "-", 15) << "   " << u.assumptions << "\n";
    }
    out << "offered: lambda*E[S] in erlangs (lambda: connections reaching it per second); rho: offered / servers "
           "(workers or event loops); "
           "busy: measured; M/M/c/K (c = workers, K = accept-queue places) and Erlang C: references only\n";
    if (std::any_of(r.listeners.begin(), r.listeners.end(),
                    [](const model::ListenerResults& l) { return l.pooled_requests > 0; })) {
      out << "lambda also counts requests over a proxy's pooled upstream connections, which reach the listener "
             "without a SYN\n";
    }
  }
  if (!r.balancers.empty()) {
    out << "\n"
        << left("balancer", 12) << left("backend", 22) << cell("assigned", 10) << cell("marked down", 13)
        << cell("max active", 12) << "\n";
    for (const auto& b : r.balancers) {
      for (const auto& be : b.backends) {
        out << left(b.name, 12) << left(be.host + ":" + std::to_string(be.port), 22)
            << cell(std::to_string(be.assigned), 10) << cell(std::to_string(be.marked_down), 13)
            << cell(std::to_string(be.max_active), 12) << "\n";
      }
    }
  }
  if (!r.loops.empty()) {
    out << "\n"
        << left("event loop", 26) << cell("busy", 8) << cell("accepted", 10) << cell("wake-ups", 10)
        << cell("wasted", 9) << "   open mean / max / at max_connections\n";
    for (const auto& lp : r.loops) {
      const std::string socket = lp.socket > 0 ? "#" + std::to_string(lp.socket) + " loop " : " #";
      out << left(lp.host + ":" + std::to_string(lp.port) + socket + std::to_string(lp.loop), 26)
          << cell(percent(lp.busy_fraction), 8) << cell(std::to_string(lp.accepted), 10)
          << cell(std::to_string(lp.wakeups), 10) << cell(std::to_string(lp.wasted_wakeups), 9) << "   "
          << cell(fixed(lp.open.mean, 1), 9) << " / " << lp.open.max << " of " << lp.max_connections << " / "
          << percent(lp.open.full_fraction) << "\n";
    }
  }
  print_proxy_tables(out, r);
  if (!r.script.empty()) {
    out << "\nscript\n";
    for (const auto& st : r.script) {
      out << "  " << left("t=" + sim::format_seconds(st.at) + " s", 14) << left("line " + std::to_string(st.line), 10)
          << left(st.host, 12) << left(st.call, 11) << "-> " << left(st.result + returned_value(st), 18);
      if (!st.expected.empty()) out << (st.met() ? "as expected" : "EXPECTED " + st.expected);
      out << "\n";
      if (!st.why.empty()) out << "  " << left("", 36) << "   " << st.result << ": " << st.why << "\n";
    }
  }
  out << "\ndigest " << digest_hex(r.digest) << "\n";
  // Names come from the scenario: no control character of theirs reaches the terminal.
  const std::string text = out.str();
  std::size_t begin = 0;
  while (begin < text.size()) {
    const std::size_t end = std::min(text.find('\n', begin), text.size());
    terminal << sim::printable(std::string_view(text).substr(begin, end - begin)) << "\n";
    begin = end + 1;
  }
}

}  // namespace cli
