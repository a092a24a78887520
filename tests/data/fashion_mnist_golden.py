#!/usr/bin/python3
"""Golden values for tests/data/test_fashion_mnist.cpp, computed from Debian's
dataset-fashion-mnist files with the standard library only (gzip + struct), independently of
lockstep's reader.

Usage: /usr/bin/python3 tests/data/fashion_mnist_golden.py [DIR]
       (DIR defaults to /usr/share/datasets/fashion-mnist)
Prints, per file: the header's dimensions, the sum of the first image's bytes, the sum of every
byte of the data, the first 10 labels and the count of each label.
"""
import gzip
import os
import struct
import sys

DIR = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/datasets/fashion-mnist"


def read_idx(name):
    with gzip.open(os.path.join(DIR, name), "rb") as f:
        data = f.read()
    zero, code, ndims = struct.unpack(">HBB", data[:4])
    assert zero == 0 and code == 0x08, (name, zero, code)
    dims = struct.unpack(">%dI" % ndims, data[4:4 + 4 * ndims])
    return dims, data[4 + 4 * ndims:]


for split in ("train", "t10k"):
    dims, pixels = read_idx("%s-images-idx3-ubyte.gz" % split)
    n, rows, cols = dims
    assert len(pixels) == n * rows * cols
    first = pixels[:rows * cols]
    print("%s images: %s, first image byte sum %d, all bytes sum %d, first image max %d" %
          (split, " x ".join(map(str, dims)), sum(first), sum(pixels), max(first)))
    dims, labels = read_idx("%s-labels-idx1-ubyte.gz" % split)
    counts = [labels.count(c) for c in range(10)]
    print("%s labels: %s, first 10 %s, counts %s" %
          (split, " x ".join(map(str, dims)), list(labels[:10]), counts))
