#include "train/observers/model_saver.hpp"

#include "lockstep/train/model_file.hpp"

namespace lockstep {

void ModelSaver::on_end(const TrainState& state) {
  const TrainConfig& c = session_.config;
  if (state.interrupted || c.save.empty()) return;
  const PreparedData& data = session_.data;
  ModelInfo info;
  info.spec = session_.spec;
  info.classification = data.classification;
  info.loss = session_.loss_name;
  if (c.standardize) {
    info.mean = data.scaler.mean();
    info.stddev = data.scaler.stddev();
  }
  info.class_names = data.class_names;
  info.feature_names = data.feature_names;
  info.target = data.target_name;
  info.scale_pixels = c.scale_pixels;
  if (c.data.starts_with("synthetic-")) {
    info.synthetic_samples = c.samples;
    info.synthetic_seed = c.seed;
  }
  save_model_file(c.save, *session_.model.net, info);
}

}  // namespace lockstep
