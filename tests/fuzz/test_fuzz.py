"""The parsers of outside input under atheris, each for a bounded time (VOTING_FUZZ_SECONDS,
default 20): no input may raise anything but the parser's documented errors.

Marked `fuzz`: CI runs them with the rest (`make test`); `-m "not fuzz"` skips them."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fuzz.harnesses import HARNESSES, seeds

ROOT = Path(__file__).resolve().parent.parent.parent
SECONDS = int(os.environ.get("VOTING_FUZZ_SECONDS", "20"))


@pytest.mark.fuzz
@pytest.mark.parametrize("name", sorted(HARNESSES))
def test_parser_survives_fuzzing(name, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for number, seed in enumerate(seeds(name)):
        (corpus / f"seed-{number}").write_bytes(seed)
        HARNESSES[name](seed)   # the seeds themselves go through without a crash
    result = subprocess.run(
        [sys.executable, "-m", "tests.fuzz.run", name, f"-max_total_time={SECONDS}",
         "-rss_limit_mb=2048", "-timeout=20", "-max_len=65536",
         f"-artifact_prefix={tmp_path}/", str(corpus)],
        cwd=ROOT, capture_output=True, text=True, timeout=SECONDS + 180)
    output = result.stdout + result.stderr
    crashes = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(("crash-",
                                                                               "timeout-",
                                                                               "oom-")))
    assert result.returncode == 0 and not crashes, f"{crashes}\n{output[-6000:]}"
    # The run did execute inputs (libFuzzer's closing line reports how many).
    runs = [line for line in output.splitlines() if "Done" in line and "runs in" in line]
    assert runs and int(runs[-1].split("Done")[1].split()[0]) > 100, output[-3000:]
