#!/usr/bin/python3
"""Plot a `lockstep train --metrics run.jsonl` file to a PNG.

    /usr/bin/python3 scripts/plot_metrics.py run.jsonl            # writes run.png
    /usr/bin/python3 scripts/plot_metrics.py run.jsonl -o out.png

Three panels: training loss per logged step (and per epoch) with validation loss; validation
accuracy (classifiers); throughput (samples/s) and the learning rate. Needs Debian's
python3-matplotlib (scripts/install-deps.sh installs it).
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

    fig, (ax_loss, ax_acc, ax_speed) = plt.subplots(3, 1, figsize=(8, 10), sharex=True)
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

    source = steps or epochs
    ax_speed.plot([r["step"] for r in source], [r["samples_per_s"] for r in source], label="samples/s")
    ax_speed.set_ylabel("samples/s")
    ax_speed.set_xlabel("optimizer step")
    ax_speed.grid(alpha=0.3)
    ax_lr = ax_speed.twinx()
    ax_lr.plot([r["step"] for r in source], [r["lr"] for r in source], color="tab:red", label="lr")
    ax_lr.set_ylabel("learning rate", color="tab:red")

    out = args.out or (args.metrics.rsplit(".", 1)[0] + ".png")
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
