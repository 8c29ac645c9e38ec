"""`python -m tests.fuzz.run NAME [libFuzzer flags and corpus folders]`: one harness of
tests/fuzz/harnesses.py under atheris (libFuzzer)."""

import sys

import atheris

from tests.fuzz.harnesses import HARNESSES


def main() -> None:
    name = sys.argv.pop(1)
    atheris.Setup(sys.argv, HARNESSES[name])
    atheris.Fuzz()


if __name__ == "__main__":
    main()
