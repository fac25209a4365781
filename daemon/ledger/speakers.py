"""Speakers across meetings: names the user gave, and voice profiles (when switched on).

A voice profile is a person's name and the mean of their voice embeddings over the meetings in
which they were named with confidence or by the user. It is biometric data (GDPR art. 9), so it
is only written when ``diarizer.voice_profiles`` is on, and ``minutes speakers forget`` /
``--all`` deletes it for good: the row goes, and nothing else holds the vector.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from daemon.ledger.db import Database, now


@dataclass(frozen=True)
class VoiceProfile:
    name: str
    vector: npt.NDArray[np.float32]  # unit length
    seconds: float  # speech the profile was learned from
    meetings: int
    source: str  # how the name was last confirmed: "user" or a naming evidence kind
    updated_at: str


class SpeakerStore:
    """Tables: speaker_names, voice_profiles."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # Names the user gave ---------------------------------------------------------------------

    def set_name(self, recording_id: int, label: str, name: str) -> None:
        with self._db.tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO speaker_names VALUES (?, ?, ?, ?)",
                (recording_id, label, name, now()),
            )

    def names(self, recording_id: int) -> dict[str, str]:
        rows = self._db.query(
            "SELECT label, name FROM speaker_names WHERE recording_id = ? ORDER BY label",
            (recording_id,),
        )
        return {str(r[0]): str(r[1]) for r in rows}

    # Voice profiles --------------------------------------------------------------------------

    def profiles(self) -> list[VoiceProfile]:
        rows = self._db.query("SELECT * FROM voice_profiles ORDER BY name")
        return [
            VoiceProfile(
                name=str(r["name"]),
                vector=np.frombuffer(r["vector"], dtype=np.float32).copy(),
                seconds=float(r["seconds"]),
                meetings=int(r["meetings"]),
                source=str(r["source"]),
                updated_at=str(r["updated_at"]),
            )
            for r in rows
        ]

    def learn(
        self, name: str, vector: npt.NDArray[np.float32], seconds: float, source: str
    ) -> None:
        """Fold one meeting's voice of ``name`` into its profile, weighted by speech time."""
        unit = _unit(vector)
        with self._db.tx() as db:
            row = db.execute(
                "SELECT vector, seconds, meetings FROM voice_profiles WHERE name = ?", (name,)
            ).fetchone()
            if row is None:
                merged, total, meetings = unit, seconds, 1
            else:
                old = np.frombuffer(row[0], dtype=np.float32)
                total = float(row[1]) + seconds
                merged = _unit(old * float(row[1]) + unit * seconds)
                meetings = int(row[2]) + 1
            db.execute(
                "INSERT OR REPLACE INTO voice_profiles VALUES (?, ?, ?, ?, ?, ?)",
                (name, merged.astype(np.float32).tobytes(), total, meetings, source, now()),
            )

    def forget(self, name: str) -> bool:
        with self._db.tx() as db:
            return db.execute("DELETE FROM voice_profiles WHERE name = ?", (name,)).rowcount > 0

    def forget_all(self) -> int:
        with self._db.tx() as db:
            return db.execute("DELETE FROM voice_profiles").rowcount


def _unit(vector: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    norm = float(np.linalg.norm(vector))
    return (vector / norm if norm > 0 else vector).astype(np.float32)
