#include "lockstep/train/model_spec.hpp"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>
#include <sstream>
#include <typeinfo>

#include "lockstep/core/error.hpp"
#include "lockstep/core/rng.hpp"
#include "lockstep/nn/activation.hpp"
#include "lockstep/nn/batch_norm.hpp"
#include "lockstep/nn/conv.hpp"
#include "lockstep/nn/dropout.hpp"
#include "lockstep/nn/flatten.hpp"
#include "lockstep/nn/linear.hpp"
#include "lockstep/nn/pooling.hpp"

namespace lockstep {

namespace {

constexpr std::uint64_t kDropoutStream = 0x64726f70;  // "drop"
constexpr Index kMaxWidth = Index(1) << 20;

const char* kModelSyntax =
    "'linear', 'mlp:H1,H2,...' or layers such as 'conv32k3,pool2,conv64k3,pool2,fc128' "
    "(convCkK[sS][pP], poolK, avgpoolK, fcH, bn)";

// The number at the front of `text` (advanced past it), in [lo, hi]; false when there is none.
bool take_number(std::string_view& text, Index lo, Index hi, Index& out) {
  long long v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end == text.data() || v < lo || v > hi) return false;
  text.remove_prefix(std::size_t(end - text.data()));
  out = Index(v);
  return true;
}

bool take_prefix(std::string_view& text, std::string_view prefix) {
  if (!text.starts_with(prefix)) return false;
  text.remove_prefix(prefix.size());
  return true;
}

LayerSpec parse_layer(std::string_view item, const std::string& model, bool mlp) {
  LayerSpec l;
  l.text = std::string(item);
  std::string_view rest = item;
  bool ok = false;
  if (mlp) {  // mlp:H1,H2: bare widths
    l.kind = LayerSpec::Kind::kFc;
    ok = take_number(rest, 1, kMaxWidth, l.size) && rest.empty();
    l.text = "fc" + l.text;
  } else if (take_prefix(rest, "conv")) {
    l.kind = LayerSpec::Kind::kConv;
    l.stride = 1;
    ok = take_number(rest, 1, kMaxWidth, l.size) && take_prefix(rest, "k") &&
         take_number(rest, 1, 1024, l.kernel);
    if (ok && take_prefix(rest, "s")) ok = take_number(rest, 1, 1024, l.stride);
    if (ok && take_prefix(rest, "p")) ok = take_number(rest, 0, 1024, l.padding);
    ok = ok && rest.empty();
  } else if (take_prefix(rest, "avgpool") ||
             (take_prefix(rest, "maxpool") || take_prefix(rest, "pool"))) {
    l.kind = item.starts_with("avg") ? LayerSpec::Kind::kAvgPool : LayerSpec::Kind::kMaxPool;
    ok = take_number(rest, 1, 1024, l.kernel) && rest.empty();
    l.stride = l.kernel;
  } else if (take_prefix(rest, "bn")) {
    l.kind = LayerSpec::Kind::kBatchNorm;
    ok = rest.empty();
  } else if (take_prefix(rest, "fc")) {
    l.kind = LayerSpec::Kind::kFc;
    ok = take_number(rest, 1, kMaxWidth, l.size) && rest.empty();
  }
  LOCKSTEP_CHECK(ok, "--model: '", item, "' in '", model, "' is not a layer; --model is ",
                 kModelSyntax, ", widths and channels in [1, ", kMaxWidth, "]");
  return l;
}

// One module of the network a spec builds, with the shapes it takes and gives.
struct Step {
  enum class Kind {
    kConv,
    kMaxPool,
    kAvgPool,
    kFlatten,
    kLinear,
    kActivation,
    kDropout,
    kBatchNorm2d,
    kBatchNorm1d
  };
  Kind kind;
  ops::Conv2dGeometry conv{};
  ops::Pool2dGeometry pool{};
  Index in = 0, out = 0;  // features in and out (Linear); BatchNorm1d: out
  ImageShape image{};     // BatchNorm2d
  std::string text{};     // the --model item it comes from
};

// The modules of `spec`, in Sequential order, every shape checked (errors name --model).
std::vector<Step> plan(const ModelSpec& spec) {
  LOCKSTEP_CHECK(spec.inputs >= 1 && spec.outputs >= 1,
                 "model: inputs and outputs must be >= 1, got ", spec.inputs, " and ",
                 spec.outputs);
  const std::vector<LayerSpec> layers = parse_layers(spec.model);
  const bool images =
      std::any_of(layers.begin(), layers.end(), [](const LayerSpec& l) { return l.spatial(); });
  LOCKSTEP_CHECK(!images || spec.has_image(), "--model '", spec.model,
                 "': image layers need the shape of the images (IDX image files give it; for "
                 ".npy and CSV data give --image C,H,W)");
  LOCKSTEP_CHECK(!spec.has_image() || spec.image.numel() == spec.inputs, "--image ", spec.image,
                 " is ", spec.image.numel(), " values per sample, but the data has ", spec.inputs,
                 " features");
  std::vector<Step> steps;
  ImageShape shape = spec.image;
  bool flat = !images;  // rows are features (not images) from here on
  Index features = spec.inputs;
  auto flatten = [&] {
    if (flat) return;
    steps.push_back({.kind = Step::Kind::kFlatten});
    features = shape.numel();
    flat = true;
  };
  std::size_t last_weighted = std::string::npos;  // the step of the last conv or fc
  for (const LayerSpec& l : layers) {
    Step s{};
    s.text = l.text;
    try {
      switch (l.kind) {
        case LayerSpec::Kind::kConv:
          LOCKSTEP_CHECK(!flat, "it comes after a fully connected layer");
          s.kind = Step::Kind::kConv;
          s.conv = {shape, l.size, l.kernel, l.stride, l.padding, 1};
          shape = s.conv.output();
          last_weighted = steps.size();
          steps.push_back(s);
          steps.push_back({.kind = Step::Kind::kActivation});
          break;
        case LayerSpec::Kind::kMaxPool:
        case LayerSpec::Kind::kAvgPool:
          LOCKSTEP_CHECK(!flat, "it comes after a fully connected layer");
          s.kind =
              l.kind == LayerSpec::Kind::kMaxPool ? Step::Kind::kMaxPool : Step::Kind::kAvgPool;
          s.pool = {shape, l.kernel, l.stride, 0, true};
          shape = s.pool.output();
          steps.push_back(s);
          break;
        case LayerSpec::Kind::kFc:
          flatten();
          s.kind = Step::Kind::kLinear;
          s.in = features;
          s.out = features = l.size;
          last_weighted = steps.size();
          steps.push_back(s);
          steps.push_back({.kind = Step::Kind::kActivation});
          if (spec.dropout > 0) steps.push_back({.kind = Step::Kind::kDropout});
          break;
        case LayerSpec::Kind::kBatchNorm: {
          // Between the conv or fc just before it and that layer's activation.
          const bool after_layer = last_weighted != std::string::npos &&
                                   (steps.back().kind == Step::Kind::kActivation ||
                                    steps.back().kind == Step::Kind::kDropout) &&
                                   steps[last_weighted + 1].kind == Step::Kind::kActivation;
          LOCKSTEP_CHECK(after_layer, "bn comes right after a conv or fc layer");
          const bool conv = steps[last_weighted].kind == Step::Kind::kConv;
          s.kind = conv ? Step::Kind::kBatchNorm2d : Step::Kind::kBatchNorm1d;
          s.image = shape;
          s.out = features;
          steps.insert(steps.begin() + std::ptrdiff_t(last_weighted + 1), s);
          last_weighted = std::string::npos;  // one bn per layer
          break;
        }
      }
    } catch (const Error& e) {
      std::throw_with_nested(
          Error(detail::str_cat("--model: '", l.text, "' in '", spec.model,
                                "' does not fit its input ", shape, ": ", e.what())));
    }
  }
  flatten();
  steps.push_back(
      {.kind = Step::Kind::kLinear, .in = features, .out = spec.outputs, .text = "output"});
  return steps;
}

}  // namespace

std::vector<LayerSpec> parse_layers(const std::string& model) {
  std::vector<LayerSpec> layers;
  if (model == "linear") return layers;
  std::string_view rest(model);
  const bool mlp = take_prefix(rest, "mlp:");
  while (true) {
    const auto comma = rest.find(',');
    layers.push_back(parse_layer(rest.substr(0, comma), model, mlp));
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return layers;
}

ImageShape parse_image_shape(const std::string& text, const std::string& what) {
  std::vector<Index> dims;
  std::string_view rest(text);
  bool ok = true;
  while (ok) {
    Index v = 0;
    ok = take_number(rest, 1, 1 << 16, v);
    dims.push_back(v);
    if (!ok || rest.empty() || !take_prefix(rest, ",")) break;
  }
  ok = ok && rest.empty() && (dims.size() == 2 || dims.size() == 3);
  LOCKSTEP_CHECK(ok, what, " must be C,H,W (or H,W for one channel), each in [1, 65536], got '",
                 text, "'");
  return dims.size() == 2 ? ImageShape{1, dims[0], dims[1]} : ImageShape{dims[0], dims[1], dims[2]};
}

BuiltModel build_model(const ModelSpec& spec, std::uint64_t seed) {
  const std::vector<Step> steps = plan(spec);
  BuiltModel m;
  m.net = std::make_shared<Sequential>();
  Generator gen(seed);
  std::uint64_t dropout_layer = 0;
  for (const Step& s : steps) {
    switch (s.kind) {
      case Step::Kind::kConv:
        m.net->push_back(std::make_shared<Conv2d>(
            s.conv.input, s.conv.out_channels, s.conv.kernel,
            Conv2dOptions{.stride = s.conv.stride, .padding = s.conv.padding, .generator = &gen}));
        break;
      case Step::Kind::kMaxPool:
        m.net->push_back(std::make_shared<MaxPool2d>(s.pool.input, s.pool.kernel,
                                                     MaxPool2dOptions{.stride = s.pool.stride}));
        break;
      case Step::Kind::kAvgPool:
        m.net->push_back(std::make_shared<AvgPool2d>(s.pool.input, s.pool.kernel,
                                                     AvgPool2dOptions{.stride = s.pool.stride}));
        break;
      case Step::Kind::kFlatten:
        m.net->push_back(std::make_shared<Flatten>());
        break;
      case Step::Kind::kLinear:
        m.net->push_back(std::make_shared<Linear>(s.in, s.out, LinearOptions{.generator = &gen}));
        break;
      case Step::Kind::kActivation:
        m.net->push_back(make_activation(spec.activation));
        break;
      case Step::Kind::kBatchNorm2d:
        m.net->push_back(std::make_shared<BatchNorm2d>(s.image));
        break;
      case Step::Kind::kBatchNorm1d:
        m.net->push_back(std::make_shared<BatchNorm1d>(s.out));
        break;
      case Step::Kind::kDropout: {
        const std::uint64_t layer_seed =
            Generator::derive(seed, {kDropoutStream, dropout_layer++}).next_u64();
        m.net->push_back(
            std::make_shared<Dropout>(float(spec.dropout), DropoutOptions{layer_seed}));
        break;
      }
    }
  }
  return m;
}

std::vector<ParameterShape> parameter_shapes(const ModelSpec& spec) {
  std::vector<ParameterShape> shapes;
  Index module = 0;  // the module's index in the Sequential
  for (const Step& s : plan(spec)) {
    const std::string prefix = std::to_string(module++);
    if (s.kind == Step::Kind::kConv) {
      const ops::Conv2dGeometry& g = s.conv;
      shapes.push_back(
          {prefix + ".weight", {g.out_channels, g.input.channels, g.kernel.h, g.kernel.w}});
      shapes.push_back({prefix + ".bias", {g.out_channels}});
    } else if (s.kind == Step::Kind::kLinear) {
      shapes.push_back({prefix + ".weight", {s.out, s.in}});
      shapes.push_back({prefix + ".bias", {s.out}});
    } else if (s.kind == Step::Kind::kBatchNorm2d || s.kind == Step::Kind::kBatchNorm1d) {
      const Index c = s.kind == Step::Kind::kBatchNorm2d ? s.image.channels : s.out;
      for (const char* name : {".weight", ".bias", ".running_mean", ".running_var"})
        shapes.push_back({prefix + name, {c}});
      shapes.push_back({prefix + ".num_batches_tracked", {}, /*count=*/true});
    }
  }
  return shapes;
}

std::string describe(const ModelSpec& spec) {
  const std::vector<Step> steps = plan(spec);
  const bool images = std::any_of(steps.begin(), steps.end(), [](const Step& s) {
    return s.kind == Step::Kind::kConv || s.kind == Step::Kind::kMaxPool ||
           s.kind == Step::Kind::kAvgPool;
  });
  const std::size_t linears = std::size_t(std::count_if(
      steps.begin(), steps.end(), [](const Step& s) { return s.kind == Step::Kind::kLinear; }));
  std::ostringstream out;
  if (images)
    out << "cnn " << spec.image;
  else
    out << (linears == 1 ? "linear " : "mlp ") << spec.inputs;
  for (const Step& s : steps) {
    if (s.kind == Step::Kind::kConv) out << " -> " << s.text << " " << s.conv.output();
    if (s.kind == Step::Kind::kMaxPool || s.kind == Step::Kind::kAvgPool)
      out << " -> " << s.text << " " << s.pool.output();
    if (s.kind == Step::Kind::kBatchNorm2d || s.kind == Step::Kind::kBatchNorm1d) out << " -> bn";
    if (s.kind == Step::Kind::kLinear)
      out << " -> " << (images && s.text != "output" ? s.text : std::to_string(s.out));
  }
  if (linears > 1 || images) {
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
  if (s.has_image()) j["image"] = {s.image.channels, s.image.height, s.image.width};
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
    if (j.contains("image")) {
      const auto& d = j.at("image");
      if (!d.is_array() || d.size() != 3) throw std::runtime_error("'image' is not [C, H, W]");
      for (const auto& v : d)
        if (!v.is_number_integer() || v.get<long long>() < 1 || v.get<long long>() > (1 << 16))
          throw std::runtime_error("'image' dimensions must be integers in [1, 65536]");
      s.image = {d[0].get<Index>(), d[1].get<Index>(), d[2].get<Index>()};
    }
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
