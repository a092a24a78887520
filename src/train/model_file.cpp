#include "lockstep/train/model_file.hpp"

#include <nlohmann/json.hpp>

#include "lockstep/core/error.hpp"
#include "lockstep/data/standardizer.hpp"
#include "lockstep/io/state_dict.hpp"

#ifndef LOCKSTEP_VERSION
#define LOCKSTEP_VERSION "unknown"
#endif

namespace lockstep {

const char* lockstep_version() { return LOCKSTEP_VERSION; }

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
  if (info.synthetic_samples > 0) {
    m["synthetic_data"] =
        nlohmann::json{{"samples", info.synthetic_samples}, {"seed", info.synthetic_seed}}.dump();
  }
  return m;
}

ModelInfo model_info_from_metadata(const SafetensorsMetadata& meta, const std::string& source) {
  ModelInfo info;
  auto get = [&](const char* key, bool required) -> nlohmann::json {
    auto it = meta.find(key);
    if (it == meta.end()) {
      LOCKSTEP_CHECK(!required, source, ": metadata '", key,
                     "' is missing (not a model file written by lockstep train?)");
      return nullptr;
    }
    try {
      return nlohmann::json::parse(it->second);
    } catch (const std::exception& e) {
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

LoadedModel load_model_file(const std::filesystem::path& path) {
  LOCKSTEP_CHECK(std::filesystem::exists(path), "--model: no such file: ", path.string());
  SafetensorsFile file = read_safetensors(path);
  LoadedModel m;
  m.info = model_info_from_metadata(file.metadata, path.string());
  m.model = build_model(m.info.spec, 0);
  load_state_dict(*m.model.net, file.entries, path.string());
  m.model.net->eval();
  return m;
}

}  // namespace lockstep
