"""Reading and writing pabulib ``.pb`` files (the open format of pabulib.org).

A file has three ``;``-separated sections: META (``key;value`` rows), PROJECTS (one row per
project, ``project_id`` and ``cost`` required) and VOTES (one row per voter, ``vote`` required;
``points`` for cumulative and scoring votes). Fields may be quoted (names containing ``;``),
the file may start with a byte-order mark and use CRLF line ends; the literal ``None`` marks
an empty field. Every error names the source and line.

``parse_pabulib`` works on a text stream; ``read_pabulib`` is the thin wrapper opening a path.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TextIO

from .instance import Instance, Number, Project, exact_number
from .profile import Profile, ScoredBallot

VOTE_TYPES = ("approval", "choose-1", "cumulative", "scoring", "ordinal")
_SECTIONS = ("meta", "projects", "votes")


class PabulibError(ValueError):
    """A malformed pabulib file; ``line`` is the 1-based line of the offending row."""

    def __init__(self, source: str, line: int | None, message: str):
        self.source, self.line, self.message = source, line, message
        where = f"{source}:{line}" if line else source
        super().__init__(f"{where}: {message}")


@dataclass
class Vote:
    """One voter's row. ``choice`` holds project ids (approval: as listed; ordinal: best
    first) and ``points`` the matching points for cumulative and scoring votes."""

    voter_id: str
    choice: tuple[str, ...]
    points: tuple[Number, ...] | None = None
    extra: dict[str, str] = field(default_factory=dict)


@dataclass
class PabulibElection:
    meta: dict[str, str]
    instance: Instance
    project_columns: list[str]
    project_rows: dict[str, dict[str, str]]
    vote_columns: list[str]
    votes: list[Vote]

    @property
    def vote_type(self) -> str:
        return self.meta["vote_type"]

    def ordinal_points(self) -> list[int]:
        """Points earned by each rank on ordinal votes: k for the first of k ranks, then
        k-1, ... 1, with k the META ``max_length`` or else the longest ballot."""
        if "max_length" in self.meta:
            k = int(self.meta["max_length"])
        else:
            k = max((len(v.choice) for v in self.votes), default=0)
        return list(range(k, 0, -1))

    def profile(self) -> Profile:
        """The votes as points per project: 1 per approval, the points of cumulative and
        scoring votes, ``ordinal_points()`` for ranks."""
        counts: Counter[ScoredBallot] = Counter()
        if self.vote_type in ("approval", "choose-1"):
            for choice, count in Counter(v.choice for v in self.votes).items():
                counts[tuple((pid, 1) for pid in sorted(choice))] += count
        elif self.vote_type == "ordinal":
            points = self.ordinal_points()
            for choice, count in Counter(v.choice for v in self.votes).items():
                counts[tuple(sorted(pair for pair in zip(choice, points) if pair[1]))] += count
        else:
            for pairs, count in Counter(tuple(zip(v.choice, v.points)) for v in self.votes).items():
                counts[tuple(sorted(pair for pair in pairs if pair[1]))] += count
        return Profile(self.instance, counts)


def _missing(value: str) -> bool:
    return value.strip().lower() == "none"


def parse_pabulib(stream: TextIO, source: str = "<stream>") -> PabulibElection:
    """Parse a pabulib file from a text stream (opened with ``newline=""``)."""
    reader = csv.reader(stream, delimiter=";")
    meta: dict[str, str] = {}
    project_columns: list[str] = []
    project_rows: dict[str, dict[str, str]] = {}
    projects: list[Project] = []
    vote_columns: list[str] = []
    vote_rows: list[tuple[int, list[str]]] = []
    section, header = None, []
    first = True
    seen_sections = set()
    for row in reader:
        line = reader.line_num
        if first and row and row[0].startswith("\ufeff"):
            row[0] = row[0][1:]
        first = False
        if not row or all(not cell.strip() for cell in row):
            continue
        name = row[0].strip().lower()
        if name in _SECTIONS and all(not c.strip() for c in row[1:]):
            if name in seen_sections:
                raise PabulibError(source, line, f"section {name.upper()} appears twice")
            if name == "votes" and "projects" not in seen_sections:
                raise PabulibError(source, line, "VOTES must come after PROJECTS")
            seen_sections.add(name)
            section = name
            header_row = next(reader, None)
            if header_row is None:
                raise PabulibError(source, line, f"section {name.upper()} has no header row")
            header = [h.strip() for h in header_row]
            if name == "projects":
                for needed in ("project_id", "cost"):
                    if needed not in header:
                        raise PabulibError(source, reader.line_num, f"PROJECTS header lacks {needed!r}")
                project_columns = header
            elif name == "votes":
                if "vote" not in header:
                    raise PabulibError(source, reader.line_num, "VOTES header lacks 'vote'")
                vote_columns = header
            continue
        if section is None:
            raise PabulibError(source, line, "expected a META, PROJECTS or VOTES section header")
        if section == "meta":
            if len(row) < 2:
                raise PabulibError(source, line, "a META row needs a key and a value")
            meta[row[0].strip()] = row[1].strip()
            continue
        if len(row) != len(header):
            raise PabulibError(source, line, f"expected {len(header)} fields, found {len(row)}")
        values = dict(zip(header, (cell.strip() for cell in row)))
        if section == "projects":
            pid = values["project_id"]
            if not pid or _missing(pid):
                raise PabulibError(source, line, "empty project_id")
            if pid in project_rows:
                raise PabulibError(source, line, f"duplicate project_id {pid!r}")
            try:
                project = Project(pid, exact_number(values["cost"], what=f"cost of project {pid!r}"),
                                  name=values.get("name", ""))
            except ValueError as error:
                raise PabulibError(source, line, str(error)) from None
            projects.append(project)
            project_rows[pid] = values
        else:
            vote_rows.append((line, row))
    for needed in ("budget", "vote_type"):
        if needed not in meta:
            raise PabulibError(source, None, f"META lacks {needed!r}")
    if "votes" not in seen_sections:
        raise PabulibError(source, None, "no VOTES section")
    vote_type = meta["vote_type"]
    if vote_type not in VOTE_TYPES:
        raise PabulibError(source, None, f"unsupported vote_type {vote_type!r}")
    try:
        instance = Instance(tuple(projects), exact_number(meta["budget"], what="budget"))
    except ValueError as error:
        raise PabulibError(source, None, str(error)) from None
    votes = _parse_votes(vote_rows, vote_columns, vote_type, instance, source)
    return PabulibElection(meta, instance, project_columns, project_rows, vote_columns, votes)


def _parse_votes(rows, columns, vote_type, instance, source) -> list[Vote]:
    vote_at = columns.index("vote")
    points_at = columns.index("points") if "points" in columns else None
    id_at = columns.index("voter_id") if "voter_id" in columns else None
    extra_columns = [(i, c) for i, c in enumerate(columns)
                     if c not in ("vote", "points", "voter_id")]
    scored = vote_type in ("cumulative", "scoring")
    if scored and points_at is None and rows:
        raise PabulibError(source, rows[0][0], f"{vote_type} votes need a 'points' column")
    parsed_choice: dict[str, tuple[str, ...]] = {}
    parsed_points: dict[str, tuple[Number, ...]] = {}
    votes = []
    voter_ids = set()
    for index, (line, row) in enumerate(rows):
        voter_id = row[id_at].strip() if id_at is not None else str(index)
        if voter_id in voter_ids:
            raise PabulibError(source, line, f"duplicate voter_id {voter_id!r}")
        voter_ids.add(voter_id)
        text = row[vote_at].strip()
        choice = parsed_choice.get(text)
        if choice is None:
            choice = () if _missing(text) else tuple(p.strip() for p in text.split(",") if p.strip())
            for pid in choice:
                if pid not in instance:
                    raise PabulibError(source, line, f"vote names unknown project {pid!r}")
            if len(set(choice)) != len(choice):
                raise PabulibError(source, line, "vote lists a project twice")
            parsed_choice[text] = choice
        points = None
        if scored:
            text = row[points_at].strip()
            points = parsed_points.get(text)
            if points is None:
                try:
                    points = () if _missing(text) or not text else tuple(
                        exact_number(p, what="points") for p in text.split(","))
                except ValueError as error:
                    raise PabulibError(source, line, str(error)) from None
                if any(p < 0 for p in points):
                    raise PabulibError(source, line, "negative points")
                parsed_points[text] = points
            if len(points) != len(choice):
                raise PabulibError(source, line,
                                   f"{len(choice)} projects but {len(points)} points")
        extra = {c: row[i].strip() for i, c in extra_columns}
        votes.append(Vote(voter_id, choice, points, extra))
    if vote_type == "choose-1":
        for (line, _), vote in zip(rows, votes):
            if len(vote.choice) > 1:
                raise PabulibError(source, line, "a choose-1 vote names several projects")
    return votes


def read_pabulib(path) -> PabulibElection:
    """Parse the pabulib file at ``path``."""
    with open(path, encoding="utf-8-sig", newline="") as stream:
        return parse_pabulib(stream, source=str(path))


def loads_pabulib(text: str, source: str = "<string>") -> PabulibElection:
    return parse_pabulib(io.StringIO(text, newline=""), source)


def _number_text(value: Number) -> str:
    value = Fraction(value)
    if value.denominator == 1:
        return str(value.numerator)
    d = value.denominator
    while d % 2 == 0:
        d //= 2
    while d % 5 == 0:
        d //= 5
    if d == 1:  # a finite decimal: write it as one
        digits = 0
        while (value * 10 ** digits).denominator != 1:
            digits += 1
        scaled = abs(value.numerator * 10 ** digits // value.denominator)
        sign = "-" if value < 0 else ""
        text = str(scaled).rjust(digits + 1, "0")
        return f"{sign}{text[:-digits]}.{text[-digits:]}"
    return f"{value.numerator}/{value.denominator}"


def write_pabulib(election: PabulibElection, stream: TextIO) -> None:
    """Write ``election`` in pabulib format. Fields are quoted where needed; newlines inside
    fields are refused, since line-oriented readers of the format could not read them back."""
    writer = csv.writer(stream, delimiter=";", lineterminator="\n")

    def write(row):
        cells = [str(c) for c in row]
        for cell in cells:
            if "\n" in cell or "\r" in cell:
                raise ValueError(f"a pabulib field cannot contain a line break: {cell!r}")
        writer.writerow(cells)

    meta = dict(election.meta)
    meta["budget"] = _number_text(election.instance.budget)
    meta["num_projects"] = str(len(election.instance))
    meta["num_votes"] = str(len(election.votes))
    write(["META"])
    write(["key", "value"])
    for key, value in meta.items():
        write([key, value])
    columns = list(election.project_columns) or ["project_id", "cost"]
    write(["PROJECTS"])
    write(columns)
    for project in election.instance.projects:
        row = dict(election.project_rows.get(project.id, {}))
        row["project_id"], row["cost"] = project.id, _number_text(project.cost)
        write([row.get(c, "None") for c in columns])
    columns = list(election.vote_columns) or ["voter_id", "vote"]
    scored = election.vote_type in ("cumulative", "scoring")
    if scored and "points" not in columns:
        columns.append("points")
    write(["VOTES"])
    write(columns)
    for vote in election.votes:
        row = dict(vote.extra)
        row["voter_id"] = vote.voter_id
        if scored and not vote.choice:
            row["vote"] = row["points"] = "None"  # an empty scored ballot
        else:
            row["vote"] = ",".join(vote.choice)
            if scored:
                row["points"] = ",".join(_number_text(p) for p in vote.points)
        write([row.get(c, "None") for c in columns])


def dumps_pabulib(election: PabulibElection) -> str:
    out = io.StringIO()
    write_pabulib(election, out)
    return out.getvalue()
