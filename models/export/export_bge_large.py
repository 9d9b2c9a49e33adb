"""BAAI/bge-large-en-v1.5 -> model directory (feature extraction: input_ids, attention_mask, token_type_ids ->
last_hidden_state; sdembed pools [CLS] and normalises). Usage:
    python export_bge_large.py --out ../bge-large-en-v1.5 [--fp16]
"""
import argparse
import os
import tempfile

from optimum.exporters.onnx import main_export
from transformers import AutoTokenizer

import sdembed_export as sx

MODEL = "BAAI/bge-large-en-v1.5"


def main():
    args = sx.add_common_args(argparse.ArgumentParser(description=__doc__)).parse_args()
    os.makedirs(args.out, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        main_export(MODEL, output=tmp, task="feature-extraction", opset=sx.OPSET)
        sx.finish_onnx(os.path.join(tmp, "model.onnx"), args.out, args.fp16)
    AutoTokenizer.from_pretrained(MODEL).save_pretrained(args.out)  # writes tokenizer.json
    sx.write_manifest(args.out, kind="bert", name="bge-large-en-v1.5" + ("-fp16" if args.fp16 else ""),
                      dimension=1024, pooling="cls", max_length=512,
                      query_instruction="Represent this sentence for searching relevant passages: ")


if __name__ == "__main__":
    main()
