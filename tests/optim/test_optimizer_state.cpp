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

// Two state values are the same count or the same tensor values.
void expect_same_value(const Optimizer::StateValue& a, const Optimizer::StateValue& b,
                       const std::string& name) {
  ASSERT_EQ(a.index(), b.index()) << name;  // count or tensor
  if (const auto* count = std::get_if<std::int64_t>(&a))
    EXPECT_EQ(*count, std::get<std::int64_t>(b)) << name;
  else
    EXPECT_EQ(std::get<Tensor>(a).to_vector(), std::get<Tensor>(b).to_vector()) << name;
}

const Tensor& tensor(const Optimizer::StateValue& v) { return std::get<Tensor>(v); }

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
    expect_same_value(sa[i].second, sb[i].second, sa[i].first);
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

// Adam's step counts past 2^24 (the last integer float32 holds exactly) are exported and
// loaded exactly, and the loaded optimizer continues bit for bit as the uninterrupted one does.
// A count past 2^24 (where float32 stops holding every integer) is saved, loaded and continued
// exactly: the state dict holds it as an int64, and the continued optimizers agree bit for bit.
// (Whether a count rounded to 2^24 would change the float32 parameters is at the edge of float
// precision — the bias correction moves by at most 1/t relative — so the test checks the count
// itself rather than relying on that; before the fix, saving the count threw.)
TEST(OptimizerState, AdamStepCountsPast2To24RoundTripExactly) {
  constexpr std::int64_t k2To24 = std::int64_t{1} << 24;
  const AdamOptions options = AdamOptions(1.0).betas({1 - 1e-9, 0.999});
  Params a;
  Adam opt_a(a.list(), options);
  a.set_grads(0);
  opt_a.step();
  Optimizer::StateDict state = opt_a.state_dict();
  for (auto& [name, value] : state)
    if (name.ends_with(".step"))
      value = Tensor::scalar(static_cast<float>(k2To24));  // as older checkpoints hold counts
    else
      std::get<Tensor>(value).fill_(1.0f);
  opt_a.load_state_dict(state);  // counts 2^24 (exact in float32)
  a.set_grads(1);
  opt_a.step();  // p's count 2^24 + 1
  const Tensor p_saved = a.p.value().clone(), q_saved = a.q.value().clone();
  const Optimizer::StateDict saved = opt_a.state_dict();
  ASSERT_EQ(saved[0].first, "state.0.step");
  EXPECT_EQ(std::get<std::int64_t>(saved[0].second), k2To24 + 1);

  Params b(p_saved.clone(), q_saved.clone());
  Adam opt_b(b.list(), options);
  opt_b.load_state_dict(saved);
  EXPECT_EQ(std::get<std::int64_t>(opt_b.state_dict()[0].second), k2To24 + 1);
  for (int s = 2; s < golden::adam_steps; ++s) {
    a.set_grads(s);
    opt_a.step();
    b.set_grads(s);
    opt_b.step();
  }
  EXPECT_EQ(a.p.value().to_vector(), b.p.value().to_vector());
  EXPECT_EQ(a.q.value().to_vector(), b.q.value().to_vector());
  const Optimizer::StateDict sa = opt_a.state_dict(), sb = opt_b.state_dict();
  ASSERT_EQ(names(sa), names(sb));
  for (std::size_t i = 0; i < sa.size(); ++i)
    expect_same_value(sa[i].second, sb[i].second, sa[i].first);
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
  EXPECT_EQ(std::get<std::int64_t>(state[0].second), 0);  // exact, not a float32 tensor
  EXPECT_EQ(tensor(state[1].second).shape(), kP);
  EXPECT_EQ(tensor(state[5].second).shape(), kQ);
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
  const std::vector<float> exp_avg = tensor(state[1].second).to_vector();
  std::get<Tensor>(state[1].second).fill_(7.0f);  // changing the export leaves the optimizer alone
  EXPECT_EQ(tensor(opt.state_dict()[1].second).to_vector(), exp_avg);
  opt.load_state_dict(state);
  std::get<Tensor>(state[1].second).fill_(9.0f);  // and the loaded values are the optimizer's own
  EXPECT_EQ(tensor(opt.state_dict()[1].second).to_vector(), std::vector<float>(6, 7.0f));
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
    expect_same_value(before[i].second, after[i].second, before[i].first);
  }
}

TEST(OptimizerState, LoadChecksNamesShapesAndCountsNamingTheEntry) {
  Params a;
  Adam opt(a.list(), AdamOptions().amsgrad(true));
  a.set_grads(0);
  opt.step();
  const Optimizer::StateDict good = opt.state_dict();
  auto with = [&](const std::string& name, Optimizer::StateValue value) {
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
  expect_load_error(opt, with("state.1.step", std::int64_t{-1}),
                    "load_state_dict: entry 'state.1.step' must hold a non-negative integer "
                    "count, got -1");
  // A float32 count past 2^24 may have been rounded (older checkpoints never held one).
  expect_load_error(opt, with("state.1.step", Tensor::scalar(33554432.0f)),
                    "load_state_dict: entry 'state.1.step' holds the float32 count 3.35544e+07, "
                    "which may have been rounded (float32 counts are exact up to 2^24 only)");
  expect_load_error(opt, with("state.0.exp_avg", std::int64_t{3}),
                    "load_state_dict: entry 'state.0.exp_avg' holds a count, expected a tensor "
                    "of shape [2, 3]");
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
