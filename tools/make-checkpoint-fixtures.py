#!/usr/bin/python3
"""Small HTDemucs checkpoints saved by Demucs' own code, with their network's expected outputs.

For the converter's tests (test/fixtures/checkpoints/): each configuration is built by Demucs'
HTDemucs with random weights (every branch made to matter), saved with Demucs'
`states.serialize_model` (fp16, as Demucs releases its models; one also in fp32) and run in
PyTorch on a seeded input. The expected outputs are the network's, between `_spec`/`_magnitude`
and `_mask`/`_ispec` (our ONNX contract): the spectrogram stems (complex as channels) and the
time-domain stems. Then the bad checkpoints of the reader's error matrix.

Needs Debian's python3-torch and python3-omegaconf, and a checkout of facebookresearch/demucs at
DEMUCS_COMMIT (bring it with the search tool's fetch into a temporary folder; never commit it):

    git --git-dir=<mirror> archive <commit> demucs | tar -x -C /tmp/demucs-src
    /usr/bin/python3 tools/make-checkpoint-fixtures.py /tmp/demucs-src test/fixtures/checkpoints

Demucs imports a few packages Debian lacks (einops, openunmix, julius, dora); the little of them
that building and running HTDemucs touches is stood in for below.
"""
import io
import json
import math
import sys
import types
import zipfile
from fractions import Fraction
from pathlib import Path

DEMUCS_COMMIT = "e976d93ecc3865e5757426930257e200846a520a"

# ---- stand-ins for packages Debian lacks -------------------------------------------------
REARRANGE = {
    "b c f t-> b c (f t)": lambda x, **k: x.reshape(x.shape[0], x.shape[1], -1),
    "b c (f t)-> b c f t": lambda x, f: x.reshape(x.shape[0], x.shape[1], f, -1),
    "b c fr t1 -> b (t1 fr) c": lambda x: x.permute(0, 3, 2, 1).reshape(x.shape[0], -1, x.shape[1]),
    "b c t2 -> b t2 c": lambda x: x.permute(0, 2, 1),
    "t2 b c -> b t2 c": lambda x: x.permute(1, 0, 2),
    "b (t1 fr) c -> b c fr t1": lambda x, t1: x.reshape(x.shape[0], t1, -1, x.shape[2]).permute(0, 3, 2, 1),
    "b t2 c -> b c t2": lambda x: x.permute(0, 2, 1),
}


def rearrange(x, pattern, **sizes):
    return REARRANGE[pattern](x, **sizes)


def stand_in(name, **attributes):
    module = types.ModuleType(name)
    module.__dict__.update(attributes)
    sys.modules[name] = module
    return module


def unused(*args, **kwargs):
    raise RuntimeError("not used by the fixtures")


stand_in("einops", rearrange=rearrange)
stand_in("openunmix")
stand_in("openunmix.filtering", wiener=unused)
stand_in("julius", resample_frac=unused)
stand_in("dora")
stand_in("dora.log", fatal=unused, bold=lambda s: s)
stand_in("tqdm", tqdm=lambda iterable, **kwargs: iterable)

sys.path.insert(0, sys.argv[1])
import torch  # noqa: E402
from omegaconf import OmegaConf  # noqa: E402
from demucs.htdemucs import HTDemucs  # noqa: E402
from demucs.hdemucs import HDemucs  # noqa: E402
from demucs.states import serialize_model  # noqa: E402
from demucs.apply import apply_model  # noqa: E402

OUT = Path(sys.argv[2])
SAMPLE_RATE = 44100
FOUR = ["drums", "bass", "other", "vocals"]
SIX = FOUR + ["guitar", "piano"]

# name → HTDemucs kwargs (sources, segment and the rest); each covers options the others do not.
CONFIGS = {
    # The released structure (depth 4: the branches merge at the bottom), with bottom channels.
    "d4-bottom-dconv3": dict(sources=FOUR, channels=4, depth=4, bottom_channels=16, dconv_mode=3, dconv_comp=2,
                             t_layers=2, t_heads=4, segment=Fraction(1, 10)),
    # Six sources, cross-attention first, encoder-only DConv, no bottom channels.
    "d4-six-crossfirst-dconv1": dict(sources=SIX, channels=4, depth=4, dconv_mode=1, dconv_comp=2, t_layers=2,
                                     t_heads=4, t_cross_first=True, segment=0.1),
    # Shallow (no merge: the transformer sees 128 frequency rows), decoder-only DConv, group
    # norms from the first layer, group norm in the transformer, no layer scale, no freq. emb.
    "d2-dconv2-groupnorm": dict(sources=FOUR, channels=8, depth=2, dconv_mode=2, dconv_comp=4, norm_starts=1,
                                norm_groups=2, t_layers=1, t_heads=2, t_norm_in_group=True,
                                t_group_norm=True, t_layer_scale=False, freq_emb=0.0, segment=0.05),
    # Depth 3, no DConv, wider growth, other kernel/stride/context, ReLU, norm after, no norm in/out.
    "d3-dconv0-relu": dict(sources=FOUR, channels=4, growth=3, depth=3, dconv_mode=0, kernel_size=8,
                           stride=4, context=0, context_enc=1, t_layers=2, t_heads=3, t_gelu=False,
                           t_norm_first=False, t_norm_in=False, t_norm_out=False, t_hidden_scale=2.0,
                           segment=0.05),
    # DConv depth and compression changed, bottom channels, one layer.
    "d4-dconvdepth1-bottom": dict(sources=FOUR, channels=4, depth=4, dconv_mode=3,
                                  dconv_depth=1, dconv_comp=1, bottom_channels=8, t_layers=1,
                                  t_heads=2, segment=0.1),
}


def randomise(model, generator):
    """Random weights where every branch matters (Demucs' init makes residual branches tiny)."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.numel() == 0:
                continue
            if name.endswith(".scale"):  # LayerScale
                p.copy_(0.3 + 0.7 * torch.rand(p.shape, generator=generator))
            elif p.dim() >= 2:
                fan_in = p[0].numel()
                p.copy_(torch.randn(p.shape, generator=generator) / math.sqrt(fan_in))
            elif "norm" in name and name.endswith("weight"):
                p.copy_(1 + 0.2 * torch.randn(p.shape, generator=generator))
            else:
                p.copy_(0.1 * torch.randn(p.shape, generator=generator))


def save(path, package):
    buffer = io.BytesIO()
    torch.save(package, buffer)
    path.write_bytes(buffer.getvalue())


def f32(path, tensor):
    path.write_bytes(tensor.detach().contiguous().float().numpy().astype("<f4").tobytes())


def network_outputs(model, mix):
    """Runs HTDemucs on `mix` and keeps what the ONNX contract outputs: the spectrogram stems
    (what `_mask` receives) and the time-domain stems (the forward's result with `_ispec` zero)."""
    captured = {}

    def mask(z, m):
        captured["spec"] = m
        return HTDemucs._mask(model, z, m)

    def ispec(z, length=None, scale=0):
        B, S, C, Fr, T = z.shape
        return torch.zeros(B, S, C, length)

    model._mask = mask
    model._ispec = ispec
    with torch.no_grad():
        wave = model(mix)
    del model._mask, model._ispec
    return captured["spec"], wave


def write_case(prefix, model, mix):
    spec_in = model._magnitude(model._spec(mix))
    spec_out, wave_out = network_outputs(model, mix)
    f32(OUT / f"{prefix}.mix.f32", mix)
    f32(OUT / f"{prefix}.spec.f32", spec_in)
    f32(OUT / f"{prefix}.out-spec.f32", spec_out)
    f32(OUT / f"{prefix}.out-wave.f32", wave_out)
    return {"mix": list(mix.shape), "spec": list(spec_in.shape),
            "outSpec": list(spec_out.shape), "outWave": list(wave_out.shape)}


def make(name, kwargs, seed):
    generator = torch.Generator().manual_seed(seed)
    model = HTDemucs(**kwargs)
    randomise(model, generator)
    model.eval()
    package = serialize_model(model, OmegaConf.create({}), half=True)
    save(OUT / f"{name}.th", package)
    # The checkpoint holds fp16 values: the expected outputs are those of exactly these weights.
    model.load_state_dict({k: v.float() for k, v in package["state"].items()})
    length = int(model.segment * SAMPLE_RATE)
    mix = 0.3 * torch.randn(1, 2, length, generator=generator) + 0.02
    shapes = write_case(name, model, mix)
    return model, {
        "checkpoint": f"{name}.th",
        "kwargs": {k: (str(v) if isinstance(v, Fraction) else v) for k, v in kwargs.items()},
        "segmentSamples": length,
        "parameters": sum(p.numel() for p in model.parameters()),
        "state": {k: list(v.shape) for k, v in package["state"].items()},
        "shapes": shapes,
    }


def bad_checkpoints(good_model, good_name):
    """The reader's error matrix: each file is wrong in one way."""
    base = serialize_model(good_model, OmegaConf.create({}), half=True)
    state = dict(base["state"])
    first = next(iter(state))
    # Another class of Demucs: HDemucs (v3).
    hdemucs = HDemucs(sources=FOUR, channels=4, depth=2)
    save(OUT / "bad-hdemucs.th", serialize_model(hdemucs, OmegaConf.create({}), half=True))
    # A diffq-quantized state, as Demucs saves quantized models.
    save(OUT / "bad-quantized.th", {**base, "state": {"__quantized": True, "quantized": [], "packed": []}})
    # A key missing, an extra key, a shape that does not fit the kwargs.
    missing = dict(state)
    del missing[first]
    save(OUT / "bad-missing-key.th", {**base, "state": missing})
    save(OUT / "bad-extra-key.th", {**base, "state": {**state, "encoder.99.conv.weight": torch.zeros(2, 2)}})
    wrong = dict(state)
    wrong[first] = torch.zeros(*[d + 1 for d in state[first].shape], dtype=torch.half)
    save(OUT / "bad-shape.th", {**base, "state": wrong})
    # Not a Demucs package: a plain state dict (fine with --config kwargs.json), a list.
    save(OUT / "plain-state.th", state)
    (OUT / "plain-state.kwargs.json").write_text(json.dumps(
        {k: (str(v) if isinstance(v, Fraction) else v) for k, v in base["kwargs"].items()}, indent=1) + "\n")
    save(OUT / "bad-not-a-model.th", [1, 2, 3])
    # Truncated and corrupt archives.
    whole = (OUT / f"{good_name}.th").read_bytes()
    (OUT / "bad-truncated.th").write_bytes(whole[: len(whole) // 2])
    corrupt = bytearray(whole)
    with zipfile.ZipFile(io.BytesIO(whole)) as archive:
        info = next(i for i in archive.infolist() if i.filename.endswith("data.pkl"))
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for i in range(start + 2, start + 40):
        corrupt[i] ^= 0x5A
    (OUT / "bad-corrupt.th").write_bytes(bytes(corrupt))


def write_wav_f32(path, audio):
    import struct
    channels, frames = audio.shape
    data = audio.t().contiguous().numpy().astype("<f4").tobytes()
    header = b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVEfmt " + struct.pack(
        "<IHHIIHH", 16, 3, channels, SAMPLE_RATE, SAMPLE_RATE * channels * 4, channels * 4, 32) + b"data" + struct.pack("<I", len(data))
    path.write_bytes(header + data)


def make_six_shaped():
    generator = torch.Generator().manual_seed(606)
    model = HTDemucs(sources=SIX, bottom_channels=0, dconv_mode=3, segment=Fraction(39, 5))
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.numel() == 0:
                continue
            if name.endswith(".scale"):
                p.fill_(0.5)
            elif "norm" in name and name.endswith("weight"):
                p.fill_(1.0)
            else:
                fan_in = p[0].numel() if p.dim() >= 2 else 1
                amplitude = 1 / math.sqrt(0.2 * fan_in) if p.dim() >= 2 else 0.05
                draw = torch.rand(p.shape, generator=generator)
                p.copy_(amplitude * ((draw > 0.9).float() - (draw < 0.1).float()))
    model.eval()
    package = serialize_model(model, OmegaConf.create({}), half=True)
    save(OUT / "six-shaped.th", package)
    model.load_state_dict({k: v.float() for k, v in package["state"].items()})
    frames = int(1.2 * SAMPLE_RATE)
    t = torch.arange(frames) / SAMPLE_RATE
    left = 0.3 * torch.sin(2 * math.pi * 220 * t) + 0.1 * torch.randn(frames, generator=generator)
    right = 0.25 * torch.sin(2 * math.pi * 330 * t) + 0.1 * torch.randn(frames, generator=generator)
    wav = torch.stack([left, right]) + 0.01
    write_wav_f32(OUT / "six-shaped.clip.wav", wav)
    wav = torch.from_numpy(__import__("numpy").frombuffer((OUT / "six-shaped.clip.wav").read_bytes()[44:], dtype="<f4").copy()).view(-1, 2).t()
    ref = wav.mean(0)
    mean, std = ref.mean(), ref.std()
    with torch.no_grad():
        out = apply_model(model, ((wav - mean) / (std + 1e-8))[None], shifts=0, split=True, overlap=0.25)[0]
    out = out * (std + 1e-8) + mean
    f32(OUT / "six-shaped.stems.f32", out[..., ::4])
    return {"checkpoint": "six-shaped.th.br", "clip": "six-shaped.clip.wav", "stems": SIX,
            "expected": "six-shaped.stems.f32", "expectedShape": list(out[..., ::4].shape), "stride": 4,
            "parameters": sum(p.numel() for p in model.parameters())}


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    index = {"demucsCommit": DEMUCS_COMMIT, "torch": torch.__version__, "fixtures": {}}
    models = {}
    for seed, (name, kwargs) in enumerate(CONFIGS.items(), start=1):
        models[name], index["fixtures"][name] = make(name, kwargs, seed)
        print(f"{name}: {index['fixtures'][name]['parameters']} parameters", file=sys.stderr)
    # The same weights saved in fp32 (half=False), as a trainer's own checkpoint may be.
    first = next(iter(CONFIGS))
    # A shorter window (convert --segment 0.05): the same network with a 0.05 s segment.
    shorter = models[first]
    shorter.segment = Fraction(1, 20)
    mix = 0.3 * torch.randn(1, 2, int(shorter.segment * SAMPLE_RATE), generator=torch.Generator().manual_seed(99))
    index["shorter"] = {"fixture": first, "segment": 0.05, "prefix": f"{first}.segment-0.05",
                        "shapes": write_case(f"{first}.segment-0.05", shorter, mix)}
    shorter.segment = Fraction(1, 10)
    save(OUT / f"{first}.fp32.th", serialize_model(models[first], OmegaConf.create({}), half=False))
    smallest = min(models, key=lambda name: index["fixtures"][name]["parameters"])
    bad_checkpoints(models[smallest], smallest)
    index["sixShaped"] = make_six_shaped()
    (OUT / "index.json").write_text(json.dumps(index, indent=1) + "\n")


main()
