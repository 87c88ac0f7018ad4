#include "cli/explain.h"

#include <algorithm>
#include <charconv>
#include <string_view>
#include <vector>

#include "config/suggest.h"

namespace cli {

namespace {

std::vector<std::string_view> host_names(const model::ScenarioSpec& spec) {
  std::vector<std::string_view> names;
  for (const auto& h : spec.hosts) names.push_back(h.name);
  return names;
}

std::vector<std::string_view> client_names(const model::ScenarioSpec& spec) {
  std::vector<std::string_view> names;
  for (const auto& c : spec.clients) names.push_back(c.name);
  return names;
}

}  // namespace

std::variant<report::NarrationFilter, std::string> resolve_explain_filter(const model::ScenarioSpec& spec,
                                                                          const std::optional<std::string>& connection,
                                                                          const std::optional<std::string>& host) {
  using config::quote;
  report::NarrationFilter f;
  if (host) {
    const auto names = host_names(spec);
    const auto it = std::find(names.begin(), names.end(), std::string_view(*host));
    if (it == names.end()) {
      std::string message = "--host " + quote(*host) + ": the scenario has no host of that name";
      const std::size_t colon = host->find(':');
      const std::string_view before_colon = std::string_view(*host).substr(0, colon);
      if (colon != std::string::npos && std::find(names.begin(), names.end(), before_colon) != names.end()) {
        message += "; --host takes a host name: did you mean " + quote(before_colon) + "?";
      } else {
        message += config::suggestion_suffix(*host, names);
      }
      return message;
    }
    f.host = static_cast<std::size_t>(it - names.begin());
  }
  if (connection) {
    const std::string example = spec.clients.empty() ? "storm#17" : spec.clients.front().name + "#17";
    const std::size_t hash = connection->rfind('#');
    const std::string_view name = std::string_view(*connection).substr(0, hash);
    const std::string_view number =
        hash == std::string::npos ? std::string_view() : std::string_view(*connection).substr(hash + 1);
    std::uint64_t attempt = 0;
    const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), attempt);
    if (hash == std::string::npos || name.empty() || number.empty() || ec != std::errc() ||
        end != number.data() + number.size() || attempt == 0) {
      return "--connection " + quote(*connection) +
             ": expected <client>#<attempt> with an attempt number from 1, e.g. " + example;
    }
    const auto names = client_names(spec);
    const auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end()) {
      return "--connection " + quote(*connection) + ": the scenario has no client group " + quote(name) +
             config::suggestion_suffix(name, names);
    }
    f.client = static_cast<std::size_t>(it - names.begin());
    f.attempt = attempt;
    const model::ClientSpec& c = spec.clients[*f.client];
    if (f.host && !c.balancer && c.target_host != *f.host) {
      return "--connection " + quote(*connection) + " and --host " + quote(*host) + ": client group " + quote(name) +
             " targets host " + quote(spec.hosts[c.target_host].name) + ", so nothing would be shown";
    }
  }
  return f;
}

}  // namespace cli
