#include <gtest/gtest.h>

#include "lockstep/autograd/functions.hpp"
#include "lockstep/core/error.hpp"
#include "lockstep/nn/linear.hpp"

namespace lockstep {
namespace {

class TwoLayer : public Module {
 public:
  TwoLayer() {
    fc1 = register_module("fc1", std::make_shared<Linear>(4, 8));
    fc2 = register_module("fc2", std::make_shared<Linear>(8, 2));
    scale = register_parameter("scale", Tensor::ones({1, 1}));
  }
  Var forward(const Var& x) override { return (*fc2)((*fc1)(x)) * scale; }
  std::shared_ptr<Linear> fc1, fc2;
  Var scale;
};

TEST(Module, NamedParametersUseDottedNamesInRegistrationOrder) {
  TwoLayer m;
  std::vector<std::string> names;
  for (auto& [name, _] : m.named_parameters()) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"scale", "fc1.weight", "fc1.bias", "fc2.weight",
                                             "fc2.bias"}));
  EXPECT_EQ(m.num_parameters(), 1 + 4 * 8 + 8 + 8 * 2 + 2);
  for (auto& p : m.parameters()) EXPECT_TRUE(p.requires_grad());
}

TEST(Module, ParametersShareStorageWithTheModule) {
  TwoLayer m;
  auto params = m.parameters();
  params[1].value()(0, 0) = 42.0f;
  EXPECT_EQ(m.fc1->weight().value()(0, 0), 42.0f);
}

TEST(Module, ZeroGradAndTrainEvalPropagate) {
  TwoLayer m;
  sum(m(Var(Tensor::ones({3, 4})))).backward();
  EXPECT_NE(m.fc1->weight().grad().map().norm(), 0.0f);
  m.zero_grad();
  for (auto& p : m.parameters()) EXPECT_EQ(p.grad().map().norm(), 0.0f);
  m.eval();
  EXPECT_FALSE(m.fc1->is_training());
  m.train();
  EXPECT_TRUE(m.fc2->is_training());
}

class BadNames : public Module {
 public:
  Var forward(const Var& x) override { return x; }
  void add(const std::string& n) { register_parameter(n, Tensor::ones({1, 1})); }
};

TEST(Module, RejectsDuplicateAndDottedNames) {
  BadNames m;
  m.add("a");
  EXPECT_THROW(m.add("a"), Error);
  EXPECT_THROW(m.add("b.c"), Error);
  EXPECT_THROW(m.add(""), Error);
}

}  // namespace
}  // namespace lockstep
