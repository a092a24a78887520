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

}  // namespace lockstep
