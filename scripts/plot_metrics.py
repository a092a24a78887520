#!/usr/bin/python3
"""Plot a `lockstep train --metrics run.jsonl` file to a PNG.

    /usr/bin/python3 scripts/plot_metrics.py run.jsonl            # writes run.png
    /usr/bin/python3 scripts/plot_metrics.py run.jsonl -o out.png

Three panels under a title with the run's final figures: training loss per logged step (and
per epoch) with validation loss; validation accuracy (classifiers); throughput (samples/s, a
running median) and, when it changes, the learning rate. Epochs are marked along the top.
Installed as `lockstep-plot-metrics`. Needs Debian's python3-matplotlib (scripts/install-deps.sh
installs it).
"""
import argparse
import json
import sys


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("metrics", help="JSON Lines file written by lockstep train --metrics")
    parser.add_argument("-o", "--out", help="PNG to write (default: METRICS with .png)")
    args = parser.parse_args()

    steps, epochs = [], []
    with open(args.metrics) as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as e:
                sys.exit(f"{args.metrics} line {number}: not JSON: {e}")
            (steps if record.get("type") == "step" else epochs).append(record)
    if not steps and not epochs:
        sys.exit(f"{args.metrics}: no metrics records")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    source = steps or epochs
    lrs = [r["lr"] for r in source if r.get("lr") is not None]
    constant_lr = len(set(lrs)) <= 1
    last = epochs[-1] if epochs else source[-1]
    summary = [f"{source[-1]['step']:.0f} steps", f"{len(epochs)} epochs"]
    if last.get("loss") is not None:
        summary.append(f"train loss {last['loss']:.4g}")
    if last.get("val_loss") is not None:
        summary.append(f"val loss {last['val_loss']:.4g}")
    if last.get("val_accuracy") is not None:
        summary.append(f"val accuracy {last['val_accuracy']:.4f}")
    if constant_lr and lrs:
        summary.append(f"lr {lrs[0]:g} (constant)")

    fig, (ax_loss, ax_acc, ax_speed) = plt.subplots(3, 1, figsize=(8, 10), sharex=True)
    fig.suptitle(f"{args.metrics}\n" + ", ".join(summary), fontsize=10)
    if steps:
        ax_loss.plot([r["step"] for r in steps], [r["loss"] for r in steps], label="train (step)",
                     alpha=0.5)
    ax_loss.plot([r["step"] for r in epochs], [r["loss"] for r in epochs], "o-",
                 label="train (epoch mean)")
    val = [r for r in epochs if r.get("val_loss") is not None]
    if val:
        ax_loss.plot([r["step"] for r in val], [r["val_loss"] for r in val], "s-", label="validation")
    ax_loss.set_ylabel("loss")
    ax_loss.set_yscale("log")
    ax_loss.legend()
    ax_loss.grid(alpha=0.3)

    acc = [r for r in epochs if r.get("val_accuracy") is not None]
    if acc:
        ax_acc.plot([r["step"] for r in acc], [r["val_accuracy"] for r in acc], "s-")
    ax_acc.set_ylabel("validation accuracy")
    ax_acc.grid(alpha=0.3)

    # Throughput: each point is noisy (a window of a few steps), so the line is a running median
    # of 5 with the raw points faint behind it.
    xs = [r["step"] for r in source]
    rate = [r["samples_per_s"] for r in source]
    smooth = [sorted(rate[max(0, i - 2):i + 3])[len(rate[max(0, i - 2):i + 3]) // 2]
              for i in range(len(rate))]
    ax_speed.plot(xs, rate, ".", color="tab:blue", alpha=0.25)
    ax_speed.plot(xs, smooth, color="tab:blue", label="samples/s (running median of 5)")
    ax_speed.set_ylabel("samples/s")
    ax_speed.set_xlabel("optimizer step")
    ax_speed.set_ylim(bottom=0)
    ax_speed.grid(alpha=0.3)
    if not constant_lr:  # a second axis only when the rate changes (a schedule, a warm-up)
        ax_lr = ax_speed.twinx()
        ax_lr.plot(xs, [r["lr"] for r in source], color="tab:red", label="lr")
        ax_lr.set_ylabel("learning rate", color="tab:red")
        ax_lr.set_ylim(bottom=0)
    ax_speed.legend(loc="lower right")

    # Epochs along the top: a line at each epoch's end.
    for r in epochs:
        for ax in (ax_loss, ax_acc, ax_speed):
            ax.axvline(r["step"], color="grey", alpha=0.2, linewidth=0.8)
    if epochs:
        top = ax_loss.secondary_xaxis("top")
        top.set_xticks([r["step"] for r in epochs])
        top.set_xticklabels([f"{r['epoch']:.0f}" for r in epochs], fontsize=7)
        top.set_xlabel("epoch (at its end)")

    out = args.out or (args.metrics.rsplit(".", 1)[0] + ".png")
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
