#!/usr/bin/python3
"""Loads a lockstep model file into PyTorch and checks the values it is told.

    /usr/bin/python3 tests/io/load_in_torch.py FILE [--input ROWS --output ROWS]
        [--param NAME=V,V,...]... [--metadata KEY=VALUE]... [--tol T]
        [--architecture iris_mlp|small_cnn|bn_cnn]

ROWS is rows separated by ';', values by ','. FILE is read with the standard library alone
(Debian has no safetensors package), checking the layout safetensors.torch.load_file expects,
then loaded with load_state_dict(strict=True) into the --architecture: iris_mlp (the default),
torch.nn.Sequential(Linear(4, 16), Sigmoid(), Linear(16, 3)), or small_cnn, the network of
tests/golden/make_golden_cnn.py (its --input rows are 1 x 10 x 10 images, flattened), or
bn_cnn, the batch-normalized network of tests/golden/make_golden_batch_norm.py (1 x 8 x 8
images; its running statistics and num_batches_tracked are loaded too). The model's output, in
evaluation mode, on --input must match --output, each --param the named parameter or buffer
(flattened), each --metadata the file's metadata. Prints OK and exits 0, or prints what differs and exits 1.
"""
import argparse
import json
import struct
import sys

import torch


def fail(message):
    print(f"load_in_torch.py: {message}")
    sys.exit(1)


def load_safetensors(path):
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        fail(f"{path}: shorter than 8 bytes")
    (n,) = struct.unpack("<Q", blob[:8])
    if n % 8 != 0 or 8 + n > len(blob):
        fail(f"{path}: bad header length {n}")
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    data = blob[8 + n:]
    metadata = header.pop("__metadata__", {})
    tensors = {}
    names = list(header)
    if names != sorted(names):
        fail(f"{path}: tensors not in sorted order: {names}")
    end = 0
    for name in names:
        info = header[name]
        if info["dtype"] not in ("F32", "I64"):
            fail(f"{path}: {name}: dtype {info['dtype']}")
        size, code, dtype = (4, "f", torch.float32) if info["dtype"] == "F32" else \
            (8, "q", torch.int64)
        begin, stop = info["data_offsets"]
        if begin != end:
            fail(f"{path}: {name}: data_offsets {info['data_offsets']} not contiguous")
        count = 1
        for d in info["shape"]:
            count *= d
        if stop - begin != size * count:
            fail(f"{path}: {name}: {stop - begin} bytes for shape {info['shape']}")
        values = struct.unpack(f"<{count}{code}", data[begin:stop])
        tensors[name] = torch.tensor(values, dtype=dtype).reshape(info["shape"])
        end = stop
    if end != len(data):
        fail(f"{path}: {len(data) - end} bytes after the last tensor")
    return tensors, metadata


def rows(text):
    return torch.tensor([[float(v) for v in row.split(",")] for row in text.split(";")])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("--input")
    parser.add_argument("--output")
    parser.add_argument("--param", action="append", default=[])
    parser.add_argument("--metadata", action="append", default=[])
    parser.add_argument("--tol", type=float, default=1e-5)
    parser.add_argument("--architecture", choices=["iris_mlp", "small_cnn", "bn_cnn"], default="iris_mlp")
    args = parser.parse_args()

    tensors, metadata = load_safetensors(args.file)
    nn = torch.nn
    if args.architecture == "iris_mlp":
        model = nn.Sequential(nn.Linear(4, 16), nn.Sigmoid(), nn.Linear(16, 3))
        shape_input = lambda x: x
    elif args.architecture == "bn_cnn":
        model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                              nn.MaxPool2d(2), nn.Flatten(), nn.Linear(64, 8), nn.BatchNorm1d(8),
                              nn.ReLU(), nn.Linear(8, 3))
        shape_input = lambda x: x.reshape(-1, 1, 8, 8)
    else:
        model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Conv2d(4, 8, 3, stride=2, padding=1), nn.ReLU(),
                              nn.AvgPool2d(2, stride=1), nn.Flatten(), nn.Linear(32, 3))
        shape_input = lambda x: x.reshape(-1, 1, 10, 10)
    model.eval()
    try:
        model.load_state_dict(tensors, strict=True)
    except RuntimeError as e:
        fail(f"load_state_dict(strict=True) failed: {e}")
    params = {**dict(model.named_parameters()), **dict(model.named_buffers())}
    for spec in args.param:
        name, values = spec.split("=", 1)
        expected = torch.tensor([float(v) for v in values.split(",")])
        got = params[name].detach().reshape(-1).float()
        if got.shape != expected.shape or not torch.allclose(got, expected, atol=args.tol,
                                                              rtol=0):
            fail(f"parameter {name}: expected {expected.tolist()}, got {got.tolist()}")
    for spec in args.metadata:
        key, value = spec.split("=", 1)
        if metadata.get(key) != value:
            fail(f"metadata {key!r}: expected {value!r}, got {metadata.get(key)!r}")
    if args.input is not None:
        with torch.no_grad():
            got = model(shape_input(rows(args.input)))
        expected = rows(args.output)
        if got.shape != expected.shape or not torch.allclose(got, expected, atol=args.tol,
                                                              rtol=0):
            fail(f"output: expected {expected.tolist()}, got {got.tolist()}")
    print("OK")


if __name__ == "__main__":
    main()
