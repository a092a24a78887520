// Optimizer state export and import: names, copies, the checks of load_state_dict, and the
// round trip — save after some steps and continue, against loading into a fresh optimizer (on
// parameters restored to the saved values) and continuing: the results must be bit-identical.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "golden/golden_optim.hpp"
#include "lockstep/core/error.hpp"
#include "lockstep/optim/adam.hpp"
#include "lockstep/optim/sgd.hpp"

namespace lockstep {
namespace {

constexpr Shape kP{2, 3};
constexpr Shape kQ{1, 4};
constexpr int kSaveAt = 3;

struct Params {
  Var p, q;
  Params()
      : Params(Tensor::from_data(golden::adam_p0, kP), Tensor::from_data(golden::adam_q0, kQ)) {}
  Params(Tensor p0, Tensor q0) : p(std::move(p0), true), q(std::move(q0), true) {}
  std::vector<Var> list() const { return {p, q}; }
  // The fixed gradients of step s (q gets none at some steps).
  void set_grads(int s) {
    p.set_grad(Tensor::from_data(golden::adam_p_grads + s * kP.numel(), kP));
    q.set_grad(golden::adam_q_has_grad[s]
                   ? Tensor::from_data(golden::adam_q_grads + s * kQ.numel(), kQ)
                   : Tensor());
  }
};

std::vector<std::string> names(const Optimizer::StateDict& state) {
  std::vector<std::string> out;
  for (const auto& [name, value] : state) out.push_back(name);
  return out;
}

template <class Opt, class Options>
void expect_round_trip_is_exact(Options options) {
  Params a;
  Opt opt_a(a.list(), options);
  for (int s = 0; s < kSaveAt; ++s) {
    a.set_grads(s);
    opt_a.step();
  }
  const Tensor p_saved = a.p.value().clone(), q_saved = a.q.value().clone();
  const Optimizer::StateDict saved = opt_a.state_dict();
  for (int s = kSaveAt; s < golden::adam_steps; ++s) {
    a.set_grads(s);
    opt_a.step();
  }

  Params b(p_saved.clone(), q_saved.clone());
  Opt opt_b(b.list(), options);
  opt_b.load_state_dict(saved);
  // Without the loaded state the continuation differs (the test can tell).
  Params c(p_saved.clone(), q_saved.clone());
  Opt opt_c(c.list(), options);
  for (int s = kSaveAt; s < golden::adam_steps; ++s) {
    b.set_grads(s);
    opt_b.step();
    c.set_grads(s);
    opt_c.step();
  }
  EXPECT_EQ(a.p.value().to_vector(), b.p.value().to_vector());
  EXPECT_EQ(a.q.value().to_vector(), b.q.value().to_vector());
  EXPECT_NE(a.p.value().to_vector(), c.p.value().to_vector());
  // And the two optimizers' states agree bit for bit.
  const Optimizer::StateDict sa = opt_a.state_dict(), sb = opt_b.state_dict();
  ASSERT_EQ(names(sa), names(sb));
  for (std::size_t i = 0; i < sa.size(); ++i) {
    EXPECT_EQ(sa[i].second.to_vector(), sb[i].second.to_vector()) << sa[i].first;
  }
}

TEST(OptimizerState, SgdMomentumRoundTripIsBitExact) {
  expect_round_trip_is_exact<SGD>(SGDOptions(0.1).momentum(0.9).dampening(0.2).weight_decay(0.01));
}
TEST(OptimizerState, SgdNesterovRoundTripIsBitExact) {
  expect_round_trip_is_exact<SGD>(SGDOptions(0.05).momentum(0.8).nesterov(true));
}
TEST(OptimizerState, AdamRoundTripIsBitExact) {
  expect_round_trip_is_exact<Adam>(AdamOptions(0.1).weight_decay(0.1));
}
TEST(OptimizerState, AdamAmsgradRoundTripIsBitExact) {
  expect_round_trip_is_exact<Adam>(AdamOptions(0.1).amsgrad(true));
}
TEST(OptimizerState, AdamWRoundTripIsBitExact) {
  expect_round_trip_is_exact<AdamW>(AdamWOptions(0.05).weight_decay(0.3).amsgrad(true));
}

TEST(OptimizerState, AdamNamesFollowPyTorch) {
  Params a;
  Adam plain(a.list(), AdamOptions());
  EXPECT_EQ(names(plain.state_dict()),
            (std::vector<std::string>{"state.0.step", "state.0.exp_avg", "state.0.exp_avg_sq",
                                      "state.1.step", "state.1.exp_avg", "state.1.exp_avg_sq"}));
  AdamW ams(a.list(), AdamWOptions().amsgrad(true));
  EXPECT_EQ(names(ams.state_dict()),
            (std::vector<std::string>{"state.0.step", "state.0.exp_avg", "state.0.exp_avg_sq",
                                      "state.0.max_exp_avg_sq", "state.1.step", "state.1.exp_avg",
                                      "state.1.exp_avg_sq", "state.1.max_exp_avg_sq"}));
  const Optimizer::StateDict state = ams.state_dict();
  EXPECT_EQ(state[0].second.shape(), (Shape{1, 1}));
  EXPECT_EQ(state[0].second.item(), 0.0f);
  EXPECT_EQ(state[1].second.shape(), kP);
  EXPECT_EQ(state[5].second.shape(), kQ);
}

TEST(OptimizerState, SgdHasMomentumBuffersOnlyOnceTheyExist) {
  Params a;
  SGD plain(a.list(), SGDOptions(0.1));
  a.set_grads(0);
  plain.step();
  EXPECT_TRUE(plain.state_dict().empty());

  SGD momentum(a.list(), SGDOptions(0.1).momentum(0.9));
  EXPECT_TRUE(momentum.state_dict().empty());
  a.set_grads(2);  // q has no gradient at step 2: it gets no buffer
  momentum.step();
  EXPECT_EQ(names(momentum.state_dict()), (std::vector<std::string>{"state.0.momentum_buffer"}));
  // Loading an empty state drops the buffers: the next step starts them afresh.
  momentum.load_state_dict({});
  EXPECT_TRUE(momentum.state_dict().empty());
  EXPECT_THROW(plain.load_state_dict({{"state.0.momentum_buffer", Tensor(kP)}}), Error);
}

TEST(OptimizerState, StateDictAndLoadCopy) {
  Params a;
  Adam opt(a.list(), AdamOptions());
  a.set_grads(0);
  opt.step();
  Optimizer::StateDict state = opt.state_dict();
  const std::vector<float> exp_avg = state[1].second.to_vector();
  state[1].second.fill_(7.0f);  // changing the export leaves the optimizer alone
  EXPECT_EQ(opt.state_dict()[1].second.to_vector(), exp_avg);
  opt.load_state_dict(state);
  state[1].second.fill_(9.0f);  // and the loaded values are the optimizer's own copy
  EXPECT_EQ(opt.state_dict()[1].second.to_vector(), std::vector<float>(6, 7.0f));
}

void expect_load_error(Optimizer& opt, const Optimizer::StateDict& state,
                       const std::string& message) {
  const Optimizer::StateDict before = opt.state_dict();
  try {
    opt.load_state_dict(state);
    ADD_FAILURE() << "no error, expected: " << message;
  } catch (const Error& e) {
    EXPECT_EQ(e.what(), message);
  }
  const Optimizer::StateDict after = opt.state_dict();  // unchanged on error
  ASSERT_EQ(names(before), names(after));
  for (std::size_t i = 0; i < before.size(); ++i) {
    EXPECT_EQ(before[i].second.to_vector(), after[i].second.to_vector()) << before[i].first;
  }
}

TEST(OptimizerState, LoadChecksNamesShapesAndCountsNamingTheEntry) {
  Params a;
  Adam opt(a.list(), AdamOptions().amsgrad(true));
  a.set_grads(0);
  opt.step();
  const Optimizer::StateDict good = opt.state_dict();
  auto with = [&](const std::string& name, Tensor value) {
    Optimizer::StateDict s = good;
    for (auto& [n, v] : s) {
      if (n == name) v = value;
    }
    return s;
  };
  auto without = [&](const std::string& name) {
    Optimizer::StateDict s;
    for (const auto& entry : good) {
      if (entry.first != name) s.push_back(entry);
    }
    return s;
  };
  auto plus = [&](const std::string& name, Tensor value) {
    Optimizer::StateDict s = good;
    s.emplace_back(name, value);
    return s;
  };
  expect_load_error(opt, with("state.0.exp_avg", Tensor(3, 2)),
                    "load_state_dict: entry 'state.0.exp_avg' has shape [3, 2], expected [2, 3]");
  expect_load_error(opt, with("state.1.step", Tensor::scalar(-1)),
                    "load_state_dict: entry 'state.1.step' must hold a non-negative integer "
                    "count, got -1");
  expect_load_error(opt, with("state.1.step", Tensor::scalar(1.5f)),
                    "load_state_dict: entry 'state.1.step' must hold a non-negative integer "
                    "count, got 1.5");
  expect_load_error(opt, with("state.0.step", Tensor(1, 2)),
                    "load_state_dict: entry 'state.0.step' has shape [1, 2], expected [1, 1]");
  expect_load_error(opt, without("state.1.exp_avg_sq"),
                    "load_state_dict: missing entry 'state.1.exp_avg_sq'");
  expect_load_error(opt, plus("state.2.step", Tensor::scalar(1)),
                    "load_state_dict: unexpected entry 'state.2.step': the optimizer has 2 "
                    "parameter(s)");
  expect_load_error(opt, plus("state.0.momentum_buffer", Tensor(kP)),
                    "load_state_dict: unexpected entry 'state.0.momentum_buffer' (this "
                    "optimizer's state of parameter 0 has the fields step, exp_avg, exp_avg_sq, "
                    "max_exp_avg_sq)");
  expect_load_error(opt, plus("state.0.exp_avg", Tensor(kP)),
                    "load_state_dict: duplicate entry 'state.0.exp_avg'");
  expect_load_error(opt, plus("lr", Tensor::scalar(0.1f)),
                    "load_state_dict: unexpected entry 'lr' (optimizer state is named "
                    "state.<parameter index>.<field>)");
  expect_load_error(opt, plus("state.x.step", Tensor::scalar(1)),
                    "load_state_dict: unexpected entry 'state.x.step' (optimizer state is named "
                    "state.<parameter index>.<field>)");
  // Amsgrad's entry is required by an amsgrad optimizer and unknown to another.
  expect_load_error(opt, without("state.0.max_exp_avg_sq"),
                    "load_state_dict: missing entry 'state.0.max_exp_avg_sq'");
  Adam no_ams(a.list(), AdamOptions());
  expect_load_error(no_ams, good,
                    "load_state_dict: unexpected entry 'state.0.max_exp_avg_sq' (this "
                    "optimizer's state of parameter 0 has the fields step, exp_avg, exp_avg_sq)");
  // A parameter of another shape.
  Params other(Tensor(3, 2), Tensor(1, 4));
  Adam other_opt(other.list(), AdamOptions().amsgrad(true));
  expect_load_error(other_opt, good,
                    "load_state_dict: entry 'state.0.exp_avg' has shape [2, 3], expected [3, 2]");
  EXPECT_NO_THROW(opt.load_state_dict(good));
}

TEST(OptimizerState, SetLrIsValidatedOnTheBase) {
  Params a;
  SGD sgd(a.list(), SGDOptions(0.1));
  Optimizer& base = sgd;
  base.set_lr(0.25);
  EXPECT_EQ(base.lr(), 0.25);
  EXPECT_EQ(sgd.options().lr(), 0.25);
  EXPECT_THROW(base.set_lr(-1), Error);
  EXPECT_THROW(base.set_lr(std::nan("")), Error);
  EXPECT_EQ(base.lr(), 0.25);
}

}  // namespace
}  // namespace lockstep
