// `lockstep eval` and `lockstep predict`: a saved model applied to a data set, with the model
// file's own standardization and class names.
#include <cstdio>
#include <iostream>
#include <memory>
#include <sstream>

#include "commands.hpp"
#include "lockstep/autograd/functions.hpp"
#include "lockstep/autograd/grad_mode.hpp"
#include "lockstep/core/error.hpp"
#include "lockstep/metrics/accuracy.hpp"
#include "lockstep/nn/loss.hpp"
#include "lockstep/train/evaluate.hpp"
#include "lockstep/train/metrics_log.hpp"
#include "lockstep/train/model_file.hpp"
#include "lockstep/train/output_paths.hpp"
#include "lockstep/train/prepared_data.hpp"

namespace lockstep::cli {

namespace {

struct DataFlags {
  std::string model, data, labels, target;
};

// `scores`: eval, which reads targets; predict reads features only, and takes --labels and
// --target (which it once needed) unlisted, and ignores them.
void add_data_flags(CLI::App* a, DataFlags& f, bool scores) {
  a->add_option("--model", f.model, "Model file written by lockstep train --save")->required();
  a->add_option("--data", f.data, "Built-in name, .csv, .npy or IDX images file (as for train)")
      ->required();
  CLI::Option* labels = a->add_option("--labels", f.labels, "Labels file for .npy or IDX data");
  CLI::Option* target =
      a->add_option("--target", f.target, "CSV target column (default: the model's target column)");
  if (!scores) {
    labels->group("");
    target->group("");
  }
}

// The model's feature names, to find its columns in a CSV by; none (columns by position) when
// the file has none that fit, or only the placeholders x0, x1, ... of .npy, IDX and synthetic
// data.
std::vector<std::string> feature_columns(const ModelInfo& info) {
  const std::vector<std::string>& names = info.feature_names;
  if (Index(names.size()) != info.spec.inputs) return {};
  for (std::size_t j = 0; j < names.size(); ++j)
    if (names[j] != "x" + std::to_string(j)) return names;
  return {};
}

struct Loaded {
  LoadedModel model;
  LabeledData data;
};

Loaded load(const DataFlags& f, bool need_target) {
  Loaded l;
  l.model = load_model_file(f.model);
  const ModelInfo& info = l.model.info;
  DataSource src;
  src.path = f.data;
  src.labels = f.labels;
  src.target = f.target.empty() ? info.target : f.target;
  src.task = info.classification ? "classification" : "regression";
  src.feature_names = feature_columns(info);
  src.need_target = need_target;
  src.scale_pixels = info.scale_pixels;    // IDX pixels as the model was trained on them
  if (f.data.starts_with("synthetic-")) {  // the synthetic set the model was trained on
    src.features = info.spec.inputs;
    src.classes = info.classification ? info.spec.outputs : 2;
    if (info.synthetic_samples > 0) {
      src.samples = info.synthetic_samples;
      src.seed = info.synthetic_seed;
    }
  }
  l.data = load_labeled_data(src);
  LOCKSTEP_CHECK(l.data.x.cols() == info.spec.inputs, f.data, " has ", l.data.x.cols(),
                 " features; the model ", f.model, " takes ", info.spec.inputs);
  if (need_target && info.classification) remap_classes(l.data, info.class_names, f.data);
  l.data.x = info.standardize(l.data.x);
  return l;
}

// How both commands find the model's inputs in --data.
constexpr const char* kColumnsHelp =
    "A CSV's columns are found by the names of the model's features, in any order; other "
    "columns (the target, ids, ...) are ignored, and a missing feature column is an error "
    "naming it. Models whose file names no features (only x0, x1, ... for .npy, IDX and "
    "synthetic data) read the columns by position.";

}  // namespace

Command add_eval_command(CLI::App& app) {
  auto f = std::make_shared<DataFlags>();
  CLI::App* e = app.add_subcommand(
      "eval", "Loss (and accuracy, confusion matrix) of a saved model on a data set");
  add_data_flags(e, *f, /*scores=*/true);
  e->footer(std::string(kColumnsHelp) +
            " eval also needs the target column (or --labels).\n\n"
            "Example: lockstep eval --model iris.safetensors --data iris");
  return [f]() -> int {
    Loaded l = load(*f, /*need_target=*/true);
    const ModelInfo& info = l.model.info;
    EvalResult r = evaluate(*l.model.model.net, make_loss(info.loss), l.data.x, l.data.y,
                            info.classification ? info.spec.outputs : 0, info.class_names);
    std::printf("samples: %lld\n", (long long)l.data.x.rows());
    std::printf("loss: %.6f\n", r.loss);
    if (r.confusion) {
      std::printf("accuracy: %.6f\n", r.accuracy);
      std::ostringstream table;
      table << *r.confusion;
      std::printf("confusion matrix (rows: true class, columns: predicted):\n%s\n",
                  table.str().c_str());
    }
    return 0;
  };
}

Command add_predict_command(CLI::App& app) {
  auto f = std::make_shared<DataFlags>();
  auto out = std::make_shared<std::string>();
  CLI::App* p =
      app.add_subcommand("predict", "Write a saved model's predictions for a data set to CSV");
  add_data_flags(p, *f, /*scores=*/false);
  p->add_option("--out", *out,
                "CSV file to write: prediction (class name or value), and for "
                "classifiers one probability column per class")
      ->required();
  p->footer(std::string(kColumnsHelp) +
            " predict reads features only: no target column, no --labels file.\n\n"
            "Example: lockstep predict --model iris.safetensors --data iris --out "
            "predictions.csv");
  return [f, out]() -> int {
    check_output("--out", *out,
                 {{"--model", f->model}, {"--data", f->data}, {"--labels", f->labels}});
    Loaded l = load(*f, /*need_target=*/false);
    const ModelInfo& info = l.model.info;
    NoGradGuard no_grad;
    Var y = (*l.model.model.net)(Var(l.data.x));
    std::ostringstream csv;
    if (info.classification) {
      const Tensor probs = softmax(y).value();
      csv << "prediction";
      for (const auto& name : info.class_names) csv << ",p_" << name;
      csv << "\n";
      char buf[32];
      const std::vector<Index> best = argmax_rows(probs);  // the rule `eval` scores with
      for (Index r = 0; r < probs.rows(); ++r) {
        csv << info.class_names[std::size_t(best[std::size_t(r)])];
        for (Index c = 0; c < probs.cols(); ++c) {
          std::snprintf(buf, sizeof buf, ",%.6g", probs(r, c));
          csv << buf;
        }
        csv << "\n";
      }
    } else {
      const Tensor& v = y.value();
      for (Index c = 0; c < v.cols(); ++c)
        csv << (c ? "," : "")
            << (v.cols() == 1 ? std::string("prediction") : "prediction_" + std::to_string(c));
      csv << "\n";
      char buf[32];
      for (Index r = 0; r < v.rows(); ++r) {
        for (Index c = 0; c < v.cols(); ++c) {
          std::snprintf(buf, sizeof buf, "%s%.9g", c ? "," : "", v(r, c));
          csv << buf;
        }
        csv << "\n";
      }
    }
    write_file_atomically(*out, csv.str());
    std::printf("wrote %lld predictions to %s\n", (long long)l.data.x.rows(), out->c_str());
    return 0;
  };
}

}  // namespace lockstep::cli
