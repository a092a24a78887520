// The name tables of a training run (losses, activations, optimizers, schedules): every name
// passes TrainConfig::validate() and builds what it names; an unknown one is rejected naming
// the flag, the bad value and the table's names; --help lists exactly the table's names.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "lockstep/nn/activation.hpp"
#include "lockstep/nn/loss.hpp"
#include "lockstep/optim/adam.hpp"
#include "lockstep/optim/sgd.hpp"
#include "lockstep/train/components.hpp"
#include "lockstep/train/config.hpp"
#include "lockstep/train/model_spec.hpp"
#include "support/error_of.hpp"

namespace lockstep {
namespace {

using testing::error_of;
using Names = std::vector<std::string>;

// The names of a --help list "a (what a is), b, c (what c is)": its top-level items, each
// without its parenthesized description.
Names names_in_help(const std::string& help) {
  Names out;
  std::string item;
  int depth = 0;
  for (std::size_t i = 0; i < help.size(); ++i) {
    const char ch = help[i];
    if (ch == '(') ++depth;
    if (depth == 0 && help.compare(i, 2, ", ") == 0) {
      out.push_back(item);
      item.clear();
      ++i;
      continue;
    }
    if (depth == 0) item += ch;
    if (ch == ')') --depth;
  }
  out.push_back(item);
  for (std::string& name : out) {
    while (!name.empty() && name.back() == ' ') name.pop_back();
  }
  return out;
}

TrainConfig config_with(void (*set)(TrainConfig&)) {
  TrainConfig c;
  set(c);
  return c;
}

TEST(Components, TablesHoldTheDocumentedNamesInOrder) {
  EXPECT_EQ(names_of(losses()), (Names{"mse", "l1", "cross-entropy"}));
  EXPECT_EQ(names_of(activations()), (Names{"relu", "sigmoid", "tanh"}));
  EXPECT_EQ(names_of(optimizers()), (Names{"sgd", "adam", "adamw"}));
  EXPECT_EQ(names_of(schedules()), (Names{"none", "step", "cosine"}));
}

TEST(Components, OrListJoinsLikeTheValidationMessages) {
  EXPECT_EQ(or_list({}), "");
  EXPECT_EQ(or_list({"a"}), "a");
  EXPECT_EQ(or_list({"a", "b"}), "a or b");
  EXPECT_EQ(or_list({"a", "b", "c"}), "a, b or c");
}

TEST(Components, HelpListsExactlyEachTablesNamesWithTheirDescriptions) {
  EXPECT_EQ(names_in_help(help_list(losses())), names_of(losses()));
  EXPECT_EQ(names_in_help(help_list(activations())), names_of(activations()));
  EXPECT_EQ(names_in_help(help_list(optimizers())), names_of(optimizers()));
  EXPECT_EQ(names_in_help(help_list(schedules())), names_of(schedules()));
  for (const LossInfo& info : losses()) {
    const std::string shown = std::string(info.name) + " (" + std::string(info.description) + ")";
    EXPECT_NE(help_list(losses()).find(shown), std::string::npos) << shown;
  }
  for (const ScheduleInfo& info : schedules()) {
    const std::string shown = std::string(info.name) + " (" + std::string(info.description) + ")";
    EXPECT_NE(help_list(schedules()).find(shown), std::string::npos) << shown;
  }
  // An entry without a description shows its bare name.
  EXPECT_EQ(help_list(activations()), "relu, sigmoid, tanh");
  EXPECT_NE(help_list(optimizers()).find(", adam, "), std::string::npos) << help_list(optimizers());
}

TEST(Components, EveryLossValidatesAndBuildsTheLossItNames) {
  const Var logits(Tensor::from_rows({{0.5f, -1.0f, 2.0f}, {1.5f, 0.25f, -0.5f}}));
  const Var values(Tensor::from_rows({{1.0f, 0.0f, 1.0f}, {-1.0f, 2.0f, 0.5f}}));
  const Var labels(Tensor::from_rows({{2.0f}, {0.0f}}));
  const std::map<std::string, std::function<float()>> expected{
      {"mse", [&] { return MSELoss()(logits, values).item(); }},
      {"l1", [&] { return L1Loss()(logits, values).item(); }},
      {"cross-entropy", [&] { return CrossEntropyLoss()(logits, labels).item(); }},
  };
  ASSERT_EQ(expected.size(), losses().size());
  for (const LossInfo& info : losses()) {
    SCOPED_TRACE(std::string(info.name));
    TrainConfig c;
    c.loss = info.name;
    EXPECT_NO_THROW(c.validate());
    ASSERT_EQ(expected.count(std::string(info.name)), 1u);
    const Var& target = info.name == "cross-entropy" ? labels : values;
    const float want = expected.at(std::string(info.name))();
    EXPECT_EQ(make_loss(info.name)(logits, target).item(), want);
    EXPECT_EQ(info.loss(logits, target).item(), want);
  }
  TrainConfig c;
  c.loss = "auto";  // a CLI choice on top of the table
  EXPECT_NO_THROW(c.validate());
}

TEST(Components, EveryActivationValidatesAndBuildsItsModule) {
  const Var x(Tensor::from_rows({{-1.5f, 0.0f, 2.0f}}));
  const std::map<std::string, std::function<Var(const Var&)>> expected{
      {"relu", [](const Var& v) { return relu(v); }},
      {"sigmoid", [](const Var& v) { return sigmoid(v); }},
      {"tanh", [](const Var& v) { return tanh(v); }},
  };
  ASSERT_EQ(expected.size(), activations().size());
  for (const ActivationInfo& info : activations()) {
    SCOPED_TRACE(std::string(info.name));
    TrainConfig c;
    c.activation = info.name;
    EXPECT_NO_THROW(c.validate());
    ASSERT_EQ(expected.count(std::string(info.name)), 1u);
    const Tensor want = expected.at(std::string(info.name))(x).value();
    const Tensor got = (*make_activation(info.name))(x).value();
    for (Index j = 0; j < x.cols(); ++j) EXPECT_EQ(got(0, j), want(0, j)) << j;
    // build_model puts the same module after each hidden layer.
    BuiltModel m = build_model({"mlp:4", std::string(info.name), 0, 3, 2}, 1);
    ASSERT_EQ(m.net->size(), 3u);
    const Tensor from_model = (*(*m.net)[1])(x).value();
    for (Index j = 0; j < x.cols(); ++j) EXPECT_EQ(from_model(0, j), want(0, j)) << j;
  }
}

TEST(Components, EveryOptimizerValidatesAndBuildsTheOptimizerItNames) {
  const std::map<std::string, std::function<bool(Optimizer*)>> is{
      {"sgd", [](Optimizer* o) { return dynamic_cast<SGD*>(o) != nullptr; }},
      {"adam", [](Optimizer* o) { return dynamic_cast<Adam*>(o) != nullptr; }},
      {"adamw", [](Optimizer* o) { return dynamic_cast<AdamW*>(o) != nullptr; }},
  };
  ASSERT_EQ(is.size(), optimizers().size());
  for (const OptimizerInfo& info : optimizers()) {
    SCOPED_TRACE(std::string(info.name));
    TrainConfig c;
    c.optimizer = info.name;
    c.lr = 0.125;
    EXPECT_NO_THROW(c.validate());
    Var p(Tensor::zeros({2, 2}), true);
    std::unique_ptr<Optimizer> opt = make_optimizer(c, {p});
    ASSERT_NE(opt, nullptr);
    ASSERT_EQ(is.count(std::string(info.name)), 1u);
    EXPECT_TRUE(is.at(std::string(info.name))(opt.get()));
    EXPECT_EQ(opt->lr(), 0.125);
    ASSERT_EQ(opt->parameters().size(), 1u);
    EXPECT_EQ(opt->parameters()[0].impl(), p.impl());
  }
}

TEST(Components, EveryScheduleValidatesAndBuildsTheScheduleItNames) {
  for (const ScheduleInfo& info : schedules()) {
    SCOPED_TRACE(std::string(info.name));
    TrainConfig c;
    c.schedule = info.name;
    c.lr = 1.0;
    c.lr_gamma = 0.5;
    EXPECT_NO_THROW(c.validate());
    Var p(Tensor::zeros({1, 1}), true);
    std::unique_ptr<Optimizer> opt = make_optimizer(c, {p});
    std::unique_ptr<LRScheduler> s = make_schedule(c, *opt, /*total_steps=*/90);
    if (info.name == "none") {
      EXPECT_EQ(s, nullptr);
    } else if (info.name == "step") {  // lr x gamma every third of the run
      ASSERT_NE(dynamic_cast<StepLR*>(s.get()), nullptr);
      EXPECT_EQ(s->lr_at(29), 1.0);
      EXPECT_EQ(s->lr_at(30), 0.5);
    } else if (info.name == "cosine") {  // down to 0 by the last step
      ASSERT_NE(dynamic_cast<CosineAnnealingLR*>(s.get()), nullptr);
      EXPECT_EQ(s->lr_at(0), 1.0);
      EXPECT_NEAR(s->lr_at(90), 0.0, 1e-12);
    } else {
      ADD_FAILURE() << "no expectation for schedule " << info.name;
    }
    // Every schedule, "none" included, runs behind a warm-up from 0.1 x lr when asked.
    c.warmup_steps = 10;
    std::unique_ptr<LRScheduler> w = make_schedule(c, *opt, 90);
    ASSERT_NE(dynamic_cast<LinearWarmup*>(w.get()), nullptr);
    EXPECT_NEAR(w->lr_at(0), 0.1, 1e-12);
    EXPECT_EQ(w->lr_at(10), 1.0);
  }
}

TEST(Components, UnknownNamesAreRejectedNamingTheFlagTheValueAndTheTable) {
  // validate(): these messages are what `lockstep train` prints; keep them byte for byte.
  EXPECT_EQ(error_of([] { config_with([](TrainConfig& c) { c.loss = "hinge"; }).validate(); }),
            "--loss must be auto, mse, l1 or cross-entropy, got 'hinge'");
  EXPECT_EQ(error_of([] { config_with([](TrainConfig& c) { c.activation = "gelu"; }).validate(); }),
            "--activation must be relu, sigmoid or tanh, got 'gelu'");
  EXPECT_EQ(
      error_of([] { config_with([](TrainConfig& c) { c.optimizer = "rmsprop"; }).validate(); }),
      "--optimizer must be sgd, adam or adamw, got 'rmsprop'");
  EXPECT_EQ(error_of([] { config_with([](TrainConfig& c) { c.schedule = "linear"; }).validate(); }),
            "--schedule must be none, step or cosine, got 'linear'");
  // The factories (reached from model files and library code, not only from validated flags).
  EXPECT_EQ(error_of([] { make_loss("auto"); }),
            "unknown loss 'auto'; the losses are: mse, l1, cross-entropy");
  EXPECT_EQ(error_of([] { make_activation("gelu"); }),
            "unknown activation 'gelu'; the activations are: relu, sigmoid, tanh");
  EXPECT_EQ(error_of([] {
              build_model({"mlp:4", "gelu", 0, 3, 2}, 1);
            }),
            "unknown activation 'gelu'; the activations are: relu, sigmoid, tanh");
  Var p(Tensor::zeros({1, 1}), true);
  EXPECT_EQ(error_of([&] {
              make_optimizer(config_with([](TrainConfig& c) { c.optimizer = "rmsprop"; }), {p});
            }),
            "unknown optimizer 'rmsprop'; the optimizers are: sgd, adam, adamw");
  std::unique_ptr<Optimizer> opt = make_optimizer(TrainConfig{}, {p});
  EXPECT_EQ(error_of([&] {
              make_schedule(config_with([](TrainConfig& c) { c.schedule = "linear"; }), *opt, 9);
            }),
            "unknown schedule 'linear'; the schedules are: none, step, cosine");
}

}  // namespace
}  // namespace lockstep
