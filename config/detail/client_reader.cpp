#include "config/detail/client_reader.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>
#include <variant>

#include "config/detail/arrival_reader.h"
#include "config/detail/distribution_reader.h"
#include "config/detail/host_reader.h"
#include "config/suggest.h"
#include "sim/format.h"

namespace config::detail {

namespace {

using model::Os;

constexpr std::string_view kClientKeys[] = {"os",          "kernel",          "target", "spoofed",   "arrivals",
                                            "syn_retries", "connect_timeout", "retry",  "first_data"};
constexpr std::string_view kRetryKeys[] = {"policy", "max", "backoff", "factor", "jitter", "cap", "give_up", "on"};
// `retry: {on: [...]}`, in the order of model::RetryOn's bits.
constexpr std::string_view kRetryOn[] = {"refused", "timed_out", "reset", "5xx"};
constexpr std::uint8_t kRetryOnBits[] = {model::kRetryOnRefused, model::kRetryOnTimedOut, model::kRetryOnReset,
                                         model::kRetryOn5xx};
static_assert(std::size(kRetryOn) == std::size(kRetryOnBits));

// Retry policies, indexed by model::RetryPolicy's value.
constexpr std::string_view kRetryPolicies[] = {"none", "fixed", "exponential", "full_jitter", "decorrelated_jitter"};
static_assert(std::size(kRetryPolicies) == static_cast<std::size_t>(model::RetryPolicy::kDecorrelatedJitter) + 1);

// The keys of `retry:` that not every policy takes, and why a policy ignores one.
struct RetryKeyRule {
  std::string_view key;
  std::string_view why_not[std::size(kRetryPolicies)];  // empty: the policy takes the key
};
constexpr std::string_view kNeverRetries = "it never retries";
constexpr RetryKeyRule kRetryKeyRules[] = {
    {"backoff", {kNeverRetries, "", "", "", ""}},
    {"factor",
     {kNeverRetries, "its delay is always backoff", "", "",
      "each delay is drawn from [backoff, 3 x the previous delay]: the 3 is part of its definition"}},
    {"jitter",
     {kNeverRetries, "", "", "its delay is already uniform on [0, backoff x factor^k]",
      "its delay is already uniform on [backoff, 3 x the previous delay]"}},
    {"cap", {kNeverRetries, "its delay is always backoff, so there is nothing to cap", "", "", ""}},
    {"give_up", {kNeverRetries, "", "", "", ""}},
    {"on", {kNeverRetries, "", "", "", ""}},
};

// What a spoofed client group may not have, and why.
struct SpoofedExclusion {
  std::string_view key;
  std::string_view why;
};
constexpr SpoofedExclusion kNotForSpoofed[] = {
    {"syn_retries", "its forged SYNs are sent once from addresses that never answer: nothing retransmits them"},
    {"kernel", "its forged SYNs are sent once from addresses that never answer: no client kernel reads a knob"},
    {"connect_timeout", "it makes no connect() calls, so none can time out"},
    {"retry", "it makes no connect() calls, so none can be retried"},
    {"first_data", "it makes no connect() calls, so no connection of its ever sends data"},
};

constexpr std::string_view kNever = "never";

// `first_data`: a duration, `never`, or a distribution of durations.
std::optional<sim::DurationDist> read_first_data(DiagnosticSink& sink, const Field& f) {
  if (f.node.IsMap()) return read_distribution(sink, f);
  if (f.node.IsScalar() && f.node.Scalar() == kNever) return sim::ConstantDist{sim::Duration::infinite()};
  if (!f.node.IsScalar()) {
    sink.error(f.mark, f.path,
               "expected a duration such as 2s, never, or a distribution such as {dist: "
               "exponential, mean: 500ms}");
    return std::nullopt;
  }
  const auto d = read_duration(sink, f);
  if (!d) return std::nullopt;
  return sim::ConstantDist{*d};
}

constexpr std::int64_t kMaxSynRetries = 127;
constexpr std::int64_t kMaxRetries = 1000;

// The format's default, also for a client without `retry:` so the spec reads the same
// either way: no retries, and exponential backoff should `max` be raised (by a sweep).
model::RetrySpec default_retry() {
  model::RetrySpec retry;
  retry.factor = 2.0;
  return retry;
}

// A spoofed group makes no connect() calls: the keys that shape them are errors.
void reject_for_spoofed(DiagnosticSink& sink, const MapReader& m) {
  for (const SpoofedExclusion& x : kNotForSpoofed) {
    if (const auto f = m.get(x.key)) {
      sink.error(m.key_mark(x.key), f->path,
                 "a spoofed client takes no " + std::string(x.key) + ": " + std::string(x.why));
    }
  }
}

// Whether a connection of the client can end in a request result (a 5xx): its target is the
// listener a proxy serves. (Through a balancer in front of a proxy the proxy answers too,
// but the model reports request results only to a group that targets the proxy itself: no
// 5xx reaches such a group, so it cannot retry one.) nullopt: the target is unknown, or is a
// host whose `proxy:` section has an error of its own (reported there: it may have been
// meant for this very port).
std::optional<bool> reaches_proxy(const ScenarioDraft& draft, const model::ClientSpec& client) {
  if (client.balancer) return false;
  if (client.target_port == 0) return std::nullopt;
  const std::optional<model::ProxySpec>& p = draft.spec.hosts[client.target_host].proxy;
  if (p) return p->port == client.target_port;
  const bool proxy_unread = std::any_of(draft.proxy_fields.begin(), draft.proxy_fields.end(),
                                        [&](const auto& written) { return written.first == client.target_host; });
  if (proxy_unread) return std::nullopt;
  return false;
}

// `on: [refused, timed_out, reset, 5xx]`: the bit set of model::RetryOn. 5xx needs a target
// that can answer with one (`proxied`): on any other target it could never happen, so
// writing it is a mistake (most likely a target naming the backend instead of its proxy).
void read_retry_on(DiagnosticSink& sink, const Field& f, std::optional<bool> proxied, std::uint8_t& on) {
  if (!expect_sequence(sink, f, "a list such as [refused, timed_out, 5xx]")) return;
  if (f.node.size() == 0) {
    sink.error(f.mark, f.path,
               "retry on nothing never retries: list at least one of refused, timed_out, reset, 5xx (or leave max "
               "at 0)");
    return;
  }
  std::uint8_t bits = 0;
  for (std::size_t i = 0; i < f.node.size(); ++i) {
    const Field e = element(f, i);
    const auto c = read_choice(sink, e, "retry condition", kRetryOn);
    if (!c) continue;
    if ((bits & kRetryOnBits[*c]) != 0) {
      sink.error(e.mark, e.path, quote(kRetryOn[*c]) + " is listed twice");
      continue;
    }
    if (kRetryOnBits[*c] == model::kRetryOn5xx && proxied && !*proxied) {
      sink.error(e.mark, e.path,
                 "5xx: only a proxy answers a request with 502, 503 or 504, and this client's target is not a "
                 "proxy's listener (give a host proxy: and target its port; a balancer in front of a proxy does "
                 "not pass its status codes back to the group)");
      continue;
    }
    bits |= kRetryOnBits[*c];
  }
  on = bits;
}

model::RetrySpec read_retry(DiagnosticSink& sink, const Field& f, std::optional<bool> proxied) {
  model::RetrySpec retry = default_retry();
  MapReader m(sink, f, kRetryKeys);
  if (!m.is_map()) return retry;
  bool policy_known = true;  // else the keys are checked, not their fit to the policy
  if (const auto pf = m.get("policy")) {
    const auto p = read_choice(sink, *pf, "retry policy", kRetryPolicies);
    if (p) retry.policy = static_cast<model::RetryPolicy>(*p);
    policy_known = p.has_value();
  }
  const auto policy_index = static_cast<std::size_t>(retry.policy);
  const std::string policy_name(kRetryPolicies[policy_index]);
  // A key the policy does not take is an error at the key, saying why; nullopt then.
  const auto get = [&](std::string_view key) -> std::optional<Field> {
    std::optional<Field> field = m.get(key);
    if (!field || !policy_known) return field;
    for (const RetryKeyRule& rule : kRetryKeyRules) {
      if (rule.key != key || rule.why_not[policy_index].empty()) continue;
      sink.error(m.key_mark(key), field->path,
                 std::string(key) + " does not apply to retry policy " + policy_name + ": " +
                     std::string(rule.why_not[policy_index]));
      return std::nullopt;
    }
    return field;
  };
  if (const auto mf = m.get("max")) {
    if (const auto v = read_integer(sink, *mf, 0, kMaxRetries)) {
      retry.max = static_cast<int>(*v);
      if (policy_known && retry.policy == model::RetryPolicy::kNone && *v > 0) {
        sink.error(mf->mark, mf->path,
                   "retry policy none never retries: max must be 0 (or pick a policy such as exponential)");
      }
    }
  }
  // Without a backoff the retries of a whole client group would all land at once.
  const bool retries = retry.max > 0 && retry.policy != model::RetryPolicy::kNone;
  std::optional<Field> bf = get("backoff");
  if (!bf && retries) bf = m.require("backoff", "when max > 0");
  std::optional<sim::Duration> backoff;
  if (bf) {
    backoff = read_duration(sink, *bf);
    if (backoff) retry.backoff = *backoff;
  }
  if (const auto ff = get("factor")) {
    if (const auto v = read_number(sink, *ff, NumberRange::at_least(1))) retry.factor = *v;
  }
  if (const auto jf = get("jitter")) {
    if (const auto v = read_number(sink, *jf, NumberRange::between(0, 1))) retry.jitter = *v;
  }
  if (const auto cf = get("cap")) {
    if (const auto cap = read_duration(sink, *cf)) {
      retry.cap = *cap;
      if (backoff && *cap < *backoff) {
        sink.error(cf->mark, cf->path,
                   "cap (" + sim::format_duration(*cap) + ") must be >= backoff (" + sim::format_duration(*backoff) +
                       "): the first delay is backoff");
      }
    }
  }
  if (const auto gf = get("give_up")) {
    if (const auto v = read_duration(sink, *gf, DurationRange::positive())) retry.give_up = *v;
  }
  if (const auto of = get("on")) read_retry_on(sink, *of, proxied, retry.on);
  return retry;
}

// `os: {linux: 70%, windows: 30%}`: each OS once, each share a percentage in (0, 100],
// summing to 100%.
std::vector<model::OsShare> read_os_mix(DiagnosticSink& sink, const Field& f) {
  const MapReader m = MapReader::of_names(sink, f);
  std::vector<model::OsShare> mix;
  double total = 0;
  bool ok = m.is_map() && !m.entries().empty();
  if (m.is_map() && m.entries().empty())
    sink.error(f.mark, f.path, "an OS mix needs at least one OS, e.g. {linux: 70%, windows: 30%}");
  for (const MapReader::Entry& e : m.entries()) {
    const std::optional<Os> os = read_os(sink, Field{YAML::Node(e.key), e.key_mark, f.path});
    const std::optional<std::string> text =
        e.value.node.IsScalar() ? std::optional<std::string>(e.value.node.Scalar()) : std::nullopt;
    double percent = 0;
    bool number = false;
    if (text && text->size() > 1 && text->back() == '%') {
      const char* first = text->data();
      const char* last = text->data() + text->size() - 1;
      const auto [end, ec] = std::from_chars(first, last, percent);
      number = ec == std::errc{} && end == last && percent > 0 && percent <= 100;
    }
    if (!number) {
      sink.error(e.value.mark, e.value.path, "expected a share in (0%, 100%], e.g. 70%");
      ok = false;
      continue;
    }
    if (!os) {
      ok = false;
      continue;
    }
    total += percent;
    mix.push_back(model::OsShare{*os, percent / 100});
  }
  if (ok && std::abs(total - 100) > 1e-9) {
    sink.error(f.mark, f.path, "the shares add up to " + sim::format_number(total) + "%, not 100%");
    ok = false;
  }
  if (!ok) return {};
  return mix;
}

model::ClientSpec read_client(ScenarioDraft& draft, const MapReader::Entry& entry, std::size_t index) {
  DiagnosticSink& sink = draft.sink;
  model::ClientSpec client;
  client.name = entry.key;
  client.retry = default_retry();
  MapReader m(sink, entry.value, kClientKeys);
  if (!m.is_map()) return client;
  if (const auto f = m.get("spoofed")) client.spoofed = read_bool(sink, *f).value_or(false);
  std::optional<Os> os = Os::kLinux;
  if (const auto f = m.get("os"); f && f->node.IsMap()) {
    client.os_mix = read_os_mix(sink, *f);
    os = client.os_mix.empty() ? Os::kLinux : client.os_mix.front().os;
    if (client.spoofed) sink.error(f->mark, f->path, "a spoofed client has no OS of its own to mix");
    if (const auto k = m.get("kernel")) {
      sink.error(k->mark, k->path,
                 "kernel knobs are per OS: a client group with an OS mix takes each OS's defaults (split the group "
                 "to tune one OS)");
    }
  } else if (f) {
    os = read_os(sink, *f);
  }
  client.os = os.value_or(Os::kLinux);
  if (const auto f = m.require("target")) draft.refs.resolve_target(*f, index, client);
  if (const auto f = m.require("arrivals")) {
    if (const auto arrivals = read_arrivals(draft, *f)) {
      client.arrivals = *arrivals;
      if (client.spoofed && std::holds_alternative<model::ClosedLoopArrivals>(*arrivals)) {
        // At the `process` value. (Not by assigning Fields: YAML::Node's operator= writes
        // into the node it refers to.)
        std::optional<Field> process;
        for (auto it = f->node.begin(); it != f->node.end() && !process; ++it) {
          if (it->first.IsScalar() && it->first.Scalar() == "process") {
            process.emplace(Field{it->second, it->second.Mark(), child_path(f->path, "process")});
          }
        }
        if (!process) process.emplace(*f);
        sink.error(process->mark, process->path,
                   "a spoofed client cannot be a closed population: spoofed sources are not users, and no "
                   "connection of theirs ever completes to end a think-connect cycle (use an open process such as "
                   "poisson)");
      }
    }
  }
  if (client.spoofed) {
    reject_for_spoofed(sink, m);
    return client;
  }
  if (const auto f = m.get("kernel"); f && client.os_mix.empty()) {
    model::KernelKnobs knobs = model::default_knobs(client.os);
    read_kernel(sink, *f, os, KernelReader::kClient, knobs);
    client.kernel = knobs;
  }
  if (const auto f = m.get("syn_retries")) {
    if (const auto v = read_integer(sink, *f, 0, kMaxSynRetries)) client.syn_retries = static_cast<int>(*v);
  }
  if (const auto f = m.get("connect_timeout")) {
    if (const auto v = read_duration(sink, *f, DurationRange::positive())) client.connect_timeout = *v;
  }
  if (const auto f = m.get("retry")) client.retry = read_retry(sink, *f, reaches_proxy(draft, client));
  if (const auto f = m.get("first_data")) client.first_data = read_first_data(sink, *f);
  return client;
}

}  // namespace

void read_clients(ScenarioDraft& draft, const Field& f) {
  const MapReader clients = MapReader::of_names(draft.sink, f);
  for (const MapReader::Entry& entry : clients.entries()) {
    draft.refs.add_client(entry);
    const std::size_t index = draft.spec.clients.size();
    draft.spec.clients.push_back(read_client(draft, entry, index));
  }
}

}  // namespace config::detail
