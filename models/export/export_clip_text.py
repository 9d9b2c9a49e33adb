"""CLIP text towers WITH projection (input_ids [batch, 77] -> text_embeds), so prompts land in CLIP's joint space.
    python export_clip_text.py --model clip-l    --out ../clip-vit-l-14-text      # openai/clip-vit-large-patch14
    python export_clip_text.py --model bigg      --out ../clip-vit-bigg-14-text   # laion/CLIP-ViT-bigG-14 (HF)
    python export_clip_text.py --model bigg --sd-checkpoint sd_xl_base_1.0.safetensors --out ../clip-vit-bigg-14-text
The SDXL checkpoint's second text encoder is OpenCLIP ViT-bigG/14 with its projection (text_encoder_2).
"""
import argparse
import os
import tempfile

import torch
from transformers import CLIPTextModelWithProjection, CLIPTokenizerFast

import sdembed_export as sx

MODELS = {
    # name: (HF repo, dimension, embedding space, pad token id)
    "clip-l": ("openai/clip-vit-large-patch14", 768, "openai-clip-vit-l-14", 49407),
    "bigg": ("laion/CLIP-ViT-bigG-14-laion2B-39B-b160k", 1280, "openclip-vit-bigg-14", 0),
}


class TextEmbeds(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids):
        return self.model(input_ids=input_ids).text_embeds


def load(name, sd_checkpoint):
    repo = MODELS[name][0]
    if sd_checkpoint is None:
        return CLIPTextModelWithProjection.from_pretrained(repo), CLIPTokenizerFast.from_pretrained(repo)
    from diffusers import StableDiffusionXLPipeline
    pipe = StableDiffusionXLPipeline.from_single_file(sd_checkpoint, torch_dtype=torch.float32)
    # tokenizer_2 pads with "!" (id 0), as OpenCLIP does; convert to a fast tokenizer for tokenizer.json.
    return pipe.text_encoder_2, CLIPTokenizerFast.from_pretrained(repo)


def main():
    p = sx.add_common_args(argparse.ArgumentParser(description=__doc__))
    p.add_argument("--model", choices=sorted(MODELS), required=True)
    p.add_argument("--sd-checkpoint", help="SDXL .safetensors: take ViT-bigG/14 from its text_encoder_2")
    args = p.parse_args()
    if args.sd_checkpoint and args.model != "bigg":
        p.error("--sd-checkpoint holds the bigG text encoder only")
    _, dim, space, pad_id = MODELS[args.model]
    model, tokenizer = load(args.model, args.sd_checkpoint)
    model.eval()
    os.makedirs(args.out, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        raw = os.path.join(tmp, "model.onnx")
        ids = torch.zeros((2, 77), dtype=torch.int64)
        torch.onnx.export(TextEmbeds(model), (ids,), raw, input_names=["input_ids"], output_names=["text_embeds"],
                          dynamic_axes={"input_ids": {0: "batch"}, "text_embeds": {0: "batch"}},
                          opset_version=sx.OPSET)
        sx.finish_onnx(raw, args.out, args.fp16)
    tokenizer.pad_token = tokenizer.convert_ids_to_tokens(pad_id)
    tokenizer.save_pretrained(args.out)
    sx.write_manifest(args.out, kind="clip-text", name=os.path.basename(os.path.abspath(args.out)),
                      dimension=dim, embedding_space=space, pad_token_id=pad_id, max_length=77)


if __name__ == "__main__":
    main()
