// Sequential: PyTorch parameter names, order of application, indexing, train/eval propagation.
#include <gtest/gtest.h>

#include "lockstep/autograd/functions.hpp"
#include "lockstep/core/error.hpp"
#include "lockstep/nn/activation.hpp"
#include "lockstep/nn/dropout.hpp"
#include "lockstep/nn/linear.hpp"
#include "lockstep/nn/sequential.hpp"

namespace lockstep {
namespace {

std::vector<std::string> names(const Module& m) {
  std::vector<std::string> out;
  for (auto& [name, _] : m.named_parameters()) out.push_back(name);
  return out;
}

// Adds a constant, so the order of application is visible.
class AddConstant : public Module {
 public:
  explicit AddConstant(float c) : c_(c) {}
  Var forward(const Var& x) override { return x + Var(Tensor::scalar(c_)); }

 private:
  float c_;
};

class Twice : public Module {
 public:
  Var forward(const Var& x) override { return x * 2.0f; }
};

TEST(Sequential, ParametersAreNamedByPositionLikePyTorch) {
  Sequential model{std::make_shared<Linear>(4, 8), std::make_shared<ReLU>(),
                   std::make_shared<Linear>(8, 3)};
  EXPECT_EQ(model.size(), 3u);
  EXPECT_EQ(names(model), (std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"}));
  EXPECT_EQ(model.num_parameters(), 4 * 8 + 8 + 8 * 3 + 3);
  model.push_back(std::make_shared<Linear>(3, 1, LinearOptions{.bias = false}));
  EXPECT_EQ(names(model).back(), "3.weight");
  // Parameter shapes in PyTorch's layout (a bias is 1-D).
  EXPECT_EQ(model.parameter_shapes()[1], (std::vector<Index>{8}));
}

TEST(Sequential, NestedSequentialsGiveDottedPaths) {
  auto inner =
      std::make_shared<Sequential>(std::make_shared<Linear>(2, 2), std::make_shared<Tanh>());
  Sequential outer{inner, std::make_shared<Linear>(2, 1)};
  EXPECT_EQ(names(outer),
            (std::vector<std::string>{"0.0.weight", "0.0.bias", "1.weight", "1.bias"}));
}

TEST(Sequential, AppliesModulesInOrder) {
  Sequential model{std::make_shared<AddConstant>(1.0f), std::make_shared<Twice>()};
  EXPECT_EQ(model(Var(Tensor::scalar(3.0f))).item(), 8.0f);  // (3 + 1) * 2, not 3 * 2 + 1
  Sequential reversed{std::make_shared<Twice>(), std::make_shared<AddConstant>(1.0f)};
  EXPECT_EQ(reversed(Var(Tensor::scalar(3.0f))).item(), 7.0f);
  Sequential empty;
  EXPECT_TRUE(empty.empty());
  EXPECT_EQ(empty(Var(Tensor::scalar(5.0f))).item(), 5.0f);
}

TEST(Sequential, ForwardMatchesTheFunctionalFormAndBackpropagates) {
  Generator gen(3);
  auto fc1 = std::make_shared<Linear>(3, 4, LinearOptions{.generator = &gen});
  auto fc2 = std::make_shared<Linear>(4, 2, LinearOptions{.generator = &gen});
  Sequential model{fc1, std::make_shared<Sigmoid>(), fc2};
  const Tensor x = Tensor::from_rows({{1, -2, 0.5f}, {0, 1, 2}});
  Var y = model(Var(x));
  Var expected =
      linear(sigmoid(linear(Var(x), fc1->weight(), fc1->bias())), fc2->weight(), fc2->bias());
  EXPECT_EQ(y.value().to_vector(), expected.value().to_vector());
  sum(y).backward();
  for (auto& p : model.parameters()) {
    ASSERT_TRUE(p.grad().defined());
    EXPECT_GT(p.grad().map().norm(), 0.0f);
  }
}

TEST(Sequential, IndexingIsChecked) {
  auto relu = std::make_shared<ReLU>();
  Sequential model{std::make_shared<Linear>(2, 2), relu};
  EXPECT_EQ(model[1].get(), relu.get());
  try {
    (void)model[2];
    FAIL();
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("index 2 is out of range for 2 modules"), std::string::npos) << m;
  }
  EXPECT_THROW(model.push_back(std::shared_ptr<Module>()), Error);
}

TEST(Sequential, TrainAndEvalReachEveryModule) {
  auto drop = std::make_shared<Dropout>(0.5f);
  Sequential model{std::make_shared<Linear>(2, 2), drop};
  model.eval();
  EXPECT_FALSE(drop->is_training());
  model.train();
  EXPECT_TRUE(drop->is_training());
}

TEST(ActivationModules, ApplyTheirFunctions) {
  const Tensor x = Tensor::from_rows({{-1, 0.5f}, {2, -3}});
  ReLU relu_m;
  Sigmoid sigmoid_m;
  Tanh tanh_m;
  Softmax softmax_m;
  LogSoftmax log_softmax_m;
  EXPECT_EQ(relu_m(Var(x)).value().to_vector(), relu(Var(x)).value().to_vector());
  EXPECT_EQ(relu_m(Var(x)).value().to_vector(), (std::vector<float>{0, 0.5f, 2, 0}));
  EXPECT_EQ(sigmoid_m(Var(x)).value().to_vector(), sigmoid(Var(x)).value().to_vector());
  EXPECT_EQ(tanh_m(Var(x)).value().to_vector(), tanh(Var(x)).value().to_vector());
  Var p = softmax_m(Var(x));
  EXPECT_NEAR(p.value()(0, 0) + p.value()(0, 1), 1.0f, 1e-6f);
  EXPECT_EQ(log_softmax_m(Var(x)).value().to_vector(), log_softmax(Var(x)).value().to_vector());
  EXPECT_EQ(relu_m.num_parameters(), 0);
}

}  // namespace
}  // namespace lockstep
