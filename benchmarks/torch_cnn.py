#!/usr/bin/python3
"""PyTorch's side of benchmarks/bench_cnn.cpp: the 2-conv Fashion-MNIST network of issue 14
(conv 32 3x3, relu, max pool 2, conv 64 3x3, relu, max pool 2, flatten, fc 128, relu, fc 10),
cross-entropy, SGD(0.01, momentum 0.9), batch 128 of random 28 x 28 images; training steps per
second at torch.set_num_threads(1) and (2). Prints samples/s, the median of 3 repetitions of
30 steps after 5 warm-up steps.

    /usr/bin/python3 benchmarks/torch_cnn.py
"""
import statistics
import time

import torch

nn = torch.nn
BATCH, STEPS, REPS = 128, 30, 3


def run(threads):
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    net = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3),
                        nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(1600, 128),
                        nn.ReLU(), nn.Linear(128, 10))
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    x = torch.rand(BATCH, 1, 28, 28)
    y = torch.randint(0, 10, (BATCH,))

    def step():
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(x), y).backward()
        opt.step()

    for _ in range(5):
        step()
    rates = []
    for _ in range(REPS):
        start = time.perf_counter()
        for _ in range(STEPS):
            step()
        rates.append(BATCH * STEPS / (time.perf_counter() - start))
    return statistics.median(rates)


for t in (1, 2):
    print(f"torch {torch.__version__} fashion CNN batch {BATCH}, {t} thread(s): "
          f"{run(t):.0f} samples/s")
