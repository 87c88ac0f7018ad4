#include "config/detail/distribution_reader.h"

#include <cstddef>
#include <string_view>

#include "config/detail/text.h"
#include "sim/format.h"

namespace config::detail {

namespace {

constexpr std::string_view kConstantDistKeys[] = {"dist", "value"};
constexpr std::string_view kMeanDistKeys[] = {"dist", "mean"};
constexpr std::string_view kUniformDistKeys[] = {"dist", "min", "max"};
constexpr std::string_view kLognormalDistKeys[] = {"dist", "mean", "stddev"};
constexpr std::string_view kParetoDistKeys[] = {"dist", "mean", "shape"};
constexpr std::string_view kEmpiricalDistKeys[] = {"dist", "values"};
enum DistKind : std::size_t { kConstant, kExponential, kUniform, kLognormal, kPareto, kEmpirical };
constexpr TaggedKind kDistKinds[] = {
    {"constant", kConstantDistKeys},   {"exponential", kMeanDistKeys}, {"uniform", kUniformDistKeys},
    {"lognormal", kLognormalDistKeys}, {"pareto", kParetoDistKeys},    {"empirical", kEmpiricalDistKeys},
};

std::optional<double> read_pareto_shape(DiagnosticSink& sink, const Field& f) {
  const auto shape = read_number(sink, f, NumberRange{});
  if (!shape || *shape > 1) return shape;
  // Checked here rather than by the range so the message can say why.
  sink.error(f.mark, f.path,
             "expected a number > 1, got " + shown(f.node.Scalar()) + ": a Pareto with shape <= 1 has no finite mean");
  return std::nullopt;
}

}  // namespace

std::optional<sim::DurationDist> read_distribution(DiagnosticSink& sink, const Field& f) {
  auto tagged = read_tagged(sink, f, "dist", kDistKinds, "{dist: exponential, mean: 5ms}");
  if (!tagged) return std::nullopt;
  MapReader& m = tagged->reader;
  const auto positive = DurationRange::positive();
  const auto duration_of = [&](std::string_view key, DurationRange range) -> std::optional<sim::Duration> {
    const auto field = m.require(key);
    return field ? read_duration(sink, *field, range) : std::nullopt;
  };
  switch (static_cast<DistKind>(tagged->kind)) {
    case kConstant: {
      const auto value = duration_of("value", {});
      if (value) return sim::ConstantDist{*value};
      return std::nullopt;
    }
    case kExponential: {
      const auto mean = duration_of("mean", positive);
      if (mean) return sim::ExponentialDist{*mean};
      return std::nullopt;
    }
    case kUniform: {
      const auto min = duration_of("min", {});
      const auto max = duration_of("max", {});
      if (!min || !max) return std::nullopt;
      if (*min > *max) {
        const Field max_field = *m.get("max");
        sink.error(max_field.mark, max_field.path,
                   "max (" + sim::format_duration(*max) + ") must be >= min (" + sim::format_duration(*min) + ")");
        return std::nullopt;
      }
      return sim::UniformDist{*min, *max};
    }
    case kLognormal: {
      const auto mean = duration_of("mean", positive);
      const auto stddev = duration_of("stddev", {});
      if (mean && stddev) return sim::LognormalDist::from_mean_stddev(*mean, *stddev);
      return std::nullopt;
    }
    case kPareto: {
      const auto mean = duration_of("mean", positive);
      const auto sf = m.require("shape");
      const auto shape = sf ? read_pareto_shape(sink, *sf) : std::nullopt;
      if (mean && shape) return sim::ParetoDist::from_mean_shape(*mean, *shape);
      return std::nullopt;
    }
    case kEmpirical: {
      const auto vf = m.require("values");
      if (!vf || !expect_sequence(sink, *vf, "durations")) return std::nullopt;
      if (vf->node.size() == 0) {
        sink.error(vf->mark, vf->path, "an empirical distribution needs at least one value");
        return std::nullopt;
      }
      sim::EmpiricalDist dist;
      bool all_read = true;
      for (std::size_t i = 0; i < vf->node.size(); ++i) {
        const auto v = read_duration(sink, element(*vf, i));
        if (v) dist.values.push_back(*v);
        all_read = all_read && v.has_value();
      }
      if (!all_read) return std::nullopt;
      return dist;
    }
  }
  return std::nullopt;
}

}  // namespace config::detail
