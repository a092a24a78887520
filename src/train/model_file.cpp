#include "lockstep/train/model_file.hpp"

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

#include "lockstep/core/error.hpp"
#include "lockstep/data/standardizer.hpp"
#include "lockstep/io/state_dict.hpp"

#ifndef LOCKSTEP_VERSION
#define LOCKSTEP_VERSION "unknown"
#endif

namespace lockstep {

const char* lockstep_version() { return LOCKSTEP_VERSION; }

namespace {

// The smallest standard deviation a model file may hold (the smallest normal float).
constexpr float kMinStddev = std::numeric_limits<float>::min();

std::string shape_string(const std::vector<Index>& shape) {
  std::string out = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
  return out + "]";
}

// The architecture the metadata declares must be the file's tensors, name for name and shape
// for shape (as many values), before anything is built: a few bytes of metadata can declare
// layers of any size, the tensors are what the file really holds.
void check_architecture(const ModelSpec& spec, const SafetensorsFile& file,
                        const std::string& source) {
  const std::vector<ParameterShape> expected = parameter_shapes(spec);
  const std::string declared = describe(spec);
  LOCKSTEP_CHECK(expected.size() == file.entries.size(), source, ": the architecture metadata (",
                 declared, ") has ", expected.size(), " parameter tensors, the file holds ",
                 file.entries.size());
  for (const ParameterShape& p : expected) {
    const SafetensorsEntry* e = file.find(p.name);
    LOCKSTEP_CHECK(e != nullptr, source, ": the architecture metadata (", declared,
                   ") has a parameter '", p.name, "' the file does not hold");
    LOCKSTEP_CHECK(p.count || e->dtype == SafetensorsDtype::kF32, source, ": parameter '", p.name,
                   "' is stored as I64; parameters are F32");
    LOCKSTEP_CHECK(!p.count || e->dtype == SafetensorsDtype::kI64, source, ": buffer '", p.name,
                   "' is a count, stored as I64; the file stores it as F32");
    Index want = 1;
    bool overflow = false;
    for (Index d : p.shape) overflow |= __builtin_mul_overflow(want, d, &want);
    LOCKSTEP_CHECK(!overflow && e->numel() == want, source, ": the architecture metadata (",
                   declared, ") makes '", p.name, "' ", shape_string(p.shape),
                   ", the file's tensor is ", shape_string(e->shape));
  }
}

}  // namespace

Tensor ModelInfo::standardize(const Tensor& x) const {
  if (mean.empty()) return x;
  LOCKSTEP_CHECK(Index(mean.size()) == x.cols(), "the model was trained on ", mean.size(),
                 " features, the data has ", x.cols());
  Standardizer s;
  s.set_statistics(mean, stddev);
  return s.transform(x);
}

SafetensorsMetadata model_metadata(const ModelInfo& info) {
  SafetensorsMetadata m;
  m["lockstep_version"] = nlohmann::json(std::string(lockstep_version())).dump();
  m["architecture"] = model_spec_to_json(info.spec);
  m["task"] = nlohmann::json(info.classification ? "classification" : "regression").dump();
  m["loss"] = nlohmann::json(info.loss).dump();
  if (!info.mean.empty()) {
    m["standardize_mean"] = nlohmann::json(info.mean).dump();
    m["standardize_std"] = nlohmann::json(info.stddev).dump();
  }
  if (info.classification) m["class_names"] = nlohmann::json(info.class_names).dump();
  m["feature_names"] = nlohmann::json(info.feature_names).dump();
  m["target"] = nlohmann::json(info.target).dump();
  if (!info.scale_pixels) m["scale_pixels"] = "false";
  if (info.synthetic_samples > 0) {
    m["synthetic_data"] =
        nlohmann::json{{"samples", info.synthetic_samples}, {"seed", info.synthetic_seed}}.dump();
  }
  return m;
}

namespace {
constexpr int kMaxMetadataDepth = 16;
}  // namespace

ModelInfo model_info_from_metadata(const SafetensorsMetadata& meta, const std::string& source) {
  ModelInfo info;
  auto get = [&](const char* key, bool required) -> nlohmann::json {
    auto it = meta.find(key);
    if (it == meta.end()) {
      LOCKSTEP_CHECK(!required, source, ": metadata '", key,
                     "' is missing (not a model file written by lockstep train?)");
      return nullptr;
    }
    // Metadata values are a few levels deep; deeper nesting is refused while parsing, before
    // a recursive dump() or conversion of the value could overflow the stack.
    auto limit_depth = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json&) {
      LOCKSTEP_CHECK((event != nlohmann::json::parse_event_t::object_start &&
                      event != nlohmann::json::parse_event_t::array_start) ||
                         depth < kMaxMetadataDepth,
                     source, ": metadata '", key, "' is nested deeper than ", kMaxMetadataDepth,
                     " levels");
      return true;
    };
    try {
      return nlohmann::json::parse(it->second, limit_depth);
    } catch (const nlohmann::json::exception& e) {
      LOCKSTEP_CHECK(false, source, ": metadata '", key, "' is not valid JSON: ", e.what());
    }
    return nullptr;
  };
  try {
    info.spec = model_spec_from_json(get("architecture", true).dump());
    info.classification = get("task", true).get<std::string>() == "classification";
    info.loss = get("loss", true).get<std::string>();
    if (auto m = get("standardize_mean", false); !m.is_null()) {
      info.mean = m.get<std::vector<float>>();
      info.stddev = get("standardize_std", true).get<std::vector<float>>();
      LOCKSTEP_CHECK(
          info.mean.size() == info.stddev.size() && Index(info.mean.size()) == info.spec.inputs,
          source, ": standardization statistics do not match the model's ", info.spec.inputs,
          " inputs");
      // Finite, and a standard deviation that divides without overflowing: a subnormal one
      // (1e-45) would turn every standardized value into inf and the loss into NaN.
      for (std::size_t j = 0; j < info.mean.size(); ++j) {
        LOCKSTEP_CHECK(std::isfinite(info.mean[j]), source, ": metadata 'standardize_mean' of ",
                       "feature ", j, " is ", info.mean[j], " (must be finite)");
        LOCKSTEP_CHECK(std::isfinite(info.stddev[j]) && info.stddev[j] >= kMinStddev, source,
                       ": metadata 'standardize_std' of feature ", j, " is ", info.stddev[j],
                       " (must be finite and >= ", kMinStddev, ")");
      }
    }
    if (info.classification) {
      info.class_names = get("class_names", true).get<std::vector<std::string>>();
      LOCKSTEP_CHECK(Index(info.class_names.size()) == info.spec.outputs, source, ": ",
                     info.class_names.size(), " class names for ", info.spec.outputs, " outputs");
    }
    if (auto f = get("feature_names", false); !f.is_null())
      info.feature_names = f.get<std::vector<std::string>>();
    if (auto t = get("target", false); !t.is_null()) info.target = t.get<std::string>();
    if (auto v = get("lockstep_version", false); !v.is_null()) info.version = v.get<std::string>();
    if (auto s = get("scale_pixels", false); !s.is_null()) info.scale_pixels = s.get<bool>();
    if (auto d = get("synthetic_data", false); !d.is_null()) {
      info.synthetic_samples = d.at("samples").get<Index>();
      info.synthetic_seed = d.at("seed").get<std::uint64_t>();
    }
  } catch (const nlohmann::json::exception& e) {
    LOCKSTEP_CHECK(false, source, ": bad metadata: ", e.what());
  }
  return info;
}

void save_model_file(const std::filesystem::path& path, const Module& model,
                     const ModelInfo& info) {
  save_module(path, model, model_metadata(info));
}

void save_model_file(const std::filesystem::path& path, const Sequential& net, ModelInfo info) {
  if (info.spec.inputs == 0) info.spec = model_spec_of(net);
  if (info.loss.empty()) info.loss = info.classification ? "cross-entropy" : "mse";
  save_module(path, net, model_metadata(info));
}

LoadedModel load_model_file(const std::filesystem::path& path) {
  LOCKSTEP_CHECK(std::filesystem::exists(path), "--model: no such file: ", path.string());
  SafetensorsFile file = read_safetensors(path);
  LoadedModel m;
  m.info = model_info_from_metadata(file.metadata, path.string());
  check_architecture(m.info.spec, file, path.string());
  m.model = build_model(m.info.spec, 0);
  load_state_dict(*m.model.net, file.entries, path.string());
  m.model.net->eval();
  return m;
}

}  // namespace lockstep
