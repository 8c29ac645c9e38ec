"""What the record needs of the manifest: each question's ballot format and fixed width."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..crypto.embedding import BYTES_PER_POINT
from ..pb.encoding import width_bytes
from ..pb.formats import BallotFormat, parse_format
from ..pb.instance import Project


@dataclass(frozen=True)
class QuestionSpec:
    key: str
    district: str | None
    format: BallotFormat
    width: int  # ciphertexts per ballot: the plaintext bytes plus one padding byte, 30 a point


def ballot_width(fmt: BallotFormat) -> int:
    return (width_bytes(fmt) + 1 + BYTES_PER_POINT - 1) // BYTES_PER_POINT


def question_specs(manifest: dict[str, Any]) -> dict[str, QuestionSpec]:
    """Per question id, from the manifest as frozen (raises ValueError/KeyError/FormatError
    on a manifest that is not one)."""
    specs = {}
    for q in manifest["questions"]:
        projects = [Project(p["id"], p["cost"], p.get("title", "")) for p in q["projects"]]
        fmt = parse_format(q["format"], projects, q["budget"])
        specs[q["id"]] = QuestionSpec(q["id"], q.get("district"), fmt, ballot_width(fmt))
    return specs
