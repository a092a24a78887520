"""A minimal safetensors writer for the golden-value scripts (Debian has no safetensors
package): 8-byte little-endian header length, JSON header, raw little-endian float32 data,
tensors sorted by name, header padded with spaces to a multiple of 8 bytes. int64 tensors
(BatchNorm's num_batches_tracked) are written as I64, every other tensor as F32."""
import json
import struct

import torch


def save_safetensors(path, tensors, metadata=None):
    header = {}
    if metadata:
        header["__metadata__"] = dict(metadata)
    offset = 0
    blobs = []
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous()
        if t.dtype == torch.int64:
            dtype, data = "I64", struct.pack(f"<{t.numel()}q", *t.reshape(-1).tolist())
        else:
            t = t.to(torch.float32)
            dtype, data = "F32", struct.pack(f"<{t.numel()}f", *t.reshape(-1).tolist())
        header[name] = {"dtype": dtype, "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for data in blobs:
            f.write(data)
