#!/usr/bin/python3
"""Writes tests/golden/golden_losses.hpp: losses, softmax and activations computed by PyTorch.

Run with Debian's interpreter and python3-torch:
    /usr/bin/python3 tests/golden/make_golden_losses.py
Every input is written out in full in the header, so the C++ tests start from exactly the
numbers PyTorch started from. Class indices are written as floats (lockstep's targets are
float [B, 1] columns holding integers). For reduction "none" the gradient is that of
sum(cotangent * loss) with the cotangent written out too; otherwise of the scalar loss.
"""
import os
import torch
import torch.nn.functional as F

torch.manual_seed(1234)
torch.set_default_dtype(torch.float32)
out = []
REDUCTIONS = ["mean", "sum", "none"]


def literal(v):
    """A C++ float literal holding v exactly ("0.0f", not the invalid "0f")."""
    text = f"{float(v):.9g}"
    assert all(c in "0123456789.-+e" for c in text), f"not a finite number: {text}"
    if "." not in text and "e" not in text:
        text += ".0"
    return text + "f"


def emit(name, t):
    flat = t.detach().reshape(-1).tolist()
    body = ", ".join(literal(v) for v in flat)
    out.append(f"inline constexpr float {name}[] = {{{body}}};")


def emit_shape(name, t):
    r, c = (t.shape[0], t.shape[1]) if t.dim() == 2 else (t.numel(), 1)
    out.append(f"inline constexpr long {name}_rows = {r}, {name}_cols = {c};")


def value_and_grads(fn, inputs, cotangent=None):
    """fn(*inputs) and the gradient of each input (of sum(cotangent * value) when given)."""
    xs = [x.clone().requires_grad_() for x in inputs]
    y = fn(*xs)
    y.backward(cotangent if cotangent is not None and y.dim() > 0 else None)
    return y, [x.grad for x in xs]


# --- cross_entropy: plain, class weights, label smoothing, both; every reduction ------------------
B, C = 6, 4
ce_logits = torch.randn(B, C) * 2.0
ce_logits[1] += 8.0  # a row with large logits
ce_target = torch.tensor([0, 3, 1, 2, 3, 1])
ce_weight = torch.rand(C) + 0.25
ce_cotangent = torch.randn(B)
emit_shape("ce_logits", ce_logits)
emit("ce_logits", ce_logits)
emit("ce_target", ce_target.float())
emit("ce_weight", ce_weight)
emit("ce_cotangent", ce_cotangent)
ce_cases = {
    "plain": dict(),
    "weighted": dict(weight=ce_weight),
    "smooth": dict(label_smoothing=0.2),
    "weighted_smooth": dict(weight=ce_weight, label_smoothing=0.2),
}
for case, kwargs in ce_cases.items():
    for red in REDUCTIONS:
        y, (g,) = value_and_grads(
            lambda x: F.cross_entropy(x, ce_target, reduction=red, **kwargs), [ce_logits],
            ce_cotangent)
        emit(f"ce_{case}_{red}_value", y)
        emit(f"ce_{case}_{red}_grad", g)

# --- nll_loss: plain and weighted; every reduction -------------------------------------------------
nll_input = F.log_softmax(torch.randn(B, C), dim=1)
nll_target = torch.tensor([2, 0, 0, 3, 1, 2])
nll_weight = torch.rand(C) + 0.25
emit("nll_input", nll_input)
emit("nll_target", nll_target.float())
emit("nll_weight", nll_weight)
for case, kwargs in {"plain": dict(), "weighted": dict(weight=nll_weight)}.items():
    for red in REDUCTIONS:
        y, (g,) = value_and_grads(
            lambda x: F.nll_loss(x, nll_target, reduction=red, **kwargs), [nll_input],
            ce_cotangent)
        emit(f"nll_{case}_{red}_value", y)
        emit(f"nll_{case}_{red}_grad", g)

# --- binary_cross_entropy_with_logits, including logits of magnitude 30; every reduction -----------
bce_input = torch.randn(4, 3) * 3.0
bce_input[0] = torch.tensor([30.0, -30.0, 30.0])
bce_input[3, 2] = -30.0
bce_target = torch.rand(4, 3)
bce_target[0] = torch.tensor([1.0, 0.0, 0.0])
bce_target[1, 1] = 1.0
bce_target[3, 2] = 1.0
bce_cotangent = torch.randn(4, 3)
emit_shape("bce_input", bce_input)
emit("bce_input", bce_input)
emit("bce_target", bce_target)
emit("bce_cotangent", bce_cotangent)
for red in REDUCTIONS:
    y, (gi, gt) = value_and_grads(
        lambda x, t: F.binary_cross_entropy_with_logits(x, t, reduction=red),
        [bce_input, bce_target], bce_cotangent)
    emit(f"bce_{red}_value", y)
    emit(f"bce_{red}_grad", gi)
    emit(f"bce_{red}_target_grad", gt)

# --- l1_loss; every reduction ------------------------------------------------------------------------
l1_input = torch.randn(4, 3)
l1_target = torch.randn(4, 3)
emit_shape("l1_input", l1_input)
emit("l1_input", l1_input)
emit("l1_target", l1_target)
for red in REDUCTIONS:
    y, (gi, gt) = value_and_grads(lambda x, t: F.l1_loss(x, t, reduction=red),
                                  [l1_input, l1_target], bce_cotangent)
    emit(f"l1_{red}_value", y)
    emit(f"l1_{red}_grad", gi)
    emit(f"l1_{red}_target_grad", gt)

# --- softmax and log_softmax along rows, on large logits (stability) ------------------------------
sm_input = torch.tensor([[1000.0, 999.0, 998.0, 990.0],
                         [-1000.0, 0.0, 1000.0, 999.5],
                         [-1000.0, -1001.0, -1002.0, -1000.5],
                         [0.5, -1.25, 2.0, 0.0]])
sm_cotangent = torch.randn(4, 4)
emit_shape("sm_input", sm_input)
emit("sm_input", sm_input)
emit("sm_cotangent", sm_cotangent)
for name, fn in {"softmax": F.softmax, "log_softmax": F.log_softmax}.items():
    y, (g,) = value_and_grads(lambda x: fn(x, dim=1), [sm_input], sm_cotangent)
    emit(f"{name}_value", y)
    emit(f"{name}_grad", g)

# --- element-wise activations, including saturated inputs --------------------------------------------
act_input = torch.tensor([[-30.0, -5.0, -1.5, -0.25, 0.3, 1.0, 4.0, 30.0]])
act_positive = torch.tensor([[1e-3, 0.1, 0.5, 1.0, 2.0, 10.0, 1e3, 1e6]])
act_cotangent = torch.randn(1, 8)
emit("act_input", act_input)
emit("act_positive", act_positive)
emit("act_cotangent", act_cotangent)
for name, fn, x in [("relu", torch.relu, act_input), ("sigmoid", torch.sigmoid, act_input),
                    ("tanh", torch.tanh, act_input), ("exp", torch.exp, act_input[:, 1:7]),
                    ("log", torch.log, act_positive)]:
    cot = act_cotangent[:, :x.shape[1]]
    y, (g,) = value_and_grads(fn, [x], cot)
    emit(f"{name}_value", y)
    emit(f"{name}_grad", g)

header = [
    "// Generated by tests/golden/make_golden_losses.py with PyTorch " + torch.__version__ +
    " — do not edit.",
    "#pragma once",
    "namespace golden {",
    *out,
    "}  // namespace golden",
    "",
]
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden_losses.hpp")
with open(path, "w") as f:
    f.write("\n".join(header))
print("wrote", path)
