"""A local HTTP server that speaks enough of the OpenAI API for Minutes' tests and benchmarks.

It is the only fake in the remote-backend tests: Minutes talks to it through the real ``openai``
SDK over real HTTP. Each endpoint answers from a per-path script of ``Reply`` objects (a test
queues errors, hangs, cut bodies, malformed JSON), and falls back to a plausible default answer:
transcriptions decode the uploaded audio with PyAV and describe it, chat completions return a
summary from ``summary_for`` (or, for ``minutes ask``'s requests, an answer from ``answer_for``
citing the first source it was given), embeddings come from ``embedding_for`` (a hashed bag of
words, unless a test set ``vectors`` for a text: that is how a paraphrase is made to match),
files and batches keep their state in memory.
"""

from __future__ import annotations

import io
import json
import re
import threading
import time
import zlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import av

EMBEDDING_DIMENSIONS = 64


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # dict/list -> JSON; bytes -> raw; callable(Seen) -> dict
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering: a hang, when longer than the client timeout
    cut: bool = False  # announce the whole body, send half of it, close the connection


def error(
    status: int,
    message: str = "error",
    *,
    code: str | None = None,
    type: str = "invalid_request_error",
    headers: dict[str, str] | None = None,
) -> Reply:
    body = {"error": {"message": message, "type": type, "param": None, "code": code}}
    return Reply(status, body, headers or {})


@dataclass
class Seen:
    """One request as the server received it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    json: Any = None
    form: dict[str, str] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    audio_seconds: float | None = None
    at: float = 0.0
    finished: float = 0.0


def default_summary(seen: Seen) -> dict[str, Any]:
    """A valid ``Summary`` whose evidence quotes the first words of the transcript it was sent."""
    messages = seen.json.get("messages", [])
    text = " ".join(m.get("content", "") for m in messages if m.get("role") == "user")
    quoted = re.findall(r"\] (?:[^:\n]+: )?([^\n]+)", text)
    quote = " ".join(quoted[0].split()[:6]) if quoted else "nothing"
    return {
        "title": "Fake meeting",
        "overview": "The team met.",
        "key_points": ["A point"],
        "decisions": [{"text": "Go ahead", "evidence": {"quote": quote, "start": None}}],
        "action_items": [
            {
                "owner": "Maria",
                "task": "Update the plan",
                "due": None,
                "due_phrase": None,
                "evidence": {"quote": quote, "start": None, "speaker": None},
            }
        ],
        "open_questions": [],
        "attendees": ["Maria"],
    }


def hashed_bag_of_words(text: str) -> list[float]:
    """A deterministic embedding: each word adds one to a hashed dimension (crc32), normalised.

    Texts that share words are similar, texts that share none are orthogonal (up to hash
    collisions): like BM25, it cannot match a paraphrase. Tests set ``FakeOpenAI.vectors`` for
    the texts that should be near in meaning without sharing words.
    """
    vector = [0.0] * EMBEDDING_DIMENSIONS
    for word in re.findall(r"[a-z0-9]+", text.lower()):
        vector[zlib.crc32(word.encode()) % EMBEDDING_DIMENSIONS] += 1.0
    norm = sum(v * v for v in vector) ** 0.5 or 1.0
    return [v / norm for v in vector]


def default_answer(seen: Seen) -> dict[str, Any]:
    """``minutes ask``'s structured answer, citing the first source in the request by its key."""
    text = "\n".join(
        str(m.get("content") or "")
        for m in seen.json.get("messages", [])
        if m.get("role") != "system"
    )
    found = re.search(r"\[([PA]\d+)\][^\n]*\n(?:[^:\n]+: )?([^\n]+)", text)
    if found is None:
        return {"answer": "The meetings do not say.", "citations": []}
    key, line = found.groups()
    quote = " ".join(line.split()[:6])
    return {
        "answer": f"They said: {quote} [{key}].",
        "citations": [{"source": key, "quote": quote}],
    }


def tool_call(name: str, arguments: dict[str, Any], call_id: str = "call_1") -> dict[str, Any]:
    """A chat completion whose assistant message calls one tool (for ``Reply(body=...)``)."""
    body = completion(None, finish_reason="tool_calls")
    body["choices"][0]["message"]["tool_calls"] = [
        {"id": call_id, "type": "function",
         "function": {"name": name, "arguments": json.dumps(arguments)}}
    ]  # fmt: skip
    return body


class FakeOpenAI:
    def __init__(self) -> None:
        self.requests: list[Seen] = []
        self.script: dict[str, deque[Reply]] = {}
        self.latency: Callable[[Seen], float] = lambda seen: 0.0
        self.reject_json_schema = False
        self.summary_for: Callable[[Seen], dict[str, Any]] = default_summary
        self.transcript_for: Callable[[Seen], str] = _describe_audio
        self.answer_for: Callable[[Seen], dict[str, Any]] = default_answer
        self.vectors: dict[str, list[float]] = {}
        self.embedding_for: Callable[[str], list[float]] = lambda text: self.vectors.get(
            text, hashed_bag_of_words(text)
        )
        self.batch_polls_before_done = 1
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._closing.set()
        self._server.shutdown()
        self._server.server_close()

    def enqueue(self, path: str, *replies: Reply) -> None:
        """Answer the next calls to ``path`` (e.g. ``/v1/chat/completions``) with ``replies``."""
        with self._lock:
            self.script.setdefault(path, deque()).extend(replies)

    def seen(self, path: str) -> list[Seen]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    # Dispatch ---------------------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_: Any) -> None:
                pass

            def do_GET(self) -> None:
                fake._serve(self, "GET")

            def do_POST(self) -> None:
                fake._serve(self, "POST")

        return Handler

    def _serve(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in handler.headers.items()}
        seen = Seen(method, handler.path, headers, body, at=time.monotonic())
        _parse_body(seen)
        with self._lock:
            self.requests.append(seen)
            queued = self.script.get(seen.path)
            reply = queued.popleft() if queued else None
        if reply is None:
            reply = self._default(seen)
        elif reply.body is None and reply.status == 200:  # scripted timing, default answer
            reply = Reply(200, self._default(seen).body, reply.headers, reply.delay, reply.cut)
        delay = reply.delay + self.latency(seen)
        if delay:
            self._closing.wait(delay)
        payload = reply.body(seen) if callable(reply.body) else reply.body
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        try:
            handler.send_response(reply.status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(data)))
            handler.send_header("x-request-id", f"req_{len(self.requests)}")
            for name, value in reply.headers.items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(data[: len(data) // 2] if reply.cut else data)
            handler.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass
        if reply.cut:
            handler.close_connection = True
            handler.connection.shutdown(2)
        seen.finished = time.monotonic()

    def _default(self, seen: Seen) -> Reply:
        path = seen.path
        if path == "/v1/audio/transcriptions":
            return Reply(body=self._transcription(seen))
        if path == "/v1/chat/completions":
            return self._chat(seen)
        if path == "/v1/embeddings":
            return Reply(body=self._embeddings(seen))
        if path == "/v1/files" and seen.method == "POST":
            return Reply(body=self._upload(seen))
        if path.startswith("/v1/files/") and path.endswith("/content"):
            return Reply(body=self.files[path.split("/")[3]])
        if path == "/v1/batches" and seen.method == "POST":
            return Reply(body=self._create_batch(seen))
        if path.startswith("/v1/batches/"):
            return Reply(body=self._poll_batch(path.split("/")[3]))
        return error(404, f"no route {path}")

    # Endpoints --------------------------------------------------------------------------------

    def _transcription(self, seen: Seen) -> dict[str, Any]:
        text = self.transcript_for(seen)
        duration = seen.audio_seconds or 0.0
        fmt = seen.form.get("response_format", "json")
        if fmt == "verbose_json":
            return {
                "task": "transcribe",
                "language": "english",
                "duration": duration,
                "text": text,
                "segments": [_segment(0, 0.0, duration, text)],
            }
        if fmt == "diarized_json":
            half = duration / 2
            words = text.split()
            first, second = " ".join(words[: len(words) // 2]), " ".join(words[len(words) // 2 :])
            return {
                "task": "transcribe",
                "duration": duration,
                "text": text,
                "segments": [
                    {"id": "s0", "type": "transcript.text.segment", "speaker": "A",
                     "start": 0.0, "end": half, "text": first},
                    {"id": "s1", "type": "transcript.text.segment", "speaker": "B",
                     "start": half, "end": duration, "text": second},
                ],
                "usage": {"type": "duration", "seconds": duration},
            }  # fmt: skip
        return {
            "text": text,
            "usage": {"type": "tokens", "input_tokens": 100, "output_tokens": 20,
                      "total_tokens": 120},
        }  # fmt: skip

    def _chat(self, seen: Seen) -> Reply:
        request = seen.json or {}
        fmt = (request.get("response_format") or {}).get("type")
        if self.reject_json_schema and fmt == "json_schema":
            return error(400, "'response_format.type' must be 'json_object' or 'text'")
        schema = (request.get("response_format") or {}).get("json_schema") or {}
        if schema.get("name") == "meeting_answer" or "tools" in request:
            return Reply(body=completion(json.dumps(self.answer_for(seen)), request.get("model")))
        return Reply(body=completion(json.dumps(self.summary_for(seen)), request.get("model")))

    def _embeddings(self, seen: Seen) -> dict[str, Any]:
        request = seen.json or {}
        texts = request.get("input", [])
        texts = [texts] if isinstance(texts, str) else texts
        tokens = sum(len(str(t).split()) for t in texts)
        return {
            "object": "list", "model": request.get("model", "text-embedding-3-small"),
            "data": [{"object": "embedding", "index": i, "embedding": self.embedding_for(str(t))}
                     for i, t in enumerate(texts)],
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }  # fmt: skip

    def _upload(self, seen: Seen) -> dict[str, Any]:
        with self._lock:
            file_id = f"file-{len(self.files) + 1}"
            self.files[file_id] = seen.files.get("file", b"")
        return {"id": file_id, "object": "file", "bytes": len(self.files[file_id]),
                "created_at": int(time.time()), "filename": "batch.jsonl",
                "purpose": seen.form.get("purpose", "batch"), "status": "processed"}  # fmt: skip

    def _create_batch(self, seen: Seen) -> dict[str, Any]:
        with self._lock:
            batch_id = f"batch_{len(self.batches) + 1}"
            batch = {
                "id": batch_id, "object": "batch", "endpoint": seen.json["endpoint"],
                "input_file_id": seen.json["input_file_id"], "completion_window": "24h",
                "created_at": int(time.time()), "status": "in_progress", "polls": 0,
            }  # fmt: skip
            self.batches[batch_id] = batch
        return {k: v for k, v in batch.items() if k != "polls"}

    def _poll_batch(self, batch_id: str) -> dict[str, Any]:
        with self._lock:
            batch = self.batches[batch_id]
            batch["polls"] += 1
            done = batch["polls"] > self.batch_polls_before_done
        if done and batch["status"] != "completed":
            self._complete(batch)
        return {k: v for k, v in batch.items() if k != "polls"}

    def _complete(self, batch: dict[str, Any]) -> None:
        lines = self.files[batch["input_file_id"]].decode().splitlines()
        output: list[str] = []
        for line in lines:
            item = json.loads(line)
            inner = Seen("POST", item["url"], {}, b"", json=item["body"])
            reply = self.batch_reply(inner, item["custom_id"])
            output.append(
                json.dumps(
                    {"id": f"r-{item['custom_id']}", "custom_id": item["custom_id"],
                     "response": {"status_code": reply.status, "request_id": "breq",
                                  "body": reply.body}, "error": None}
                )
            )  # fmt: skip
        with self._lock:
            out_id = f"file-{len(self.files) + 1}"
            self.files[out_id] = ("\n".join(output) + "\n").encode()
            batch.update(status="completed", output_file_id=out_id)

    def batch_reply(self, seen: Seen, custom_id: str) -> Reply:
        """The answer to one batch line; tests replace this to fail single items."""
        return self._chat(seen)


def completion(
    content: str | None,
    model: str | None = "gpt-4o-mini",
    *,
    finish_reason: str = "stop",
    refusal: str | None = None,
    usage: tuple[int, int] = (1000, 200),
) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1", "object": "chat.completion", "created": int(time.time()),
        "model": model or "gpt-4o-mini",
        "choices": [{"index": 0, "finish_reason": finish_reason,
                     "message": {"role": "assistant", "content": content, "refusal": refusal}}],
        "usage": {"prompt_tokens": usage[0], "completion_tokens": usage[1],
                  "total_tokens": sum(usage)},
    }  # fmt: skip


def _segment(index: int, start: float, end: float, text: str) -> dict[str, Any]:
    return {"id": index, "seek": 0, "start": start, "end": end, "text": text, "tokens": [],
            "temperature": 0.0, "avg_logprob": -0.2, "compression_ratio": 1.0,
            "no_speech_prob": 0.01}  # fmt: skip


def _describe_audio(seen: Seen) -> str:
    return f"this chunk lasts {round(seen.audio_seconds or 0)} seconds"


def _parse_body(seen: Seen) -> None:
    kind = seen.headers.get("content-type", "")
    if kind.startswith("application/json") and seen.body:
        seen.json = json.loads(seen.body)
    elif kind.startswith("multipart/form-data"):
        message = BytesParser(policy=HTTP).parsebytes(
            b"Content-Type: " + kind.encode() + b"\r\n\r\n" + seen.body
        )
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True) or b""
            if part.get_filename():
                seen.files[str(name)] = payload
            else:
                seen.form[str(name)] = payload.decode()
        if "file" in seen.files and seen.path == "/v1/audio/transcriptions":
            seen.audio_seconds = _duration(seen.files["file"])


def _duration(data: bytes) -> float:
    samples = 0
    rate = 16_000
    with av.open(io.BytesIO(data)) as container:
        for frame in container.decode(audio=0):
            samples += frame.samples
            rate = frame.sample_rate
    return samples / rate


def peak_in_flight(requests: list[Seen]) -> int:
    """The most requests the server was working on at the same moment."""
    edges = sorted([(r.at, 1) for r in requests] + [(r.finished, -1) for r in requests])
    current = peak = 0
    for _, step in edges:
        current += step
        peak = max(peak, current)
    return peak
