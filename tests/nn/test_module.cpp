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

// A module with state that is saved but not trained: a float buffer and an int64 counter.
class Counting : public Module {
 public:
  Counting() {
    register_buffer("total", total, {3});
    register_buffer("calls", calls);
  }
  Var forward(const Var& x) override {
    ++calls;
    return x;
  }
  Tensor total = Tensor::zeros({1, 3});
  std::int64_t calls = 0;
};

class Holder : public Module {
 public:
  Holder() {
    inner = register_module("inner", std::make_shared<Counting>());
    fc = register_module("fc", std::make_shared<Linear>(2, 2));
  }
  Var forward(const Var& x) override { return (*fc)((*inner)(x)); }
  std::shared_ptr<Counting> inner;
  std::shared_ptr<Linear> fc;
};

TEST(Module, BuffersAreNamedLikeParametersAndPointIntoTheModule) {
  Holder m;
  const auto buffers = m.named_buffers();
  ASSERT_EQ(buffers.size(), 2u);
  EXPECT_EQ(buffers[0].name, "inner.total");
  EXPECT_EQ(buffers[0].shape, (std::vector<Index>{3}));
  EXPECT_EQ(buffers[0].tensor, &m.inner->total);
  EXPECT_EQ(buffers[0].integer, nullptr);
  EXPECT_EQ(buffers[1].name, "inner.calls");
  EXPECT_TRUE(buffers[1].shape.empty());
  m(Var(Tensor::ones({1, 2})));
  EXPECT_EQ(*buffers[1].integer, 1);
  EXPECT_EQ(m.parameters().size(), 2u) << "buffers are not parameters";
}

class BadBuffer : public Module {
 public:
  Var forward(const Var& x) override { return x; }
  Tensor t = Tensor::zeros({1, 4});
  std::int64_t n = 0;
  void add(const std::string& name, std::vector<Index> shape) {
    register_buffer(name, t, std::move(shape));
  }
  void add_count(const std::string& name) { register_buffer(name, n); }
};

TEST(Module, BufferNamesAndShapesAreChecked) {
  BadBuffer m;
  m.add("a", {});
  EXPECT_THROW(m.add("a", {}), Error);
  EXPECT_THROW(m.add_count("a"), Error);
  EXPECT_THROW(m.add("b", {5}), Error);  // 5 elements for a tensor of 4
  m.add("c", {2, 2});
  EXPECT_EQ(m.named_buffers().back().shape, (std::vector<Index>{2, 2}));
}

}  // namespace
}  // namespace lockstep
