"""The baseline: plain faster-whisper, default options, no VAD, no chunking.

    python bench/plain_faster_whisper.py FILE --model PATH --beam-size 5 --threads 2 --out OUT.json

Deliberately the script a user would write from the faster-whisper README, so that the benchmark
compares Minutes with "just call the library". Model loading happens inside this process, as it
does inside ``minutes process``.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from faster_whisper import WhisperModel


def transcribe(
    audio: Path, model_path: str, beam_size: int, threads: int, language: str | None
) -> dict[str, Any]:
    started = time.perf_counter()
    model = WhisperModel(model_path, device="cpu", compute_type="int8", cpu_threads=threads)
    loaded = time.perf_counter()
    segments_iter, info = model.transcribe(str(audio), beam_size=beam_size, language=language)
    # transcribe() is lazy: the work happens while the segments are iterated.
    segments = [
        {"start": s.start, "end": s.end, "text": s.text, "no_speech_prob": s.no_speech_prob}
        for s in segments_iter
    ]
    done = time.perf_counter()
    return {
        "text": " ".join(s["text"].strip() for s in segments),
        "segments": segments,
        "language": info.language,
        "duration_s": info.duration,
        "load_s": loaded - started,
        "transcribe_s": done - loaded,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("audio", type=Path)
    parser.add_argument("--model", required=True, help="CTranslate2 model folder")
    parser.add_argument("--beam-size", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--language", default=None, help="ISO code; default: detect")
    parser.add_argument("--out", type=Path, required=True, help="JSON file to write")
    args = parser.parse_args(argv)
    result = transcribe(args.audio, args.model, args.beam_size, args.threads, args.language)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
