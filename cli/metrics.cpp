#include "cli/metrics.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "cli/output.h"
#include "config/suggest.h"
#include "model/personality.h"

namespace cli {

namespace {

constexpr std::array<MetricInfo, kMetricCount> kMetrics{{
    {"refusal_rate", "refused / attempts: connections answered with RST", "", MetricInfo::Per::kGroup},
    {"failure_rate", "1 - accepted / attempts: every attempt not accepted, those still open at the end included", "",
     MetricInfo::Per::kGroup},
    {"loss_rate",
     "(refused + timed_out + reset) / (attempts - pending): the attempts decided during the run that failed", "",
     MetricInfo::Per::kGroup},
    {"reset_rate", "reset / attempts: connections the client thought established and the server dropped", "",
     MetricInfo::Per::kGroup},
    {"timeout_rate", "timed_out / attempts: connections whose client gave up without an answer", "",
     MetricInfo::Per::kGroup},
    {"connect_p50_ms", "median connect latency over established connections, ms", "connect_reps",
     MetricInfo::Per::kGroup},
    {"connect_p99_ms", "99th percentile connect latency over established connections, ms", "connect_reps",
     MetricInfo::Per::kGroup},
    {"accept_wait_p99_ms", "99th percentile time in an accept queue before accept(), all listeners, ms",
     "accept_wait_reps", MetricInfo::Per::kListener},
    {"accept_full_fraction", "fraction of time the fullest listener's accept queue was full (max over listeners)", "",
     MetricInfo::Per::kListener},
    {"attempts", "connect() calls made during the run", "", MetricInfo::Per::kGroup},
    // The proxy tier: what the requests of connections a proxy accepted got (0 without proxies).
    {"status_5xx_rate", "(502 + 503 + 504) / decided requests through proxies (requests - pending)", "",
     MetricInfo::Per::kGroup, false},
    {"bad_gateway_rate", "502 / decided requests: the upstream refused or reset, no retry left", "",
     MetricInfo::Per::kGroup, false},
    {"gateway_timeout_rate", "504 / decided requests: the upstream connect timed out, no retry left", "",
     MetricInfo::Per::kGroup, false},
    {"unavailable_rate", "503 / decided requests: queue full, queue timeout, or no backend up", "",
     MetricInfo::Per::kGroup, false},
    {"first_byte_p50_ms", "median time from connect() to the response's first byte, decided requests, ms",
     "first_byte_reps", MetricInfo::Per::kGroup, false},
    {"first_byte_p99_ms", "99th percentile time from connect() to the response's first byte, ms", "first_byte_reps",
     MetricInfo::Per::kGroup, false},
    {"proxy_queue_wait_p99_ms", "99th percentile wait in a proxy's queue for a backend's max_connections, ms",
     "proxy_queue_wait_reps", MetricInfo::Per::kProxy},
}};

double ms(std::int64_t ns) { return static_cast<double>(ns) / 1e6; }

double rate(std::uint64_t part, std::uint64_t attempts) {
  return attempts ? static_cast<double>(part) / static_cast<double>(attempts) : 0.0;
}

}  // namespace

std::span<const MetricInfo, kMetricCount> metric_table() { return kMetrics; }

std::optional<std::size_t> find_metric(std::string_view name) {
  for (std::size_t i = 0; i < kMetrics.size(); ++i) {
    if (kMetrics[i].name == name) return i;
  }
  return std::nullopt;
}

namespace {

// What one scope observed of the proxy tier: its requests and their first bytes (a client
// group, the whole run), the wait in a proxy's queue (a proxy, the whole run).
struct RequestScope {
  const model::RequestCounts& requests;
  const sim::Histogram& first_byte;
  const sim::Histogram& queue_wait;
};

// Every metric of metric_table() from what one scope observed: the whole run, one group
// (no accept queue of its own), one listener (no attempts of its own), or one proxy.
std::array<double, kMetricCount> measure_scope(const model::OutcomeCounts& t, const sim::Histogram& latency,
                                               const sim::Histogram& wait, double full, const RequestScope& q) {
  const double nan = std::nan("");
  const auto p = [&](const sim::Histogram& h, double at) { return h.count() ? ms(h.percentile(at)) : nan; };
  return {
      t.refusal_rate(),
      t.failure_rate(),
      t.loss_rate(),
      rate(t.reset, t.attempts),
      rate(t.timed_out, t.attempts),
      latency.count() ? ms(latency.percentile(0.50)) : nan,
      latency.count() ? ms(latency.percentile(0.99)) : nan,
      wait.count() ? ms(wait.percentile(0.99)) : nan,
      full,
      static_cast<double>(t.attempts),
      q.requests.status_5xx_rate(),
      q.requests.share_of_decided(q.requests.bad_gateway),
      q.requests.share_of_decided(q.requests.gateway_timeout),
      q.requests.share_of_decided(q.requests.unavailable),
      p(q.first_byte, 0.50),
      p(q.first_byte, 0.99),
      p(q.queue_wait, 0.99),
  };
}

std::string listener_name(const std::string& host, int port) { return host + ":" + std::to_string(port); }

double measure_selected(const model::RunResults& r, const SelectedMetric& s) {
  const model::RequestCounts no_requests;
  switch (metric_table()[s.metric].per) {
    case MetricInfo::Per::kGroup:
      for (const model::ClientResults& c : r.clients) {
        const sim::Histogram none(c.connect_latency.sub_bits());
        if (c.name == s.selector) {
          return measure_scope(c.counts, c.connect_latency, none, 0, {c.requests, c.first_byte, none})[s.metric];
        }
        // GROUP/OS: one OS of a mixed group (never for a request metric: parse refuses it).
        for (const model::OsResults& o : c.os_mix) {
          if (c.name + "/" + o.os != s.selector) continue;
          return measure_scope(o.counts, o.connect_latency, none, 0, {no_requests, none, none})[s.metric];
        }
      }
      break;
    case MetricInfo::Per::kListener:
      for (const model::ListenerResults& l : r.listeners) {
        if (listener_name(l.host, l.port) != s.selector) continue;
        const sim::Histogram none(l.accept_wait.sub_bits());
        return measure_scope(model::OutcomeCounts{}, none, l.accept_wait, l.accept_queue.full_fraction,
                             {no_requests, none, none})[s.metric];
      }
      break;
    case MetricInfo::Per::kProxy:
      for (const model::ProxyResults& p : r.proxies) {
        if (listener_name(p.host, p.port) != s.selector) continue;
        const sim::Histogram none(p.queue_wait.sub_bits());
        return measure_scope(model::OutcomeCounts{}, none, none, 0, {p.requests, p.first_byte, p.queue_wait})[s.metric];
      }
      break;
  }
  return std::nan("");
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

}  // namespace

MetricValues measure(const model::RunResults& r, std::span<const SelectedMetric> selected) {
  const sim::Histogram latency = r.pooled_connect_latency();
  sim::Histogram wait(r.listeners.empty() ? 7 : r.listeners.front().accept_wait.sub_bits());
  double full = 0;
  for (const model::ListenerResults& l : r.listeners) {
    wait.merge(l.accept_wait);
    full = std::max(full, l.accept_queue.full_fraction);
  }
  sim::Histogram first_byte(latency.sub_bits());
  for (const model::ClientResults& c : r.clients) first_byte.merge(c.first_byte);
  sim::Histogram queue_wait(latency.sub_bits());
  for (const model::ProxyResults& p : r.proxies) queue_wait.merge(p.queue_wait);
  const std::array<double, kMetricCount> all =
      measure_scope(r.totals, latency, wait, full, {r.requests, first_byte, queue_wait});
  MetricValues values(all.begin(), all.end());
  for (const SelectedMetric& s : selected) values.push_back(measure_selected(r, s));
  return values;
}

std::optional<std::variant<SelectedMetric, std::string>> parse_selected_metric(std::string_view text,
                                                                               const model::ScenarioSpec& spec) {
  text = trim(text);
  const std::size_t open = text.find('[');
  if (open == std::string_view::npos) return std::nullopt;
  const std::string where = config::quote(text, 80) + ": ";
  if (text.back() != ']') return where + "expected METRIC[GROUP] or METRIC[HOST:PORT]";
  const std::string_view name = trim(text.substr(0, open));
  const std::string_view selector = trim(text.substr(open + 1, text.size() - open - 2));
  const auto metric = find_metric(name);
  if (!metric) {
    std::vector<std::string_view> names;
    for (const MetricInfo& m : metric_table()) names.push_back(m.name);
    return where + "unknown metric " + config::quote(name) + config::suggestion_suffix(name, names);
  }
  std::vector<std::string> known;
  std::string kind;
  if (metric_table()[*metric].per == MetricInfo::Per::kGroup) {
    kind = "client group";
    for (const model::ClientSpec& c : spec.clients) {
      known.push_back(c.name);
      if (!metric_table()[*metric].per_os) continue;  // requests are not split by OS
      for (const model::OsShare& o : c.os_mix) known.push_back(c.name + "/" + std::string(model::os_name(o.os)));
    }
  } else if (metric_table()[*metric].per == MetricInfo::Per::kListener) {
    kind = "listener (HOST:PORT)";
    for (const model::HostSpec& h : spec.hosts) {
      for (const model::ListenerSpec& l : h.listeners) known.push_back(listener_name(h.name, l.port));
    }
  } else {
    kind = "proxy (HOST:PORT)";
    for (const model::HostSpec& h : spec.hosts) {
      if (h.proxy) known.push_back(listener_name(h.name, h.proxy->port));
    }
  }
  if (std::find(known.begin(), known.end(), selector) == known.end()) {
    const std::vector<std::string_view> views(known.begin(), known.end());
    return where + std::string(name) + " is measured per " + kind + ", and the scenario has no " + kind + " " +
           config::quote(selector) +
           (known.empty() ? std::string(" (it has none)") : config::suggestion_suffix(selector, views));
  }
  return SelectedMetric{*metric, std::string(selector), std::string(name) + "[" + std::string(selector) + "]"};
}

std::variant<std::vector<SelectedMetric>, std::string> parse_metric_list(std::string_view list,
                                                                         const model::ScenarioSpec& spec) {
  std::vector<SelectedMetric> selected;
  while (true) {
    // Commas inside [...] belong to the selector.
    std::size_t end = 0;
    int depth = 0;
    while (end < list.size() && !(list[end] == ',' && depth == 0)) {
      depth += list[end] == '[' ? 1 : list[end] == ']' ? -1 : 0;
      ++end;
    }
    const std::string_view item = trim(list.substr(0, end));
    auto parsed = parse_selected_metric(item, spec);
    if (!parsed) {
      return "--metrics: " + config::quote(item, 80) +
             ": expected METRIC[GROUP] or METRIC[HOST:PORT] (the whole-run metrics are always written)";
    }
    if (const auto* e = std::get_if<std::string>(&*parsed)) return "--metrics: " + *e;
    SelectedMetric m = std::get<SelectedMetric>(std::move(*parsed));
    const bool seen = std::any_of(selected.begin(), selected.end(), [&](const auto& s) { return s.name == m.name; });
    if (!seen) selected.push_back(std::move(m));
    if (end >= list.size()) break;
    list.remove_prefix(end + 1);
  }
  return selected;
}

sim::MeanCI summarize(std::span<const double> samples, double confidence) {
  std::vector<double> kept;
  kept.reserve(samples.size());
  for (double x : samples) {
    if (!std::isnan(x)) kept.push_back(x);
  }
  return sim::mean_confidence_interval(kept, confidence);
}

}  // namespace cli
