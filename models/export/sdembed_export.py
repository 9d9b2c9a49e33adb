"""Shared steps of the export scripts: ONNX save (fp32/fp16, external data over 2 GB) and sdembed.json.

The model directory layout is the one `sdembed models verify DIR` checks: model.onnx (+ model.onnx_data when the
weights exceed protobuf's 2 GB limit), tokenizer.json for text models, preprocessor_config.json for vision models
and an sdembed.json manifest.
"""
import json
import os

import onnx
from onnxconverter_common import float16

OPSET = 17
TWO_GB = 2 * 1024 ** 3


def finish_onnx(raw_path, out_dir, fp16):
    """Loads the exporter's output, optionally converts weights to fp16, and saves out_dir/model.onnx.

    fp16 keeps float32 inputs and outputs (keep_io_types): sdembed feeds and reads float32 at the graph boundary.
    """
    model = onnx.load(raw_path, load_external_data=True)
    if fp16:
        model = float16.convert_float_to_float16(model, keep_io_types=True)
    target = os.path.join(out_dir, "model.onnx")
    # Protobuf cannot serialise a message over 2 GB: weights beyond that go to external data (ViT-H, bigG fp32).
    weights = sum(len(t.raw_data) for t in model.graph.initializer)
    large = weights > TWO_GB - 64 * 1024 ** 2
    # One external-data file next to the graph, named so ModelDirectory's fingerprint includes it.
    onnx.save_model(model, target, save_as_external_data=large, all_tensors_to_one_file=True,
                    location="model.onnx_data", size_threshold=1024)
    onnx.checker.check_model(target)  # path form: works for models over 2 GB
    return target


def write_manifest(out_dir, **fields):
    """Writes sdembed.json: kind, name, dimension, embedding_space, pad_token_id, ... (None values left out)."""
    manifest = {k: v for k, v in fields.items() if v is not None}
    with open(os.path.join(out_dir, "sdembed.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")


def add_common_args(parser):
    parser.add_argument("--out", required=True, help="model directory to write (created)")
    parser.add_argument("--fp16", action="store_true", help="fp16 weights, fp32 inputs/outputs")
    return parser
