"""Fixed-width canonical binary plaintext of one ballot for one question.

Layout (see docs/decisions.md): a little-endian unsigned integer of ``width_bytes`` bytes
holding ``n`` fields of ``w`` bits each, field ``i`` in bits ``[i*w, (i+1)*w)``; every bit
above the last field is zero. Per kind:

- ``approval``, ``budget``: one bit per project in manifest order (a bitmap), 1 = approved.
- ``cumulative``: one field per project, the points given, ``w = max_per_project.bit_length()``.
- ``ordinal``: ``k`` fields, rank 1 first, each the project's position + 1, 0 for an unused
  rank; unused ranks come last; ``w = len(projects).bit_length()``.
- ``grades``: one field per project, 0 = not graded (the default grade applies), else the
  grade index + 1 (1 = best grade); ``w = len(grades).bit_length()``.

Every valid choice has exactly one encoding, so equal plaintexts mean equal choices; decoding
checks the layout first (length, padding, field ranges) and then the format's limits.
"""

from __future__ import annotations

from .formats import (NON_CANONICAL, RANK_GAP, UNKNOWN_PROJECT, WRONG_LENGTH, BAD_GRADE,
                      BAD_POINTS, BallotFormat, InvalidBallot, InvalidChoiceError, ValidBallot)


def _layout(fmt: BallotFormat) -> tuple[int, int]:
    """(number of fields, bits per field)."""
    m = len(fmt.projects)
    if fmt.kind in ("approval", "budget"):
        return m, 1
    if fmt.kind == "cumulative":
        return m, fmt.max_per_project.bit_length()
    if fmt.kind == "ordinal":
        return fmt.k, m.bit_length()
    if fmt.kind == "grades":
        return m, len(fmt.grades).bit_length()
    raise ValueError(f"unknown ballot kind {fmt.kind!r}")


def width_bytes(fmt: BallotFormat) -> int:
    fields, bits = _layout(fmt)
    return (fields * bits + 7) // 8


def _fields(fmt: BallotFormat, valid: ValidBallot) -> list[int]:
    position = {pid: i for i, pid in enumerate(fmt.projects)}
    m = len(fmt.projects)
    if fmt.kind in ("approval", "budget"):
        values = [0] * m
        for pid in valid.choice:
            values[position[pid]] = 1
        return values
    if fmt.kind == "cumulative":
        values = [0] * m
        for pid, points in valid.choice:
            values[position[pid]] = points
        return values
    if fmt.kind == "ordinal":
        ranks = [position[pid] + 1 for pid in valid.choice]
        return ranks + [0] * (fmt.k - len(ranks))
    values = [0] * m
    for pid, grade in valid.choice:
        values[position[pid]] = grade + 1
    return values


def encode(fmt: BallotFormat, choice) -> bytes:
    """The canonical plaintext of a valid choice; ``InvalidChoiceError`` if it is invalid."""
    valid = fmt.validate(choice)
    if isinstance(valid, InvalidBallot):
        raise InvalidChoiceError(valid)
    _, bits = _layout(fmt)
    packed = 0
    for i, value in enumerate(_fields(fmt, valid)):
        packed |= value << (i * bits)
    return packed.to_bytes(width_bytes(fmt), "little")


def decode_and_validate(fmt: BallotFormat, data: bytes) -> ValidBallot | InvalidBallot:
    """Decode a plaintext and check it against the format; never raises on bad data."""
    if not isinstance(data, (bytes, bytearray)):
        return InvalidBallot(WRONG_LENGTH, "the plaintext is not a byte string")
    width = width_bytes(fmt)
    if len(data) != width:
        return InvalidBallot(WRONG_LENGTH, f"{len(data)} bytes, expected {width}")
    fields, bits = _layout(fmt)
    packed = int.from_bytes(data, "little")
    if packed >> (fields * bits):
        if fmt.kind in ("approval", "budget"):
            return InvalidBallot(UNKNOWN_PROJECT, "a bit beyond the last project is set")
        return InvalidBallot(NON_CANONICAL, "bits beyond the last field are set")
    mask = (1 << bits) - 1
    values = [(packed >> (i * bits)) & mask for i in range(fields)]
    projects = fmt.projects
    if fmt.kind in ("approval", "budget"):
        choice = [projects[i] for i, v in enumerate(values) if v]
    elif fmt.kind == "cumulative":
        for i, v in enumerate(values):
            if v > fmt.max_per_project:
                return InvalidBallot(BAD_POINTS, f"{v} points for {projects[i]!r}, at most "
                                                 f"{fmt.max_per_project} per project")
        choice = {projects[i]: v for i, v in enumerate(values) if v}
    elif fmt.kind == "ordinal":
        used = [v for v in values if v]
        if any(v > len(projects) for v in used):
            return InvalidBallot(UNKNOWN_PROJECT, "a rank names a project that does not exist")
        if values[:len(used)] != used:
            return InvalidBallot(RANK_GAP, "an empty rank comes before a filled one")
        choice = [projects[v - 1] for v in used]
    else:
        for i, v in enumerate(values):
            if v > len(fmt.grades):
                return InvalidBallot(BAD_GRADE, f"grade code {v} for {projects[i]!r} does not exist")
        choice = {projects[i]: v - 1 for i, v in enumerate(values) if v}
    return fmt.validate(choice)
