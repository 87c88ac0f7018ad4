#include "config/detail/host_reader.h"

#include <string>
#include <string_view>
#include <vector>

#include "config/detail/listener_reader.h"
#include "config/suggest.h"

namespace config::detail {

namespace {

using model::Os;

constexpr std::string_view kHostKeys[] = {"os", "kernel", "max_sockets", "socket_buffers", "listeners", "proxy"};

std::vector<std::string_view> os_names() {
  std::vector<std::string_view> names;
  for (Os os : model::all_oses()) names.push_back(model::os_name(os));
  return names;
}

std::vector<std::string_view> knob_names() {
  std::vector<std::string_view> names;
  for (const model::KnobInfo& k : model::knob_table()) names.push_back(k.name);
  return names;
}

const model::KnobInfo* find_knob(std::string_view name) {
  for (const model::KnobInfo& k : model::knob_table()) {
    if (k.name == name) return &k;
  }
  return nullptr;
}

std::string oses_of(const model::KnobInfo& knob) {
  std::string out;
  for (Os os : model::all_oses()) {
    if (!knob.applies_to(os)) continue;
    if (!out.empty()) out += ", ";
    out += model::os_name(os);
  }
  return out;
}

}  // namespace

void read_kernel(DiagnosticSink& sink, const Field& f, std::optional<Os> os, KernelReader reader,
                 model::KernelKnobs& knobs) {
  const MapReader kernel = MapReader::of_names(sink, f);
  const std::vector<std::string_view> names = knob_names();
  const std::string_view owner = reader == KernelReader::kHost ? " hosts" : " clients";
  for (const MapReader::Entry& entry : kernel.entries()) {
    const model::KnobInfo* knob = find_knob(entry.key);
    if (knob == nullptr) {
      // Users often write the sysctl's full name: suggest from its last component.
      const std::string_view key = entry.key;
      const std::string_view last = key.substr(key.rfind('.') + 1);
      sink.error(entry.key_mark, entry.value.path,
                 "unknown kernel knob " + quote(key) + suggestion_suffix(last, names));
      continue;
    }
    if (os && !knob->applies_to(*os)) {
      sink.error(entry.key_mark, entry.value.path,
                 "knob " + quote(knob->name) + " does not apply to " + std::string(model::os_name(*os)) +
                     std::string(owner) + " (it applies to: " + oses_of(*knob) + ")");
      continue;
    }
    if (reader == KernelReader::kClient && !knob->read_by_client()) {
      sink.error(entry.key_mark, entry.value.path,
                 "knob " + quote(knob->name) +
                     " is read by the listening side only: it means nothing to a client group (set it in the "
                     "kernel: map of the host that listens)");
      continue;
    }
    if (reader == KernelReader::kHost && !knob->read_by_listener()) {
      // A host's knobs reach its listeners; a script's connect() sends no SYN in this
      // model, so nothing on a host reads a client-side knob.
      sink.warning(entry.key_mark, entry.value.path,
                   "knob " + quote(knob->name) +
                       " is read by connecting sockets only, and a host makes no connections here (a script's "
                       "connect() sends no SYN): it has no effect; set it in a client group's kernel: map");
    }
    switch (knob->kind) {
      case model::KnobInfo::Kind::kInteger:
        if (const auto v = read_integer(sink, entry.value, knob->min, knob->max)) knobs.*(knob->integer) = *v;
        break;
      case model::KnobInfo::Kind::kDuration: {
        const DurationRange range{sim::Duration::from_ns(knob->min), sim::Duration::from_ns(knob->max)};
        if (const auto v = read_duration(sink, entry.value, range)) knobs.*(knob->duration) = *v;
        break;
      }
    }
  }
}

namespace {

// Host number `index` (registered with draft.refs).
model::HostSpec read_host(ScenarioDraft& draft, const MapReader::Entry& entry, std::size_t index) {
  DiagnosticSink& sink = draft.sink;
  model::HostSpec host;
  host.name = entry.key;
  MapReader m(sink, entry.value, kHostKeys);
  if (!m.is_map()) {
    draft.refs.ports_incomplete(index);
    return host;
  }
  std::optional<Os> os = Os::kLinux;
  if (const auto f = m.get("os")) os = read_os(sink, *f);
  host.os = os.value_or(Os::kLinux);
  if (os) draft.refs.set_os_known(index);
  host.kernel = model::default_knobs(host.os);
  if (const auto f = m.get("kernel")) read_kernel(sink, *f, os, KernelReader::kHost, host.kernel);
  if (const auto f = m.get("max_sockets")) {
    if (const auto v = read_integer(sink, *f, 1)) host.max_sockets = *v;
  }
  if (const auto f = m.get("socket_buffers")) {
    if (const auto v = read_integer(sink, *f, 1)) host.socket_buffers = *v;
  }
  // A host does something only through its listeners or the script's steps on it.
  const bool scripted = draft.refs.scripted(host.name);
  if (scripted) {
    if (const auto f = m.get("listeners")) read_listeners(draft, *f, index, host, true);
  } else if (const auto f = m.require("listeners", "unless a script step acts on the host")) {
    read_listeners(draft, *f, index, host, false);
  } else {
    draft.refs.ports_incomplete(index);
  }
  if (const auto f = m.get("proxy")) draft.proxy_fields.emplace_back(index, *f);  // read_proxies
  return host;
}

}  // namespace

void read_hosts(ScenarioDraft& draft, const Field& f) {
  const MapReader hosts = MapReader::of_names(draft.sink, f);
  if (!hosts.is_map()) return;
  if (hosts.entries().empty()) draft.sink.error(f.mark, f.path, "a scenario needs at least one host");
  for (const MapReader::Entry& entry : hosts.entries()) {
    check_name(draft.sink, entry, "host");
    const std::size_t index = draft.refs.add_host(entry.key);
    draft.spec.hosts.push_back(read_host(draft, entry, index));
  }
}

std::optional<Os> read_os(DiagnosticSink& sink, const Field& f) {
  const std::vector<std::string_view> names = os_names();
  const auto index = read_choice(sink, f, "os", names);
  if (!index) return std::nullopt;
  return model::all_oses()[*index];
}

}  // namespace config::detail
