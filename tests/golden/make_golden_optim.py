#!/usr/bin/python3
"""Writes tests/golden/golden_optim.hpp: optimizer, schedule and clipping values from PyTorch.

Run with Debian's interpreter and python3-torch:  /usr/bin/python3 tests/golden/make_golden_optim.py
Every input is written out in full in the header, so the C++ tests start from exactly the
numbers PyTorch started from. Learning rates are written as doubles (the C++ schedules compute
in double, as PyTorch's do).
"""
import os
import warnings

import torch

warnings.filterwarnings("ignore")  # the schedulers' "call optimizer.step() first" notices
torch.manual_seed(1)
torch.set_default_dtype(torch.float32)
out = []


def float_literal(v):
    text = f"{v:.9g}"
    return (text if any(c in text for c in ".e") else text + ".0") + "f"


def emit(name, t):
    flat = t.detach().reshape(-1).tolist()
    body = ", ".join(float_literal(v) for v in flat)
    out.append(f"inline constexpr float {name}[] = {{{body}}};")


def emit_double(name, values):
    body = ", ".join(f"{v:.17g}" for v in values)
    out.append(f"inline constexpr double {name}[] = {{{body}}};")


# --- Adam and AdamW: two parameters, fixed gradients, several option sets ----------------------
# p is [2, 3] and gets a gradient every step; q is [1, 4] and gets none at steps 2 and 5, so its
# step count (and bias correction) falls behind p's. Gradient magnitudes rise and fall, so that
# amsgrad's running maximum of exp_avg_sq differs from exp_avg_sq.
STEPS = 8
Q_SKIPPED = {2, 5}
scales = [1.0, 2.0, 0.2, 1.5, 0.05, 0.5, 3.0, 0.1]
p0 = torch.randn(2, 3)
q0 = torch.randn(1, 4)
p_grads = [torch.randn(2, 3) * s for s in scales]
q_grads = [torch.randn(1, 4) * s for s in scales]
out.append(f"inline constexpr int adam_steps = {STEPS};")
emit("adam_p0", p0)
emit("adam_q0", q0)
emit("adam_p_grads", torch.stack(p_grads))
emit("adam_q_grads", torch.stack(q_grads))
out.append("inline constexpr bool adam_q_has_grad[] = {" +
           ", ".join("false" if s in Q_SKIPPED else "true" for s in range(STEPS)) + "};")
configs = {
    "adam_plain": (torch.optim.Adam, dict(lr=0.1)),
    "adam_weight_decay": (torch.optim.Adam, dict(lr=0.05, betas=(0.8, 0.99), weight_decay=0.3)),
    "adam_amsgrad": (torch.optim.Adam, dict(lr=0.1, betas=(0.9, 0.95), eps=1e-3, amsgrad=True)),
    "adam_amsgrad_weight_decay": (torch.optim.Adam, dict(lr=0.02, weight_decay=0.1, amsgrad=True)),
    "adamw_plain": (torch.optim.AdamW, dict(lr=0.1, weight_decay=0.2)),
    "adamw_amsgrad": (torch.optim.AdamW,
                      dict(lr=0.05, betas=(0.85, 0.9), eps=1e-4, weight_decay=0.5, amsgrad=True)),
    "adamw_default_decay": (torch.optim.AdamW, dict(lr=0.1)),  # weight_decay defaults to 1e-2
}
for name, (cls, cfg) in configs.items():
    p = p0.clone().requires_grad_()
    q = q0.clone().requires_grad_()
    opt = cls([p, q], **cfg)
    p_trace, q_trace = [], []
    for s in range(STEPS):
        p.grad = p_grads[s].clone()
        q.grad = None if s in Q_SKIPPED else q_grads[s].clone()
        opt.step()
        p_trace.append(p.detach().clone())
        q_trace.append(q.detach().clone())
    emit(f"{name}_p", torch.stack(p_trace))
    emit(f"{name}_q", torch.stack(q_trace))

# --- Learning-rate schedules: the lr after construction and after each of 30 steps -------------
BASE_LR = 0.1
SCHED_STEPS = 30


def lr_sequence(make):
    w = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([w], lr=BASE_LR)
    sched = make(opt)
    lrs = [opt.param_groups[0]["lr"]]
    for _ in range(SCHED_STEPS):
        opt.step()
        sched.step()
        lrs.append(opt.param_groups[0]["lr"])
    return lrs


S = torch.optim.lr_scheduler


def warmup(n, start, after):
    return lambda o: S.SequentialLR(
        o, [S.LinearLR(o, start_factor=start, end_factor=1.0, total_iters=n), after(o)],
        milestones=[n])


schedules = {
    "step": lambda o: S.StepLR(o, step_size=7, gamma=0.5),
    "multistep": lambda o: S.MultiStepLR(o, milestones=[5, 12, 12, 20], gamma=0.3),
    "exponential": lambda o: S.ExponentialLR(o, gamma=0.9),
    "cosine": lambda o: S.CosineAnnealingLR(o, T_max=10, eta_min=0.001),
    "cosine_to_zero": lambda o: S.CosineAnnealingLR(o, T_max=30),
    "warmup_only": lambda o: S.LinearLR(o, start_factor=0.2, end_factor=1.0, total_iters=6),
    "warmup_cosine": warmup(5, 0.1, lambda o: S.CosineAnnealingLR(o, T_max=25)),
    "warmup_step": warmup(4, 0.25, lambda o: S.StepLR(o, step_size=5, gamma=0.5)),
    "warmup_multistep": warmup(3, 0.5, lambda o: S.MultiStepLR(o, milestones=[4, 10], gamma=0.1)),
    "warmup_exponential": warmup(8, 0.01, lambda o: S.ExponentialLR(o, gamma=0.95)),
}
out.append(f"inline constexpr double sched_base_lr = {BASE_LR!r};")
out.append(f"inline constexpr int sched_steps = {SCHED_STEPS};")
for name, make in schedules.items():
    emit_double(f"sched_{name}", lr_sequence(make))

# --- clip_grad_norm_: three gradients, one parameter without a gradient ------------------------
clip_grads = [torch.randn(2, 3) * 2, torch.randn(1, 4), torch.randn(3, 1) * 0.5]
emit("clip_grads", torch.cat([g.reshape(-1) for g in clip_grads]))
for name, max_norm in {"clip_small": 1.0, "clip_large": 100.0, "clip_zero": 0.0}.items():
    params = [torch.zeros_like(g, requires_grad=True) for g in clip_grads]
    for prm, g in zip(params, clip_grads):
        prm.grad = g.clone()
    extra = torch.zeros(2, 2, requires_grad=True)  # no gradient: skipped
    total = torch.nn.utils.clip_grad_norm_(params + [extra], max_norm)
    emit(f"{name}_norm", total.reshape(1))
    emit(f"{name}_grads", torch.cat([prm.grad.reshape(-1) for prm in params]))

header = [
    "// Generated by tests/golden/make_golden_optim.py with PyTorch " + torch.__version__ +
    " — do not edit.",
    "#pragma once",
    "namespace golden {",
    *out,
    "}  // namespace golden",
    "",
]
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden_optim.hpp")
with open(path, "w") as f:
    f.write("\n".join(header))
print("wrote", path)
