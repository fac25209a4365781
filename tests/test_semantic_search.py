"""Semantic search (issue 13): passages with their embeddings in the ledger, hybrid ranking,
``minutes search --semantic/--keyword``, ``minutes reindex``, and the local MiniLM model."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from fake_openai import FakeOpenAI, Reply, error, hashed_bag_of_words
from meetings import add_meeting

from daemon.cli import cli
from daemon.config import Settings
from daemon.embed import embedder_for, local
from daemon.errors import ConfigError, ModelError
from daemon.ledger import Ledger
from daemon.search.index import index_report, reindex
from daemon.search.rank import Filters, find

VENDORS = (
    "Ana: The vendor contract renewal is the main topic.\n"
    "Ben: The vendor contract has a price increase.\n"
    "Ana: I'll negotiate the vendor contract by Friday.\n"
)
HIRING = "Cid: We need two engineers.\nDee: I'll post the job ad today.\n"
CLINIC = (
    "Rosa: The autoclave is due for its annual service.\n"
    "Rosa: It has to be booked before the end of the month, or we're out of compliance.\n"
    "Malik: The bus skipped my stop twice this morning.\n"
    "Hannah: The main phone line dropped fifteen calls yesterday.\n"
)


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def remote(make_settings: Any, fake: FakeOpenAI) -> Settings:
    settings: Settings = make_settings(
        **{"search.embedder": "openai", "search.batch_size": 2, "openai.base_url": fake.url,
           "openai.max_retries": 0, "openai.timeout": 5.0,
           "openai.prices": {"text-embedding-3-small": {"input_mtok": 20000.0}}}
    )  # fmt: skip
    return settings


def meeting(settings: Settings, ledger: Ledger, name: str, script: str, day: date) -> int:
    """A meeting as the pipeline leaves it, then the render stage's passages and embeddings."""
    recording = add_meeting(ledger, settings.outbox, name, script, day)
    transcript = ledger.transcript(recording)
    stored = ledger.summary(recording)
    assert transcript is not None and stored is not None
    index_report(settings, ledger, recording, transcript, stored[1])
    return recording


def run(settings: Settings, *args: str) -> Any:
    base = ["--state-dir", str(settings.state_dir), "--outbox", str(settings.outbox)]
    if settings.search.embedder == "openai":
        base += [
            "--set",
            "search.embedder=openai",
            "--set",
            f"openai.base_url={settings.openai.base_url}",
        ]
    return CliRunner().invoke(cli, [args[0], *base, *args[1:]])


def test_passages_are_a_few_sentences_with_speaker_and_time_plus_decisions_and_items(
    settings: Settings, ledger: Ledger
) -> None:
    recording = meeting(settings, ledger, "clinic", CLINIC, date(2026, 1, 15))
    store = ledger.passages
    passages = store.get(store.of_recording(recording))
    transcript = [p for p in passages.values() if p.kind == "transcript"]
    assert transcript[0].text == (
        "Rosa: The autoclave is due for its annual service. It has to be booked before the end "
        "of the month, or we're out of compliance.\nMalik: The bus skipped my stop twice this "
        "morning."
    )  # three sentences, one line per speaker
    assert transcript[0].speaker == "Rosa, Malik" and transcript[0].start == 0.0
    assert transcript[0].end == transcript[1].start == 15.0
    assert transcript[1].text.startswith("Hannah: The main phone line")
    assert all(p.report is not None and p.report.name == "2026-01-15_clinic.md" for p in transcript)
    items = [p for p in passages.values() if p.kind == "action item"]
    assert items and all(p.text.startswith("Action item (") for p in items)


def test_embeddings_are_batched_costed_and_stored_per_model(
    remote: Settings, fake: FakeOpenAI
) -> None:
    with Ledger(remote.database) as ledger:
        meeting(remote, ledger, "long", CLINIC + VENDORS + HIRING, date(2026, 6, 1))
        total, embedded = ledger.passages.counts("openai:text-embedding-3-small")
        calls = [c for c in ledger.api_calls() if c.endpoint == "embeddings"]
    requests = fake.seen("/v1/embeddings")
    assert total == embedded > 2
    assert len(requests) == -(-total // 2)  # batches of search.batch_size
    assert all(len(r.json["input"]) <= 2 for r in requests)
    assert len(calls) == len(requests) and all(c.status == "ok" for c in calls)
    assert all(c.tokens_in > 0 and c.cost_usd == pytest.approx(c.tokens_in * 0.02) for c in calls)


def test_a_paraphrased_query_finds_the_meeting_that_bm25_misses(
    remote: Settings, fake: FakeOpenAI
) -> None:
    with Ledger(remote.database) as ledger:
        vendors = meeting(remote, ledger, "vendors", VENDORS, date(2026, 6, 1))
        meeting(remote, ledger, "hiring", HIRING, date(2026, 6, 2))
        store = ledger.passages
        first = store.get(store.of_recording(vendors)[:1])
        (passage,) = first.values()
        # The embedding model knows that a supplier agreement is a vendor contract.
        fake.vectors["supplier agreement"] = hashed_bag_of_words(passage.text)
        embedder = embedder_for(remote, ledger)
        assert find(ledger, "supplier agreement", embedder, mode="keyword") == []
        (best, *_) = find(ledger, "supplier agreement", embedder)
    assert best.passage.recording_id == vendors and best.semantic_rank == 1
    assert best.keyword_rank is None
    fused = run(remote, "search", "supplier", "agreement")
    keyword = run(remote, "search", "--keyword", "supplier", "agreement")
    assert fused.exit_code == 0, fused.output
    assert fused.output.splitlines()[0].startswith(str(remote.outbox / "2026-06-01_vendors.md"))
    assert keyword.output.strip() == "no matches"


def test_fusion_ranks_a_passage_both_lists_agree_on_first(
    remote: Settings, fake: FakeOpenAI
) -> None:
    with Ledger(remote.database) as ledger:
        vendors = meeting(remote, ledger, "vendors", VENDORS, date(2026, 6, 1))
        hiring = meeting(remote, ledger, "hiring", HIRING, date(2026, 6, 2))
        ranked = find(ledger, "job ad engineers", embedder_for(remote, ledger))
    assert ranked[0].passage.recording_id == hiring
    assert ranked[0].keyword_rank is not None and ranked[0].semantic_rank is not None
    assert vendors not in {r.passage.recording_id for r in ranked[:1]}


def test_filters_restrict_passages_to_meetings_dates_and_speakers(
    remote: Settings, fake: FakeOpenAI
) -> None:
    with Ledger(remote.database) as ledger:
        vendors = meeting(remote, ledger, "vendors", VENDORS, date(2026, 6, 1))
        meeting(remote, ledger, "vendors-again", VENDORS, date(2026, 7, 1))
        embedder = embedder_for(remote, ledger)
        june = find(ledger, "vendor contract", embedder, filters=Filters(until=date(2026, 6, 30)))
        only = find(ledger, "vendor contract", embedder, filters=Filters(meeting=vendors))
        ben = find(ledger, "vendor contract", embedder, filters=Filters(owner="ben"))
    assert june and {r.passage.recording_id for r in june} == {vendors}
    assert only and {r.passage.recording_id for r in only} == {vendors}
    assert ben and all("Ben" in (r.passage.speaker or "") for r in ben)


def test_a_failed_embedding_call_keeps_the_report_and_reindex_catches_up(
    remote: Settings, fake: FakeOpenAI, caplog: pytest.LogCaptureFixture
) -> None:
    fake.enqueue("/v1/embeddings", error(400, "model overloaded with opinions"))
    with Ledger(remote.database) as ledger:
        recording = meeting(remote, ledger, "vendors", VENDORS, date(2026, 6, 1))
        assert ledger.get(recording).report is not None
        total, embedded = ledger.passages.counts("openai:text-embedding-3-small")
    assert total > 0 and embedded == 0
    assert "minutes reindex" in caplog.text
    result = run(remote, "reindex")
    assert result.exit_code == 0, result.output
    assert f"{total} passages embedded, {total} in all" in result.output
    assert "no matches" not in run(remote, "search", "--semantic", "contract").output


def test_reindex_after_a_model_change_is_resumable(
    remote: Settings, make_settings: Any, fake: FakeOpenAI
) -> None:
    with Ledger(remote.database) as ledger:
        meeting(remote, ledger, "vendors", VENDORS, date(2026, 6, 1))
        meeting(remote, ledger, "hiring", HIRING, date(2026, 6, 2))
    changed = make_settings(
        **{"search.embedder": "openai", "search.model": "text-embedding-3-large",
           "search.batch_size": 2, "openai.base_url": fake.url, "openai.max_retries": 0}
    )  # fmt: skip
    before = len(fake.seen("/v1/embeddings"))
    fake.enqueue("/v1/embeddings", Reply(), error(400, "interrupted here"))
    with Ledger(changed.database) as ledger:
        embedder = embedder_for(changed, ledger)
        assert embedder is not None and embedder.identity == "openai:text-embedding-3-large"
        with pytest.raises(Exception, match="interrupted here"):
            reindex(ledger, embedder, batch=2)
        total, embedded = ledger.passages.counts(embedder.identity)
        assert embedded == 2  # the first batch was kept
        progress: list[tuple[int, int]] = []
        done = reindex(ledger, embedder, batch=2, progress=lambda d, t: progress.append((d, t)))
        assert ledger.passages.counts(embedder.identity) == (total, total)
        assert ledger.passages.drop_other_models(embedder.identity) == total
    assert done.embedded == total - 2 and progress[-1] == (total - 2, total - 2)
    resent = [t for r in fake.seen("/v1/embeddings")[before + 2 :] for t in r.json["input"]]
    assert len(resent) == total - 2  # nothing embedded twice


def test_reindex_gives_passages_to_meetings_reported_before_semantic_search(
    remote: Settings, fake: FakeOpenAI
) -> None:
    with Ledger(remote.database) as ledger:
        old = add_meeting(ledger, remote.outbox, "hiring", HIRING, date(2026, 6, 2))
        assert ledger.passages.of_recording(old) == []
    result = run(remote, "reindex")
    assert result.exit_code == 0, result.output
    assert "passages remade for 1 recordings" in result.output
    with Ledger(remote.database) as ledger:
        total, embedded = ledger.passages.counts("openai:text-embedding-3-small")
        assert total == embedded == len(ledger.passages.of_recording(old)) > 0


def test_semantic_search_without_an_embedder_is_a_settings_error(make_settings: Any) -> None:
    settings = make_settings(**{"search.embedder": "none"})
    with Ledger(settings.database) as ledger:
        add_meeting(ledger, settings.outbox, "hiring", HIRING, date(2026, 6, 2))
    result = run(settings, "search", "--semantic", "--set", "search.embedder=none", "job")
    assert isinstance(result.exception, ConfigError) and result.exception.exit_code == 2
    assert result.exception.key == "search.embedder"
    keyword = run(settings, "search", "--set", "search.embedder=none", "job", "ad")
    assert "2026-06-02_hiring.md at 00:00:05 (transcript)" in keyword.output


# The local model ---------------------------------------------------------------------------


def test_local_model_reproduces_the_reference_similarities() -> None:
    # sentence-transformers' published all-MiniLM-L6-v2 scores for these pairs: 0.8939, 0.6788.
    vectors = local.LocalEmbedder().embed(
        ["The new movie is awesome", "The new movie is so great",
         "The cat sits outside", "The cat plays in the garden"]
    )  # fmt: skip
    assert vectors.shape == (4, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert float(vectors[0] @ vectors[1]) == pytest.approx(0.8939, abs=0.01)
    assert float(vectors[2] @ vectors[3]) == pytest.approx(0.6788, abs=0.01)


def test_local_model_files_are_checked_before_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "model"
    shutil.copytree(local.MODEL_DIR, copy)
    data = bytearray((copy / "tokenizer.json").read_bytes())
    data[100] ^= 1
    (copy / "tokenizer.json").write_bytes(bytes(data))
    monkeypatch.setattr(local, "MODEL_DIR", copy)
    local._load.cache_clear()
    try:
        with pytest.raises(ModelError, match="SHA-256"):
            local.LocalEmbedder().embed(["anything"])
    finally:
        local._load.cache_clear()


def test_local_embeddings_find_a_paraphrase(make_settings: Any) -> None:
    settings = make_settings(**{"search.embedder": "local"})
    with Ledger(settings.database) as ledger:
        clinic = meeting(settings, ledger, "clinic", CLINIC, date(2026, 1, 15))
        meeting(settings, ledger, "vendors", VENDORS, date(2026, 6, 1))
        embedder = embedder_for(settings, ledger)
        (best, *_) = find(ledger, "sterilizer maintenance", embedder, mode="semantic")
        assert find(ledger, "sterilizer maintenance", embedder, mode="keyword") == []
    assert best.passage.recording_id == clinic and "autoclave" in best.passage.text


def test_a_processed_recording_gets_passages_embedded_when_its_report_is_made(
    make_settings: Any, transcriber: Any, hello_clip: Path
) -> None:
    from daemon.assembly import pipeline_for

    settings = make_settings(**{"search.embedder": "local"})
    with Ledger(settings.database) as ledger:
        outcome = pipeline_for(settings, ledger, transcriber).submit(hello_clip, from_inbox=False)
        assert outcome.state == "done" and outcome.recording_id is not None
        store = ledger.passages
        passages = store.get(store.of_recording(outcome.recording_id))
        total, embedded = store.counts("local:all-MiniLM-L6-v2:int8")
        (best, *_) = find(ledger, "meeting about money", embedder_for(settings, ledger))
    assert passages and total == embedded == len(passages)
    assert all(p.report == outcome.report for p in passages.values())
    assert "budget review" in best.passage.text.lower()


def test_local_embedding_batches_are_bounded_by_attention_size_not_only_by_rows() -> None:
    from daemon.embed.local import MAX_ATTENTION_CELLS, _batches

    lengths = [10] * 40 + [256] * 6
    batches = _batches(range(len(lengths)), lengths, 32)
    assert [len(b) for b in batches[:2]] == [32, 8]  # short passages: the row limit
    for batch in batches:
        assert (
            len(batch) * max(lengths[i] for i in batch) ** 2 <= MAX_ATTENTION_CELLS
            or len(batch) == 1
        )
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
