"""Reading and writing pabulib ``.pb`` files (the open format of pabulib.org).

A file has three ``;``-separated sections: META (``key;value`` rows), PROJECTS (one row per
project, ``project_id`` and ``cost`` required) and VOTES (one row per voter, ``vote`` required;
``points`` for cumulative and scoring votes). Fields may be quoted (names containing ``;``),
the file may start with a byte-order mark and use CRLF line ends; the literal ``None`` marks
an empty field. Every error names the source and line.

``parse_pabulib`` works on a text stream, ``loads_pabulib`` on a string, ``read_pabulib`` on a
path (its bytes must be UTF-8). Fields are split per line: a quoted field cannot span lines.
"""

from __future__ import annotations

import csv
import functools
import gc
import io
from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TextIO

from .instance import Instance, Number, Project, exact_number
from .profile import Profile, ScoredBallot

VOTE_TYPES = ("approval", "choose-1", "cumulative", "scoring", "ordinal")
# Our extra PROJECTS column for exclusive projects (docs/operations.md): projects with the same
# label form a group; "label#1", "label#2"... also give the group's precedence, best first.
EXCLUSIVE_COLUMN = "exclusive_group"
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


class PabulibElection:
    """A parsed file. ``votes`` (one ``Vote`` per row) is built on first use only: the rules
    need just the distinct ballots and how many voters cast each, counted while parsing."""

    def __init__(self, meta: dict[str, str], instance: Instance, project_columns: list[str],
                 project_rows: dict[str, dict[str, str]], vote_columns: list[str],
                 ballots: _Ballots, exclusive: list | None = None):
        self.meta, self.instance = meta, instance
        self.project_columns, self.project_rows = project_columns, project_rows
        self.vote_columns = vote_columns
        self._ballots = ballots
        self.exclusive_groups: list = exclusive or []  # as in a rule spec's "exclusive"

    def set_exclusive_groups(self, groups: list) -> None:
        """Declare exclusive groups (rule-spec form), written in the EXCLUSIVE_COLUMN."""
        if EXCLUSIVE_COLUMN not in self.project_columns:
            self.project_columns = [*self.project_columns, EXCLUSIVE_COLUMN]
        labels = {}
        for number, group in enumerate(groups, 1):
            ranked = isinstance(group, dict)
            members = group["precedence"] if ranked else group
            for rank, pid in enumerate(members, 1):
                labels[pid] = f"group{number}#{rank}" if ranked else f"group{number}"
        for pid, row in self.project_rows.items():
            row[EXCLUSIVE_COLUMN] = labels.get(pid, "")
        self.exclusive_groups = list(groups)

    @property
    def vote_type(self) -> str:
        return self.meta["vote_type"]

    @property
    def num_voters(self) -> int:
        return len(self._ballots.rows)

    @functools.cached_property
    def votes(self) -> list[Vote]:
        return self._ballots.votes(self.vote_columns)

    def ordinal_points(self) -> list[int]:
        """Points earned by each rank on ordinal votes: k for the first of k ranks, then
        k-1, ... 1, with k the META ``max_length`` or else the longest ballot."""
        if "max_length" in self.meta:
            k = int(self.meta["max_length"])
        else:
            k = max((len(choice) for choice, _ in self._ballots.counts), default=0)
        return list(range(k, 0, -1))

    def profile(self) -> Profile:
        """The votes as points per project: 1 per approval, the points of cumulative and
        scoring votes, ``ordinal_points()`` for ranks."""
        counts: Counter[ScoredBallot] = Counter()
        if self.vote_type in ("approval", "choose-1"):
            approved = {pid: (pid, 1) for pid in self.instance.ids}
            for (choice, _), count in self._ballots.counts.items():
                counts[tuple(map(approved.__getitem__, sorted(choice)))] += count
        elif self.vote_type == "ordinal":
            points = self.ordinal_points()
            for (choice, _), count in self._ballots.counts.items():
                counts[tuple(sorted(pair for pair in zip(choice, points) if pair[1]))] += count
        else:
            for (choice, points), count in self._ballots.counts.items():
                counts[tuple(sorted(pair for pair in zip(choice, points) if pair[1]))] += count
        return Profile(self.instance, counts)


def _missing(value: str) -> bool:
    return value.strip().lower() == "none"


def _lines(text: str, source: str):
    """(line number, fields) of every non-blank line. Fields are split on ``;``; a line with
    a double quote goes through the csv module, one line at a time, so a quote left open names
    its line instead of swallowing the rest of the file, and no field length limit applies to
    the unquoted lines (long vote lines)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise PabulibError(source, None, "the file is empty")
    for number, line in enumerate(text.split("\n"), 1):
        if line.endswith("\r"):
            line = line[:-1]
        if not line.strip(" \t;"):
            continue
        if '"' not in line:
            yield number, line.split(";")
            continue
        try:
            yield number, next(csv.reader([line], delimiter=";", strict=True))
        except csv.Error as error:
            if "field larger than field limit" in str(error):
                raise PabulibError(source, number, f"a quoted field is longer than "
                                   f"{csv.field_size_limit():,} characters") from None
            raise PabulibError(source, number, "a quote is not closed on its line "
                               "(fields cannot span lines)") from None


def _meta_count(meta, meta_lines, key, actual, what, source) -> None:
    """A file cut at a line boundary still parses: the META counts tell."""
    if key not in meta:
        return
    try:
        declared = int(meta[key])
    except ValueError:
        raise PabulibError(source, meta_lines[key], f"{key} is not a whole number: "
                           f"{meta[key]!r}") from None
    if declared != actual:
        raise PabulibError(source, meta_lines[key], f"META {key} is {declared:,} but the file "
                           f"has {actual:,} {what} (is it cut short?)")


def parse_pabulib(stream: TextIO, source: str = "<stream>") -> PabulibElection:
    """Parse a pabulib file from a text stream."""
    return _parse_text(stream.read(), source)


def _parse_text(text: str, source: str) -> PabulibElection:
    # Parsing creates hundreds of thousands of small objects that all survive: the cyclic
    # garbage collector would rescan them over and over (a third of the parse time), for
    # nothing, since they hold no cycles.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _parse_sections(text, source)
    finally:
        if enabled:
            gc.enable()


def _parse_sections(text: str, source: str) -> PabulibElection:
    meta: dict[str, str] = {}
    meta_lines: dict[str, int] = {}
    project_columns: list[str] = []
    project_rows: dict[str, dict[str, str]] = {}
    project_lines: dict[str, int] = {}
    projects: list[Project] = []
    vote_columns: list[str] = []
    vote_rows: list[tuple[int, list[str]]] = []
    section, header = None, []
    seen_sections = set()
    lines = _lines(text, source)
    for line, row in lines:
        name = row[0].strip().lower()
        if name in _SECTIONS and all(not c.strip() for c in row[1:]):
            if name in seen_sections:
                raise PabulibError(source, line, f"section {name.upper()} appears twice")
            if name == "votes" and "projects" not in seen_sections:
                raise PabulibError(source, line, "VOTES must come after PROJECTS")
            seen_sections.add(name)
            section = name
            line, header_row = next(lines, (line, None))
            if header_row is None:
                raise PabulibError(source, line, f"section {name.upper()} has no header row")
            header = [h.strip() for h in header_row]
            if name == "projects":
                for needed in ("project_id", "cost"):
                    if needed not in header:
                        raise PabulibError(source, line, f"PROJECTS header lacks {needed!r}")
                project_columns = header
            elif name == "votes":
                if "vote" not in header:
                    raise PabulibError(source, line, "VOTES header lacks 'vote'")
                vote_columns = header
            continue
        if section is None:
            raise PabulibError(source, line, "expected a META, PROJECTS or VOTES section header")
        if section == "meta":
            if len(row) < 2:
                raise PabulibError(source, line, "a META row needs a key and a value")
            meta[row[0].strip()] = row[1].strip()
            meta_lines[row[0].strip()] = line
            continue
        if len(row) != len(header):
            raise PabulibError(source, line, f"expected {len(header)} fields, found {len(row)}")
        if section == "projects":
            values = dict(zip(header, (cell.strip() for cell in row)))
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
            project_lines[pid] = line
        else:
            vote_rows.append((line, row))
    for needed in ("budget", "vote_type"):
        if needed not in meta:
            raise PabulibError(source, None, f"META lacks {needed!r}")
    if "votes" not in seen_sections:
        raise PabulibError(source, None, "no VOTES section")
    vote_type = meta["vote_type"]
    if vote_type not in VOTE_TYPES:
        raise PabulibError(source, meta_lines["vote_type"], f"unsupported vote_type {vote_type!r}")
    try:
        budget = exact_number(meta["budget"], what="budget")
        instance = Instance(tuple(projects), budget)
    except ValueError as error:
        raise PabulibError(source, meta_lines["budget"], str(error)) from None
    _meta_count(meta, meta_lines, "num_projects", len(projects), "projects", source)
    _meta_count(meta, meta_lines, "num_votes", len(vote_rows), "votes", source)
    exclusive = _exclusive_groups(project_rows, project_lines, source)
    ballots = _Ballots(vote_rows, vote_columns, vote_type, instance, source)
    return PabulibElection(meta, instance, project_columns, project_rows, vote_columns, ballots,
                           exclusive)


def _exclusive_groups(rows, lines, source) -> list:
    """The groups of the EXCLUSIVE_COLUMN, in rule-spec form, checked line by line."""
    members: dict[str, list[tuple[int | None, str]]] = {}
    for pid, row in rows.items():
        value = row.get(EXCLUSIVE_COLUMN, "")
        if not value or _missing(value):
            continue
        label, hashed, rank = value.partition("#")
        if hashed and not (rank.isdigit() and int(rank) > 0):
            raise PabulibError(source, lines[pid], f"{EXCLUSIVE_COLUMN} {value!r}: the rank "
                               f"after '#' must be a positive whole number")
        group = members.setdefault(label.strip(), [])
        if group and (group[0][0] is None) != (not hashed):
            raise PabulibError(source, lines[pid], f"exclusive group {label!r}: give a rank to "
                               f"every project of the group, or to none")
        if hashed and any(r == int(rank) for r, _ in group):
            raise PabulibError(source, lines[pid], f"exclusive group {label!r}: rank {rank} "
                               f"is given twice")
        group.append((int(rank) if hashed else None, pid))
    groups = []
    for label, group in members.items():
        if len(group) < 2:
            raise PabulibError(source, lines[group[0][1]], f"exclusive group {label!r} has only "
                               f"one project")
        if group[0][0] is None:
            groups.append([pid for _, pid in group])
        else:
            groups.append({"precedence": [pid for _, pid in sorted(group)]})
    return groups


class _Ballots:
    """The VOTES rows, checked, and each distinct (choice, points) with its number of voters.

    Checks run on whole columns and on each distinct vote text once (most files repeat
    ballots); an error names the first row that shows it."""

    def __init__(self, rows, columns, vote_type, instance, source):
        self.rows = rows
        vote_at = columns.index("vote")
        points_at = columns.index("points") if "points" in columns else None
        id_at = columns.index("voter_id") if "voter_id" in columns else None
        scored = vote_type in ("cumulative", "scoring")
        if scored and points_at is None and rows:
            raise PabulibError(source, rows[0][0], f"{vote_type} votes need a 'points' column")
        self.id_at, self.vote_at, self.points_at = id_at, vote_at, points_at
        errors = []  # (line, message) of the first row failing each check
        if id_at is not None:
            ids = [row[id_at].strip() for _, row in rows]
            if len(set(ids)) < len(ids):
                seen = set()
                for (line, _), voter_id in zip(rows, ids):
                    if voter_id in seen:
                        errors.append((line, f"duplicate voter_id {voter_id!r}"))
                        break
                    seen.add(voter_id)
        if scored:
            keys = list(zip([row[vote_at] for _, row in rows], [row[points_at] for _, row in rows]))
        else:
            keys = [(row[vote_at], None) for _, row in rows]
        texts = Counter(keys)  # in the order of first appearance
        self.choices: dict[str, tuple[str, ...]] = {}
        self.points: dict[str, tuple[Number, ...]] = {}
        known = frozenset(instance.ids)
        self.counts: Counter[tuple[tuple[str, ...], tuple[Number, ...] | None]] = Counter()
        for key, count in texts.items():
            text, points_text = key
            try:
                choice = self.choices.get(text)
                if choice is None:
                    choice = self.choices[text] = _choice(text, vote_type, known)
                points = None
                if scored:
                    points = self.points.get(points_text)
                    if points is None:
                        points = self.points[points_text] = _points(points_text)
                    if len(points) != len(choice):
                        raise ValueError(f"{len(choice)} projects but {len(points)} points")
            except ValueError as error:
                errors.append((rows[keys.index(key)][0], str(error)))
                break
            self.counts[choice, points] += count
        if errors:
            raise PabulibError(source, *min(errors))

    def votes(self, columns) -> list[Vote]:
        extra_columns = [(i, c) for i, c in enumerate(columns)
                         if c not in ("vote", "points", "voter_id")]
        votes = []
        for index, (_, row) in enumerate(self.rows):
            voter_id = row[self.id_at].strip() if self.id_at is not None else str(index)
            points = self.points[row[self.points_at]] if self.points else None
            extra = {c: row[i].strip() for i, c in extra_columns}
            votes.append(Vote(voter_id, self.choices[row[self.vote_at]], points, extra))
        return votes


def _choice(text: str, vote_type: str, known: frozenset) -> tuple[str, ...]:
    text = text.strip()
    if not text or _missing(text):
        return ()
    choice = tuple(text.split(","))
    if " " in text or "" in choice:
        choice = tuple(p.strip() for p in choice if p.strip())
    if not known.issuperset(choice):
        unknown = next(pid for pid in choice if pid not in known)
        raise ValueError(f"vote names unknown project {unknown!r}")
    if len(set(choice)) != len(choice):
        raise ValueError("vote lists a project twice")
    if vote_type == "choose-1" and len(choice) > 1:
        raise ValueError("a choose-1 vote names several projects")
    return choice


def _points(text: str) -> tuple[Number, ...]:
    text = text.strip()
    points = () if _missing(text) or not text else tuple(
        exact_number(p, what="points") for p in text.split(","))
    if any(p < 0 for p in points):
        raise ValueError("negative points")
    return points


def read_pabulib(path) -> PabulibElection:
    """Parse the pabulib file at ``path``; bytes that are not UTF-8 are refused by line."""
    with open(path, "rb") as stream:
        return loads_pabulib_bytes(stream.read(), str(path))


def loads_pabulib_bytes(data: bytes, source: str = "<bytes>") -> PabulibElection:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise PabulibError(source, line, f"not UTF-8 text (byte {data[error.start]:#04x} "
                           f"at column {column})") from None
    return _parse_text(text, source)


def loads_pabulib(text: str, source: str = "<string>") -> PabulibElection:
    return _parse_text(text, source)


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
