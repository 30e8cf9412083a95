"""Loads an erasekit kohya LoRA with diffusers' own loader and checks what it does to every attn2 to_k/to_v.

usage: PYTHONPATH=<tools/sd14-random/src/{diffusers,transformers,huggingface_hub}/src, …/ftfy, …/stubs> /usr/bin/python3 diffusers_lora_check.py UNET_CONFIG.json LORA.safetensors

Builds a UNet2DConditionModel from the config (random weights: the check is about the LoRA's names, shapes and
scale, not the base), loads the LoRA through LoraLoaderMixin.lora_state_dict + load_lora_into_unet (the code
behind pipe.load_lora_weights), and compares each K/V projection's change on random inputs with x·ΔWᵀ, ΔW = up·down
as read from the file. Prints one line per outcome and exits non-zero on a mismatch. Needs torch and diffusers only
(the safetensors file is read here: the format is a JSON header and raw little-endian data).
"""
import json
import struct
import sys

import numpy as np
import torch
from diffusers import UNet2DConditionModel
from diffusers.loaders import LoraLoaderMixin


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    meta = header.pop("__metadata__", {})
    dt = {"F32": np.float32, "F16": np.float16}
    out = {}
    for k, v in header.items():
        a, b = v["data_offsets"]
        out[k] = torch.from_numpy(np.frombuffer(data[a:b], dtype=dt[v["dtype"]]).reshape(v["shape"]).copy())
    return out, meta


def main(config_path, lora_path):
    torch.manual_seed(0)
    with open(config_path) as f:
        unet = UNet2DConditionModel.from_config(json.load(f)).eval()
    sd, meta = read_safetensors(lora_path)
    modules = {}
    for name, m in unet.named_modules():
        if name.endswith("attn2.to_k") or name.endswith("attn2.to_v"):
            modules[name] = m
    xs = {n: torch.randn(3, m.in_features) for n, m in modules.items()}
    before = {n: m(xs[n]).detach() for n, m in modules.items()}
    state_dict, alphas = LoraLoaderMixin.lora_state_dict(dict(sd))
    LoraLoaderMixin.load_lora_into_unet(state_dict, alphas, unet)
    worst = 0.0
    for name, m in modules.items():
        kohya = "lora_unet_" + name.replace(".", "_")
        delta = (sd[kohya + ".lora_up.weight"].double() @ sd[kohya + ".lora_down.weight"].double()) \
            * float(sd[kohya + ".alpha"]) / sd[kohya + ".lora_down.weight"].shape[0]
        attn = unet.get_submodule(name.rsplit(".", 1)[0])
        proj = name.rsplit(".", 1)[1]
        lora = getattr(attn.processor, proj + "_lora", None)
        with torch.no_grad():
            change = lora(xs[name]) if lora is not None else modules[name](xs[name]) - before[name]
        expected = xs[name].double() @ delta.T
        err = float((change.double() - expected).norm() / expected.norm())
        worst = max(worst, err)
    print(f"diffusers loaded {len(modules)} K/V LoRA layers of {lora_path} "
          f"(rank {meta.get('ss_network_dim')}): largest relative error of x·ΔWᵀ {worst:.2e}")
    sys.exit(0 if worst < 1e-4 else 1)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
