#!/usr/bin/python3
"""Reference values of htdemucs' spectrogram branch, computed with torch.stft / torch.istft
(Debian's python3-torch), for test/node/spectrogram.test.ts.

Inputs are defined by formulas that the TypeScript test reproduces exactly (no big arrays are
stored), and only a sample of the outputs is kept, so the fixture stays small.
Run: /usr/bin/python3 tools/make-dsp-fixtures.py > test/fixtures/dsp-reference.json
"""
import json
import math

import torch

SEGMENT, N_FFT, HOP, BINS, FRAMES = 343980, 4096, 1024, 2048, 336
PAD_L = HOP // 2 * 3
PAD_R = PAD_L + FRAMES * HOP - SEGMENT



def signal():
    i = torch.arange(SEGMENT, dtype=torch.float64)
    hashed = ((i.long() * 2654435761) % 2**32).double() / 2**32 - 0.5
    left = 0.5 * torch.sin(2 * math.pi * 220.0 * i / 44100) + 0.1 * hashed
    right = 0.3 * torch.sin(2 * math.pi * 331.5 * i / 44100 + 1.0) + 0.2 * torch.cos(2 * math.pi * 5000.0 * i / 44100)
    return torch.stack([left, right]).float()


def spec(x):
    x = torch.nn.functional.pad(x[None], (PAD_L, PAD_R), mode="reflect")[0]
    z = torch.stft(x, N_FFT, HOP, window=torch.hann_window(N_FFT), normalized=True, center=True,
                   pad_mode="reflect", return_complex=True)
    z = z[:, :BINS, 2:2 + FRAMES]
    return torch.view_as_real(z).permute(0, 3, 1, 2).reshape(4, BINS, FRAMES)


def ispec(cac):
    z = cac.reshape(2, 2, BINS, FRAMES).permute(0, 2, 3, 1).contiguous()
    z = torch.view_as_complex(z)
    z = torch.nn.functional.pad(z, (2, 2, 0, 1))
    length = SEGMENT + PAD_L + PAD_R
    x = torch.istft(z, N_FFT, HOP, window=torch.hann_window(N_FFT), normalized=True, center=True, length=length)
    return x[:, PAD_L:PAD_L + SEGMENT]


def spectrum_input():
    k = torch.arange(4 * BINS * FRAMES, dtype=torch.int64)
    return (((k * 2654435761) % 2**32).double() / 2**32 - 0.5).float().reshape(4, BINS, FRAMES)


def main():
    gen = torch.Generator().manual_seed(7)
    s = spec(signal())
    spec_idx = torch.randint(0, 4 * BINS * FRAMES, (3000,), generator=gen).tolist()
    spec_idx += [c * BINS * FRAMES + b * FRAMES + f for c in range(4) for b in (0, 1, 2047) for f in (0, 1, 335)]
    flat = s.reshape(-1)
    y = ispec(spectrum_input())
    time_idx = list(range(0, 300)) + list(range(SEGMENT - 300, SEGMENT))
    time_idx += torch.randint(0, SEGMENT, (2000,), generator=gen).tolist()
    out = {
        "what": "torch.stft/istft as in htdemucs _spec/_ispec; inputs by formula, outputs sampled",
        "torch": torch.__version__,
        "forward": {"index": spec_idx, "value": [flat[i].item() for i in spec_idx],
                     "sumsq": [float((s[c].double() ** 2).sum()) for c in range(4)]},
        "inverse": {"index": time_idx, "left": [y[0, i].item() for i in time_idx],
                     "right": [y[1, i].item() for i in time_idx],
                     "sumsq": [float((y[c].double() ** 2).sum()) for c in range(2)]},
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
