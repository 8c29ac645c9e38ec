"""``voting-service pb tally`` as a real process: what it loads at start-up, and that it leaves
nothing running once stopped."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from .conftest import pabulib_params
from .oracle import PABULIB

HEAVY = ("sqlalchemy", "alembic", "numpy", "flask")


def _loaded_modules(*cli_args) -> set[str]:
    code = ("import sys\nfrom voting_service.cli import main\n"
            "try:\n    main(args=sys.argv[1:])\nexcept SystemExit:\n    pass\n"
            "print(' '.join(sorted(m.split('.')[0] for m in sys.modules)), file=sys.stderr)")
    result = subprocess.run([sys.executable, "-c", code, *cli_args], capture_output=True,
                            text=True, timeout=120)
    return set(result.stderr.split())


@pytest.mark.parametrize("name", pabulib_params({"Netherlands_Assen_2024.pb"}))
def test_a_greedy_tally_loads_neither_the_database_nor_numpy(name):
    loaded = _loaded_modules("pb", "tally", str(PABULIB / name), "--rule", "greedy")
    assert "voting_service" in loaded and "click" in loaded
    assert not loaded & set(HEAVY), loaded & set(HEAVY)
    assert "numpy" in _loaded_modules("pb", "tally", str(PABULIB / name), "--rule", "mes")


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            children.setdefault(parent, []).append(int(entry))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc to list processes")
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT, "timeout"])
@pytest.mark.parametrize("name", pabulib_params({"France_Toulouse_2022.pb"}))
def test_a_stopped_tally_leaves_no_process_behind(name, stop):
    # add1 on Toulouse 2022 runs for many seconds: long enough to be stopped mid-way
    args = [sys.executable, "-m", "voting_service.cli", "pb", "tally", str(PABULIB / name),
            "--rule", "mes-add1"]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               start_new_session=True)
    time.sleep(3)
    assert process.poll() is None, "the tally ended before it could be stopped"
    seen = _descendants(process.pid)
    if stop == "timeout":  # what subprocess.run(..., timeout=) does to a child
        with pytest.raises(subprocess.TimeoutExpired):
            process.communicate(timeout=0.5)
        process.kill()
    else:
        process.send_signal(stop)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode != 0
    assert b"Traceback" not in stderr
    time.sleep(0.5)
    survivors = [pid for pid in seen | _descendants(process.pid) if os.path.exists(f"/proc/{pid}")]
    assert survivors == []
    with pytest.raises(ProcessLookupError):  # nothing left in the tally's process group
        os.killpg(process.pid, 0)
