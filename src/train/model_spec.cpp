#include "lockstep/train/model_spec.hpp"

#include <charconv>
#include <nlohmann/json.hpp>
#include <sstream>
#include <typeinfo>

#include "lockstep/core/error.hpp"
#include "lockstep/core/rng.hpp"
#include "lockstep/nn/activation.hpp"
#include "lockstep/nn/dropout.hpp"
#include "lockstep/nn/linear.hpp"

namespace lockstep {

std::vector<Index> parse_hidden_layers(const std::string& model) {
  if (model == "linear") return {};
  LOCKSTEP_CHECK(model.rfind("mlp:", 0) == 0,
                 "--model must be 'linear' or 'mlp:H1,H2,...' (e.g. mlp:64,32), got '", model, "'");
  std::vector<Index> hidden;
  std::string_view rest(model);
  rest.remove_prefix(4);
  while (true) {
    const auto comma = rest.find(',');
    const std::string_view part = rest.substr(0, comma);
    long long width = 0;
    const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), width);
    LOCKSTEP_CHECK(
        ec == std::errc() && end == part.data() + part.size() && width >= 1 && width <= (1 << 20),
        "--model: '", part, "' in '", model, "' is not a layer width (an integer in [1, 1048576])");
    hidden.push_back(Index(width));
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return hidden;
}

namespace {
constexpr std::uint64_t kDropoutStream = 0x64726f70;  // "drop"
}  // namespace

BuiltModel build_model(const ModelSpec& spec, std::uint64_t seed) {
  LOCKSTEP_CHECK(spec.inputs >= 1 && spec.outputs >= 1,
                 "model: inputs and outputs must be >= 1, got ", spec.inputs, " and ",
                 spec.outputs);
  const std::vector<Index> hidden = parse_hidden_layers(spec.model);
  BuiltModel m;
  m.net = std::make_shared<Sequential>();
  Generator gen(seed);
  Index in = spec.inputs;
  std::uint64_t layer = 0;
  for (Index width : hidden) {
    m.net->push_back(std::make_shared<Linear>(in, width, LinearOptions{.generator = &gen}));
    m.net->push_back(make_activation(spec.activation));
    if (spec.dropout > 0) {
      const std::uint64_t layer_seed =
          Generator::derive(seed, {kDropoutStream, layer++}).next_u64();
      m.net->push_back(std::make_shared<Dropout>(float(spec.dropout), DropoutOptions{layer_seed}));
    }
    in = width;
  }
  m.net->push_back(std::make_shared<Linear>(in, spec.outputs, LinearOptions{.generator = &gen}));
  return m;
}

std::vector<ParameterShape> parameter_shapes(const ModelSpec& spec) {
  LOCKSTEP_CHECK(spec.inputs >= 1 && spec.outputs >= 1,
                 "model: inputs and outputs must be >= 1, got ", spec.inputs, " and ",
                 spec.outputs);
  std::vector<ParameterShape> shapes;
  Index module = 0;  // Sequential's index: Linear, activation, [dropout], ..., Linear
  Index in = spec.inputs;
  auto linear = [&](Index out) {
    const std::string prefix = std::to_string(module);
    shapes.push_back({prefix + ".weight", {out, in}});
    shapes.push_back({prefix + ".bias", {out}});
    in = out;
  };
  for (Index width : parse_hidden_layers(spec.model)) {
    linear(width);
    module += spec.dropout > 0 ? 3 : 2;
  }
  linear(spec.outputs);
  return shapes;
}

std::string describe(const ModelSpec& spec) {
  std::ostringstream out;
  const auto hidden = parse_hidden_layers(spec.model);
  out << (hidden.empty() ? "linear " : "mlp ") << spec.inputs;
  for (Index h : hidden) out << " -> " << h;
  out << " -> " << spec.outputs;
  if (!hidden.empty()) {
    out << " (" << spec.activation;
    if (spec.dropout > 0) out << ", dropout " << spec.dropout;
    out << ")";
  }
  return out.str();
}

std::string model_spec_to_json(const ModelSpec& s) {
  nlohmann::json j{{"model", s.model},
                   {"activation", s.activation},
                   {"dropout", s.dropout},
                   {"inputs", s.inputs},
                   {"outputs", s.outputs}};
  return j.dump();
}

ModelSpec model_spec_from_json(const std::string& text) {
  ModelSpec s;
  try {
    const auto j = nlohmann::json::parse(text);
    j.at("model").get_to(s.model);
    j.at("activation").get_to(s.activation);
    j.at("dropout").get_to(s.dropout);
    j.at("inputs").get_to(s.inputs);
    j.at("outputs").get_to(s.outputs);
  } catch (const std::exception& e) {
    LOCKSTEP_CHECK(false, "architecture metadata '", text, "' is invalid: ", e.what());
  }
  return s;
}

namespace {
// The name of `m` in the activations() table, or "".
std::string activation_name(const Module& m) {
  for (const ActivationInfo& a : activations()) {
    const std::shared_ptr<Module> sample = a.make();
    const Module& made = *sample;
    if (typeid(made) == typeid(m)) return std::string(a.name);
  }
  return "";
}
}  // namespace

ModelSpec model_spec_of(const Sequential& net) {
  const char* shape =
      "; a model file describes Linear layers with one kind of activation between them (and "
      "Dropout after each)";
  LOCKSTEP_CHECK(!net.empty(), "model_spec_of: the network is empty", shape);
  ModelSpec spec;
  std::string hidden;
  std::size_t i = 0;
  auto linear_at = [&](std::size_t k) {
    const auto* l = dynamic_cast<const Linear*>(net[k].get());
    LOCKSTEP_CHECK(l != nullptr, "model_spec_of: layer ", k, " is not a Linear", shape);
    return l;
  };
  const Linear* first = linear_at(i++);
  spec.inputs = first->in_features();
  Index width = first->out_features();
  spec.activation.clear();
  while (i < net.size()) {
    const std::string act = activation_name(*net[i]);
    LOCKSTEP_CHECK(!act.empty(), "model_spec_of: layer ", i, " is not an activation", shape);
    LOCKSTEP_CHECK(spec.activation.empty() || act == spec.activation, "model_spec_of: layer ", i,
                   " is ", act, " but an earlier one is ", spec.activation, shape);
    spec.activation = act;
    ++i;
    if (i < net.size()) {
      if (const auto* d = dynamic_cast<const Dropout*>(net[i].get())) {
        LOCKSTEP_CHECK(spec.dropout == 0 || spec.dropout == double(d->p()), "model_spec_of: layer ",
                       i, " drops ", d->p(), " but an earlier one ", spec.dropout, shape);
        spec.dropout = d->p();
        ++i;
      }
    }
    LOCKSTEP_CHECK(i < net.size(), "model_spec_of: the network ends with layer ", i - 1,
                   ", not a Linear", shape);
    const Linear* next = linear_at(i++);
    LOCKSTEP_CHECK(next->in_features() == width, "model_spec_of: layer ", i - 1, " takes ",
                   next->in_features(), " inputs, the layer before gives ", width);
    hidden += (hidden.empty() ? "" : ",") + std::to_string(width);
    width = next->out_features();
  }
  spec.outputs = width;
  spec.model = hidden.empty() ? "linear" : "mlp:" + hidden;
  if (spec.activation.empty()) spec.activation = "relu";  // a linear model has none
  return spec;
}

}  // namespace lockstep
