// lockstep/autograd/functions.hpp — the differentiable operations on Vars.
//
// Each runs its forward kernel and, when recording (grad mode on and an input requires grad),
// records a Node that calls the matching backward kernel. Binary element-wise operations
// broadcast size-1 dimensions (a [1, n] bias adds to every row of an [m, n] input).
//
//   using namespace lockstep;
//   Var pred = matmul(x, w) + b;               // [m, k] @ [k, 1] + [1, 1]
//   Var loss = mean(pow(pred - y, 2.0f));
//   loss.backward();
#pragma once

#include "lockstep/autograd/variable.hpp"
#include "lockstep/tensor/ops/mse.hpp"

namespace lockstep {

Var matmul(const Var& a, const Var& b);
/// x @ w^T + bias in one kernel (w is [out, in], bias [1, out] or undefined).
Var linear(const Var& x, const Var& w, const Var& bias = Var());
Var add(const Var& a, const Var& b);
Var sub(const Var& a, const Var& b);
Var mul(const Var& a, const Var& b);
Var mul(const Var& a, float factor);
Var neg(const Var& a);
Var pow(const Var& a, float exponent);
/// Sum of all elements, as a [1, 1] Var.
Var sum(const Var& a);
/// Mean of all elements, as a [1, 1] Var.
Var mean(const Var& a);
/// Mean squared error of input against target (same shapes).
Var mse_loss(const Var& input, const Var& target, Reduction reduction = Reduction::Mean);

inline Var operator+(const Var& a, const Var& b) { return add(a, b); }
inline Var operator-(const Var& a, const Var& b) { return sub(a, b); }
inline Var operator*(const Var& a, const Var& b) { return mul(a, b); }
inline Var operator*(const Var& a, float s) { return mul(a, s); }
inline Var operator*(float s, const Var& a) { return mul(a, s); }
inline Var operator-(const Var& a) { return neg(a); }

// --- Activations, shape operations and classification losses ----------------------------------
//
//   Var h = relu(linear(x, w1, b1));
//   Var p = softmax(linear(h, w2, b2));                  // along each row
//   Var loss = cross_entropy(logits, labels, {.weight = class_weights, .label_smoothing = 0.1f});
//   Var per_row = nll_loss(log_softmax(logits), labels, {.reduction = Reduction::None});

Var relu(const Var& a);
Var sigmoid(const Var& a);
Var tanh(const Var& a);
Var exp(const Var& a);
/// Natural logarithm.
Var log(const Var& a);
/// Softmax along each row (PyTorch's dim=1), stable for logits of any magnitude.
Var softmax(const Var& a);
/// Log-softmax along each row (PyTorch's dim=1), stable for logits of any magnitude.
Var log_softmax(const Var& a);
/// a / b, element-wise, broadcasting size-1 dimensions like add and mul.
Var div(const Var& a, const Var& b);
/// a / divisor (a true division, not a multiplication by 1 / divisor).
Var div(const Var& a, float divisor);
/// The transpose ([m, n] -> [n, m]).
Var transpose(const Var& a);
/// Sums along `axis`, keeping it: axis 0 gives [1, n] (column sums), axis 1 gives [m, 1].
Var sum(const Var& a, int axis);
/// Means along `axis`, keeping it: axis 0 gives [1, n], axis 1 gives [m, 1].
Var mean(const Var& a, int axis);
/// out(i, 0) = a(i, index(i, 0)); index is an [m, 1] column of class indices held as floats.
/// It takes no gradient (it must not require grad).
Var gather(const Var& a, const Var& index);

/// The options of cross_entropy (and of CrossEntropyLoss), as in PyTorch.
struct CrossEntropyOptions {
  Tensor weight{};               // [1, C] per-class weights; undefined for none
  float label_smoothing = 0.0f;  // in [0, 1]
  Reduction reduction = Reduction::Mean;
};
/// Cross-entropy of [B, C] logits against a [B, 1] column of class indices (held as floats);
/// see lockstep/tensor/ops/cross_entropy.hpp for the exact formula. target takes no gradient.
Var cross_entropy(const Var& logits, const Var& target, const CrossEntropyOptions& options = {});

/// The options of nll_loss (and of NLLLoss).
struct NLLLossOptions {
  Tensor weight{};  // [1, C] per-class weights; undefined for none
  Reduction reduction = Reduction::Mean;
};
/// Negative log-likelihood of [B, C] log-probabilities against a [B, 1] column of class
/// indices. target takes no gradient.
Var nll_loss(const Var& log_probs, const Var& target, const NLLLossOptions& options = {});
/// Binary cross-entropy of logits against targets in [0, 1] (same shapes), numerically stable.
Var bce_with_logits(const Var& logits, const Var& target, Reduction reduction = Reduction::Mean);
/// Mean absolute error of input against target (same shapes).
Var l1_loss(const Var& input, const Var& target, Reduction reduction = Reduction::Mean);

inline Var operator/(const Var& a, const Var& b) { return div(a, b); }
inline Var operator/(const Var& a, float divisor) { return div(a, divisor); }

}  // namespace lockstep
