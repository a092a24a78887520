#!/usr/bin/python3
"""PyTorch's side of README's Fashion-MNIST run: the same network, data, optimizer and batch as

    lockstep train --data train-images-idx3-ubyte.gz ... --model conv32k3,pool2,conv64k3,pool2,fc128
        --epochs 10 --batch-size 128 --lr 0.001 --threads T

(Adam, cross-entropy, pixels / 255 then standardized per pixel with the training set's mean and
population std, as lockstep's default; shuffled every epoch), timed end to end for the training
epochs, with the t10k accuracy after each epoch.

    OPENBLAS_CORETYPE=SkylakeX /usr/bin/python3 benchmarks/torch_fashion_mnist.py --threads 2
"""
import argparse
import gzip
import time

import numpy as np
import torch

nn = torch.nn
DIR = "/usr/share/datasets/fashion-mnist/"


def idx(name):
    with gzip.open(DIR + name) as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * dims).reshape(shape)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--bn", action="store_true", help="conv-bn-relu blocks")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    x = idx("train-images-idx3-ubyte.gz").reshape(-1, 784).astype(np.float32) / 255
    y = idx("train-labels-idx1-ubyte.gz").astype(np.int64)
    vx = idx("t10k-images-idx3-ubyte.gz").reshape(-1, 784).astype(np.float32) / 255
    vy = idx("t10k-labels-idx1-ubyte.gz").astype(np.int64)
    mean, std = x.mean(0, dtype=np.float64), x.std(0, dtype=np.float64)
    std[std == 0] = 1
    x = ((x - mean) / std).astype(np.float32)
    vx = ((vx - mean) / std).astype(np.float32)
    x, y = torch.from_numpy(x).view(-1, 1, 28, 28), torch.from_numpy(y)
    vx, vy = torch.from_numpy(vx).view(-1, 1, 28, 28), torch.from_numpy(vy)
    bn = (lambda c: [nn.BatchNorm2d(c)]) if a.bn else (lambda c: [])
    net = nn.Sequential(nn.Conv2d(1, 32, 3), *bn(32), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Conv2d(32, 64, 3), *bn(64), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                        nn.Linear(1600, 128), nn.ReLU(), nn.Linear(128, 10))
    opt = torch.optim.Adam(net.parameters(), lr=0.001)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=128,
                                         shuffle=True)
    train_seconds = 0.0
    for epoch in range(a.epochs):
        net.train()
        start = time.perf_counter()
        for xb, yb in loader:
            opt.zero_grad()
            nn.functional.cross_entropy(net(xb), yb).backward()
            opt.step()
        train_seconds += time.perf_counter() - start
        net.eval()
        with torch.no_grad():
            acc = (net(vx).argmax(1) == vy).float().mean().item()
        print(f"epoch {epoch + 1}: val_accuracy {acc:.4f}", flush=True)
    print(f"torch {torch.__version__}, {a.threads} threads: {a.epochs} epochs of training in "
          f"{train_seconds:.1f} s, {60000 * a.epochs / train_seconds:.0f} samples/s")


if __name__ == "__main__":
    main()
