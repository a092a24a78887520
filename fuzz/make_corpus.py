#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora, fuzz/corpus/<target>/: small valid inputs, a few per
target. Standard library only; the model file and the checkpoint come from the `lockstep`
program itself (a one-epoch iris run), so they carry exactly the metadata it writes.

Usage: fuzz/make_corpus.py PATH/TO/lockstep     (from the repository root; rewrites the folder)
"""
import gzip
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "fuzz", "corpus")


def put(target, name, data):
    os.makedirs(os.path.join(CORPUS, target), exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(CORPUS, target, name), "wb") as f:
        f.write(data)


def csv_seeds():
    with open(os.path.join(ROOT, "data", "iris.csv"), "rb") as f:
        iris = f.read().splitlines(keepends=True)
    put("fuzz_csv", "iris_head.csv", b"".join(iris[:12]))
    with open(os.path.join(ROOT, "data", "seed_linear.csv"), "rb") as f:
        put("fuzz_csv", "seed_linear.csv", f.read())
    with open(os.path.join(ROOT, "data", "diabetes.csv"), "rb") as f:
        put("fuzz_csv", "diabetes_head.csv", b"".join(f.read().splitlines(keepends=True)[:6]))
    put("fuzz_csv", "quoted_crlf_bom.csv",
        b'\xef\xbb\xbfa,"b ""q""",label\r\n1,"2,5",x\r\n\r\n3,4,"y\ny"\r\n-1e3,+.5,x')
    put("fuzz_csv", "semicolon.csv", "a;b;c\n1;2;3\n4;5;6\n")
    put("fuzz_csv", "nonfinite.csv", "x,y\nnan,1\n-inf,2\n3,Infinity\n")


def npy(descr, shape, payload, version=(1, 0), fortran=False):
    header = "{'descr': '%s', 'fortran_order': %s, 'shape': (%s), }" % (
        descr, "True" if fortran else "False",
        "".join("%d," % d for d in shape) if len(shape) == 1 else ", ".join(map(str, shape)))
    length_size = 2 if version[0] == 1 else 4
    pre = 6 + 2 + length_size
    header += " " * ((64 - (pre + len(header) + 1) % 64) % 64) + "\n"
    length = struct.pack("<H" if length_size == 2 else "<I", len(header))
    return b"\x93NUMPY" + bytes(version) + length + header.encode("latin-1") + payload


def npy_seeds():
    put("fuzz_npy", "f4_3x2.npy", npy("<f4", (3, 2), struct.pack("<6f", 1, 2, 3, 4.5, -5, 6)))
    put("fuzz_npy", "f8_4.npy", npy("<f8", (4,), struct.pack("<4d", 0.1, 1e300, -2, 3)))
    put("fuzz_npy", "i4_2x2_v2.npy", npy("<i4", (2, 2), struct.pack("<4i", 1, -2, 3, 4), (2, 0)))
    put("fuzz_npy", "i8_2x1x2_v3.npy",
        npy("<i8", (2, 1, 2), struct.pack("<4q", 1, 2, -3, 1 << 40), (3, 0)))
    put("fuzz_npy", "u1_5.npy", npy("|u1", (5,), bytes([0, 1, 127, 128, 255])))
    put("fuzz_npy", "f4_0x3.npy", npy("<f4", (0, 3), b""))


def idx(type_code, dims, payload):
    return bytes([0, 0, type_code, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + payload


def idx_seeds():
    put("fuzz_idx", "u8_images_2x3x3", idx(0x08, (2, 3, 3), bytes(range(0, 180, 10))))
    put("fuzz_idx", "u8_labels_4", idx(0x08, (4,), bytes([0, 9, 3, 7])))
    put("fuzz_idx", "i8_2x2", idx(0x09, (2, 2), bytes([0x80, 0x7F, 0, 1])))
    put("fuzz_idx", "i16_3", idx(0x0B, (3,), struct.pack(">3h", -1, 300, 7)))
    put("fuzz_idx", "i32_2x1", idx(0x0C, (2, 1), struct.pack(">2i", -70000, 5)))
    put("fuzz_idx", "f32_2x2", idx(0x0D, (2, 2), struct.pack(">4f", 0.5, -1, 2, 3)))
    put("fuzz_idx", "f64_3", idx(0x0E, (3,), struct.pack(">3d", 1e-3, 2, -4)))
    # gzip-compressed (mtime 0: the same bytes every time), one member and two.
    images = idx(0x08, (2, 3, 3), bytes(range(0, 180, 10)))
    put("fuzz_idx", "u8_images_2x3x3.gz", gzip.compress(images, mtime=0))
    put("fuzz_idx", "u8_labels_4.gz", gzip.compress(idx(0x08, (4,), bytes([0, 9, 3, 7])), 9, mtime=0))
    put("fuzz_idx", "u8_images_two_members.gz",
        gzip.compress(images[:10], mtime=0) + gzip.compress(images[10:], mtime=0))
    put("fuzz_idx", "f32_2x2.gz", gzip.compress(idx(0x0D, (2, 2), struct.pack(">4f", 0.5, -1, 2, 3)),
                                                mtime=0))


def safetensors(tensors, metadata=None):
    """tensors: list of (name, dtype, shape, raw bytes)."""
    header = {"__metadata__": metadata} if metadata is not None else {}
    offset = 0
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": list(shape),
                        "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(t[3] for t in tensors)


def safetensors_seeds():
    put("fuzz_safetensors", "f64_f16_bf16.safetensors", safetensors([
        ("a", "F64", (2,), struct.pack("<2d", 1.5, -2)),
        ("b", "F16", (2, 1), struct.pack("<2H", 0x3C00, 0xC000)),
        ("c", "BF16", (), struct.pack("<H", 0x3F80)),
    ], {"note": "x"}))
    put("fuzz_safetensors", "empty.safetensors", safetensors([]))


def lockstep_seeds(cli):
    """A model file and a checkpoint (iris, mlp:4: 4 inputs, 3 outputs; Adam; step schedule)."""
    with tempfile.TemporaryDirectory() as tmp:
        model = os.path.join(tmp, "iris.safetensors")
        subprocess.run([cli, "train", "--data", "iris", "--model", "mlp:4", "--epochs", "1",
                        "--optimizer", "adam", "--schedule", "step", "--threads", "1",
                        "--quiet", "--save", model, "--checkpoint-dir", tmp], check=True)
        with open(model, "rb") as f:
            data = f.read()
        put("fuzz_model_file", "iris_mlp4.safetensors", data)
        put("fuzz_safetensors", "iris_mlp4.safetensors", data)
        with open(os.path.join(tmp, "checkpoint.safetensors"), "rb") as f:
            put("fuzz_checkpoint", "iris_mlp4_adam_step.safetensors", f.read())
        regression = os.path.join(tmp, "diabetes.safetensors")
        subprocess.run([cli, "train", "--data", "diabetes", "--model", "linear", "--epochs", "1",
                        "--optimizer", "sgd", "--loss", "l1", "--no-standardize", "--threads",
                        "1", "--quiet", "--save", regression], check=True)
        with open(regression, "rb") as f:
            put("fuzz_model_file", "diabetes_linear.safetensors", f.read())


def json_seeds():
    put("fuzz_json_config", "iris.json",
        '{"data": "iris", "model": "mlp:16,8", "lr": 0.05, "epochs": 3, "standardize": true}')
    put("fuzz_json_config", "flags.json",
        '{"batch_size": 32, "optimizer": "sgd", "momentum": 0.9, "nesterov": false,\n'
        ' "schedule": "step", "lr-step-size": 2, "lr_gamma": 0.5, "val_split": 0.2}')
    put("fuzz_json_config", "empty.json", "{}")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    shutil.rmtree(CORPUS, ignore_errors=True)
    csv_seeds()
    npy_seeds()
    idx_seeds()
    safetensors_seeds()
    json_seeds()
    lockstep_seeds(os.path.abspath(sys.argv[1]))


if __name__ == "__main__":
    main()
