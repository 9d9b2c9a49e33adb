"""OpenCLIP ViT-H/14 (laion2b_s32b_b79k), vision and text towers with projection, one directory each:
    python export_openclip_h14.py --tower vision --out ../clip-vit-h-14-vision [--fp16]
    python export_openclip_h14.py --tower text   --out ../clip-vit-h-14-text   [--fp16]
Weights come from open_clip; tokenizer.json and preprocessor_config.json from the same model's Hugging Face repo
(identical BPE vocabulary and image normalisation).
"""
import argparse
import os
import tempfile

import open_clip
import torch
from transformers import CLIPImageProcessor, CLIPTokenizerFast

import sdembed_export as sx

ARCH, PRETRAINED = "ViT-H-14", "laion2b_s32b_b79k"
HF_REPO = "laion/CLIP-ViT-H-14-laion2B-s32B-b79K"
SPACE, DIM, PAD_ID = "openclip-vit-h-14", 1024, 0


class Tower(torch.nn.Module):
    """Un-normalised projected embeddings (sdembed normalises)."""

    def __init__(self, model, tower):
        super().__init__()
        self.model, self.tower = model, tower

    def forward(self, x):
        return self.model.encode_image(x) if self.tower == "vision" else self.model.encode_text(x)


def main():
    p = sx.add_common_args(argparse.ArgumentParser(description=__doc__))
    p.add_argument("--tower", choices=["vision", "text"], required=True)
    args = p.parse_args()
    model, _, _ = open_clip.create_model_and_transforms(ARCH, pretrained=PRETRAINED)
    model.eval()
    vision = args.tower == "vision"
    name_in, name_out = ("pixel_values", "image_embeds") if vision else ("input_ids", "text_embeds")
    example = torch.zeros((2, 3, 224, 224)) if vision else torch.zeros((2, 77), dtype=torch.int64)
    os.makedirs(args.out, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        raw = os.path.join(tmp, "model.onnx")
        torch.onnx.export(Tower(model, args.tower), (example,), raw, input_names=[name_in],
                          output_names=[name_out], dynamic_axes={name_in: {0: "batch"}, name_out: {0: "batch"}},
                          opset_version=sx.OPSET)
        sx.finish_onnx(raw, args.out, args.fp16)
    if vision:
        CLIPImageProcessor.from_pretrained(HF_REPO).save_pretrained(args.out)
        sx.write_manifest(args.out, kind="clip-vision", name=os.path.basename(os.path.abspath(args.out)),
                          dimension=DIM, embedding_space=SPACE, image_size=224)
    else:
        tokenizer = CLIPTokenizerFast.from_pretrained(HF_REPO)
        tokenizer.pad_token = tokenizer.convert_ids_to_tokens(PAD_ID)  # OpenCLIP pads with 0 ("!")
        tokenizer.save_pretrained(args.out)
        sx.write_manifest(args.out, kind="clip-text", name=os.path.basename(os.path.abspath(args.out)),
                          dimension=DIM, embedding_space=SPACE, pad_token_id=PAD_ID, max_length=77)


if __name__ == "__main__":
    main()
