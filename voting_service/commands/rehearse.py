"""`voting-service rehearse`: a complete synthetic election through a real server.

It starts `voting-service serve` (gunicorn, 2 workers) on a free local port against
VOTING_DATABASE_URL, and plays every role over HTTP: the admin creates the election, imports
a synthetic roll and opens the vote; the credential authority draws the codes (in this
process, through the authority path); the trustees run their key ceremony; voters log in
and cast online (some re-vote, some challenge a ballot first); an officer checks voters in
and a kiosk casts for them. Then it closes, exports the record and verifies it with the
real verifier. The server is stopped at the end, also on error or Ctrl-C.

Exit codes: 0 the rehearsal went through and the record verifies; 1 a step was refused,
a receipt or count did not match, or the record does not verify; 2 bad usage; 5 the
database holds other elections (without --fresh); 130 interrupted (Ctrl-C or SIGTERM), the
server stopped all the same.
"""

from __future__ import annotations

import json
import random
import secrets
import signal
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import click

from ..crypto.group import Point
from ..domain import elections
from ..domain.errors import Conflict
from .common import EXIT_VERIFY, database_url

PHASES = ("server_start", "setup", "import", "credentials", "open", "online_casts",
          "checkins_kiosk", "close", "export", "verify")


class RehearsalFailed(Exception):
    """A step did not do what it should: exit 1 with this message."""


class _Timer:
    def __init__(self):
        self.timings: dict[str, float] = {}

    @contextmanager
    def phase(self, name: str):
        start = time.perf_counter()
        try:
            yield
        except RehearsalFailed:
            raise
        except Exception as error:  # an ApiError, ServerError, DomainError…: name the phase
            raise RehearsalFailed(f"{name}: {error}") from error
        self.timings[name] = round(time.perf_counter() - start, 3)


def _terminate_on_sigterm() -> None:
    """SIGTERM ends a rehearsal like Ctrl-C, so the server it started is stopped too."""
    def handler(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, handler)


def _run_pool(clients: int, func, items) -> list:
    """func over items with `clients` threads; the first failure cancels what is left."""
    pool = ThreadPoolExecutor(max_workers=clients)
    try:
        futures = [pool.submit(func, *item) for item in items]
        return [future.result() for future in futures]
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


@click.command("rehearse")
@click.option("--voters", default=300, show_default=True, type=click.IntRange(2, 1_000_000),
              help="Synthetic voters on the roll.")
@click.option("--in-person", default=30, show_default=True, type=click.IntRange(0),
              help="Voters checked in by an officer who then vote at a kiosk.")
@click.option("--revotes", default=20, show_default=True, type=click.IntRange(0),
              help="Online voters who vote a second time (seq 2 after seq 1).")
@click.option("--challenges", default=5, show_default=True, type=click.IntRange(0),
              help="Online voters who first challenge (spoil) a ballot, then cast afresh.")
@click.option("--record", "record_path", type=click.Path(dir_okay=False), default=None,
              help="Write the record file here (default: a temporary file, deleted).")
@click.option("--json", "as_json", is_flag=True,
              help="Print {election, voters, ballots_cast, ballots_counted, timings, record, "
                   "verify} as JSON.")
@click.option("--fresh", is_flag=True,
              help="Proceed even though the database already holds other elections. They "
                   "are left untouched (nothing is dropped); the rehearsal adds its own "
                   "election, with a new id, beside them.")
@click.option("--clients", default=8, show_default=True, type=click.IntRange(1, 128),
              help="Concurrent HTTP clients while voting.")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64),
              help="gunicorn workers of the server under test.")
@click.option("--seed", type=int, default=None,
              help="Seed of the voters' choices (the cryptography always uses the system RNG).")
@click.option("--server", "server_url", default=None, metavar="http://HOST:PORT",
              help="Rehearse on this running server (on the same VOTING_DATABASE_URL) instead "
                   "of starting one, e.g. to watch its logs and /metrics; it is left running.")
@click.pass_context
def rehearse(ctx, voters, in_person, revotes, challenges, record_path, as_json, fresh, clients,
             workers, seed, server_url):
    """Rehearse a complete election, through the HTTP API of a real server started for it,
    on the database of VOTING_DATABASE_URL; refuses a database holding other elections
    unless --fresh. Exit 1 if any step fails or the record does not verify."""
    online = voters - in_person
    if online < 1:
        raise click.BadParameter("at least one voter must vote online", param_hint="--in-person")
    if revotes > online or challenges > online:
        raise click.UsageError(f"--revotes and --challenges are at most the {online} online "
                               "voters")
    if record_path and Path(record_path).exists():
        raise click.BadParameter(f"{record_path} exists: give a new file name",
                                 param_hint="--record")
    server = None
    if server_url:
        from ..rehearsal.server import RunningServer

        try:
            server = RunningServer(server_url)
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--server")
    # A test may pass a Witness (rehearsal/witness.py) as click's obj: it is told the secrets
    # the rehearsal handles, in memory, to search the server's logs and database for them.
    from ..rehearsal.witness import Witness

    witness = ctx.obj if isinstance(ctx.obj, Witness) else None
    _terminate_on_sigterm()
    try:
        result = _rehearse(voters, in_person, revotes, challenges, record_path, fresh,
                           clients, workers, seed, quiet=as_json, server=server,
                           witness=witness)
    except RehearsalFailed as error:
        click.echo(f"Rehearsal FAILED at {error}", err=True)
        sys.exit(EXIT_VERIFY)
    except KeyboardInterrupt:
        click.echo("Rehearsal interrupted; the server was stopped.", err=True)
        sys.exit(130)
    if as_json:
        click.echo(json.dumps(result, indent=2))
    else:
        verify = result["verify"]
        click.echo(f"Election {result['election']}: {result['voters']} voters, "
                   f"{result['ballots_cast']} ballots cast, {result['ballots_counted']} "
                   f"counted; record {result['record'] or '(temporary)'}: "
                   f"{'OK' if verify['ok'] else 'FAILED'}")
        for name, seconds in result["timings"].items():
            click.echo(f"  {name:<15} {seconds:8.2f} s")
    if not result["verify"]["ok"]:
        failure = result["verify"].get("failure") or {}
        click.echo(f"Record verification FAILED: {failure.get('check')}: "
                   f"{failure.get('message')}", err=True)
        sys.exit(EXIT_VERIFY)


def _say(quiet: bool, text: str) -> None:
    if not quiet:
        click.echo(text, err=True)


def _rehearse(n_voters, in_person, revotes, challenges, record_path, fresh, clients,
              workers, seed, quiet, server=None, witness=None):
    # Imported here: the command line stays fast for every other command.
    from ..config import load_settings
    from ..domain import record as record_domain
    from ..record.archive import read_record
    from ..record.verify import verify_record
    from ..rehearsal.client import Api, ApiError
    from ..rehearsal.election import (Setup, create_tokens, receipt_matches, revoke_tokens,
                                      synthetic_roll)
    from ..rehearsal.server import LocalServer
    from ..store.db import make_engine, make_session_factory, transaction
    from ..store.migrate import upgrade

    # Read the settings once here: in development this creates the instance secret key
    # before the two server workers would race to create it.
    load_settings()
    engine = make_engine(database_url(create=True))
    upgrade(engine)
    factory = make_session_factory(engine)
    with transaction(factory) as db:
        existing = [e.slug for e in elections.list_elections(db)]
    if existing and not fresh:
        raise Conflict(f"the database holds {len(existing)} election(s) ({', '.join(existing[:5])}"
                       f"{', …' if len(existing) > 5 else ''}): rehearse on an empty database, "
                       "or pass --fresh to add the rehearsal beside them", "database_not_empty")

    rng = random.Random(seed)
    slug = f"rehearsal-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}-{secrets.token_hex(2)}"
    timer = _Timer()
    tokens = create_tokens(factory, f"rehearse {slug}")
    if witness is not None:
        for token in (tokens.admin, tokens.officer, tokens.trustee):
            witness.add("staff_token", token)
    temporary = None
    try:
        server = server or LocalServer(workers=workers)
        try:
            with timer.phase("server_start"):
                server.start()
            api = Api(server.host, server.port)
            setup = Setup(api, factory, tokens, slug)
            setup.election.witness = witness
            _say(quiet, f"Server on http://{server.host}:{server.port}/, election {slug}")
            csv_text, roll = synthetic_roll(n_voters, rng)
            with timer.phase("setup"):
                setup.create()
            with timer.phase("import"):
                report = setup.import_roll(csv_text)
                if report["imported"] != n_voters or report["rejected"]:
                    raise RehearsalFailed(f"import: {report['imported']} of {n_voters} "
                                          f"voters imported, rejected: {report['rejected'][:3]}")
            with timer.phase("credentials"):
                setup.freeze_and_key()
                devices = setup.credentials(roll)
                if len(devices) != n_voters:
                    raise RehearsalFailed(f"credentials: {len(devices)} of {n_voters} issued")
            election = setup.election
            with timer.phase("open"):
                setup.transition("open")
                kiosk, kiosk_key = setup.enrol_kiosk()
            if witness is not None:
                witness.letters(devices.values(), election.fingerprint)
                witness.add("kiosk_key", kiosk_key.private_bytes_raw())
                for trustee in election.trustee_keys:
                    witness.add("trustee_share", trustee.share.to_bytes())
            order = sorted(devices)
            rng.shuffle(order)
            kiosk_voters = [devices[n] for n in order[:in_person]]
            online_voters = [devices[n] for n in order[in_person:]]
            revoting = {v.number for v in online_voters[:revotes]}
            challenging = {v.number for v in online_voters[-challenges:]} if challenges else set()
            seeds = {number: rng.getrandbits(64) for number in order}
            expected: dict[str, set[str]] = {q: set() for q in election.specs}
            sent = {"cast": 0, "spoiled": 0}
            lock = threading.Lock()

            def count(what: str, n: int = 1) -> None:
                with lock:
                    sent[what] += n

            def vote_online(voter):
                voter_rng = random.Random(seeds[voter.number])
                credential = voter.derive(election.fingerprint)
                login = api.call("POST", f"/elections/{slug}/voter-sessions", {
                    "voter_number": voter.number, "login_token": credential.login_token.hex(),
                    "birth_date": voter.birth_date.isoformat()}, expect=(201,))
                session = login["session_token"]
                if witness is not None:
                    witness.add("session_token", session)
                if sorted(login["questions"]) != sorted(voter.questions):
                    raise RehearsalFailed(f"{voter.number} may answer {login['questions']}, "
                                          f"the extract said {voter.questions}")
                if voter.number in challenging:
                    question = voter.questions[0]
                    choice = election.random_choice(question, voter_rng)
                    unsigned, opening = election.encrypt(credential.public, question, choice,
                                                         secret=credential.secret)
                    spoiled = api.call("POST", f"/elections/{slug}/spoiled",
                                       {"ballot": unsigned.to_json(),
                                        "opening": opening.to_json()},
                                       voter=session, expect=(201,))
                    plain = election.specs[question].format.encode(choice).hex()
                    if spoiled["plaintext"] != plain or \
                            spoiled["tracker"] != election.tracker(unsigned):
                        raise RehearsalFailed(f"the opening of {voter.number}'s challenged "
                                              "ballot does not show what the device encrypted")
                    if witness is not None:
                        witness.challenged(opening)
                    count("spoiled")
                final = None
                for seq in (1, 2) if voter.number in revoting else (1,):
                    prevs = None if final is None else {
                        b.question: bytes.fromhex(election.tracker(b)) for b in final}
                    final = election.online_ballots(voter, voter_rng, seq=seq, prevs=prevs)
                    receipt = api.call("POST", f"/elections/{slug}/ballots",
                                       {"ballots": [b.to_json() for b in final]},
                                       voter=session, expect=(201,))
                    if not receipt_matches(receipt, election, final):
                        raise RehearsalFailed(f"{voter.number}'s receipt names other trackers")
                    count("cast", len(final))
                return [(b.question, election.tracker(b)) for b in final]

            def vote_at_kiosk(voter):
                voter_rng = random.Random(seeds[voter.number])
                checked = api.call("POST", f"/elections/{slug}/checkins",
                                   {"qr_payload": voter.qr, "polling_point": "mairie"},
                                   token=tokens.officer, expect=(201,))
                final = election.kiosk_ballots(Point.from_hex(checked["credential"]),
                                               checked["questions"],
                                               bytes.fromhex(checked["checkin"]), kiosk_key,
                                               voter_rng)
                receipt = api.call("POST", f"/elections/{slug}/kiosk-ballots",
                                   {"kiosk": kiosk, "ballots": [b.to_json() for b in final]},
                                   expect=(201,))
                if not receipt_matches(receipt, election, final):
                    raise RehearsalFailed(f"{voter.number}'s kiosk receipt names other "
                                          "trackers")
                count("cast", len(final))
                return [(b.question, election.tracker(b)) for b in final]

            _say(quiet, f"Voting: {len(online_voters)} online ({revotes} re-votes, "
                        f"{challenges} challenges), {len(kiosk_voters)} in person")
            with timer.phase("online_casts"):
                finals = _run_pool(clients, vote_online, [(v,) for v in online_voters])
            with timer.phase("checkins_kiosk"):
                finals += _run_pool(clients, vote_at_kiosk, [(v,) for v in kiosk_voters])
            for pairs in finals:
                for question, tracker in pairs:
                    expected[question].add(tracker)
            with timer.phase("close"):
                setup.transition("closed")
        except RehearsalFailed as error:
            if server.process is not None and server.process.poll() is not None:
                # The server died under the rehearsal: its log says why.
                raise RehearsalFailed(f"{error}\nThe server exited with status "
                                      f"{server.process.returncode}; its log ends with:\n"
                                      f"{server.log_tail()}") from error
            raise
        finally:
            server.close()

        if record_path is None:
            temporary = tempfile.TemporaryDirectory(prefix="vs-rehearsal-")
            path = Path(temporary.name) / f"{slug}.zip"
        else:
            path = Path(record_path)
        with timer.phase("export"):
            with transaction(factory) as db:
                record_domain.export(db, elections.get_election(db, slug), path)
        with timer.phase("verify"):
            report = verify_record(read_record(path))
        verdict = report.to_json()
        if report.ok:
            counted = {q: set(t) for q, t in report.counted.items()}
            if counted != expected:
                raise RehearsalFailed("count: the verifier counts other ballots than the last "
                                      "ones the voters cast")
            if report.ballots_cast != sent["cast"] or report.spoiled != sent["spoiled"]:
                raise RehearsalFailed(f"count: {sent['cast']} ballots and {sent['spoiled']} "
                                      f"challenges sent, the record holds "
                                      f"{report.ballots_cast} and {report.spoiled}")
        return {"election": slug, "voters": n_voters, "ballots_cast": report.ballots_cast,
                "ballots_counted": sum(len(t) for t in report.counted.values()),
                "timings": timer.timings,
                "record": None if record_path is None else str(path),
                "verify": verdict}
    except ApiError as error:
        raise RehearsalFailed(str(error)) from error
    finally:
        if temporary is not None:
            temporary.cleanup()
        revoke_tokens(factory, tokens)
        engine.dispose()
