"""`voting-service bench …`: benchmarks, reported as multiples of a floor measured in the
same run (see docs/performance.md)."""

from __future__ import annotations

import json

import click

from voting_service.crypto import bench as crypto_bench


@click.group(name="bench")
def bench() -> None:
    """Measure the service's costly operations on this machine."""


@bench.command(name="crypto")
@click.option("--json", "as_json", is_flag=True, help="Print the full report as JSON.")
@click.option("--shuffle-size", default=10_000, show_default=True, type=click.IntRange(1))
@click.option("--decryption-size", default=10_000, show_default=True, type=click.IntRange(1))
@click.option("--ballots", default=200, show_default=True, type=click.IntRange(1))
@click.option("--workers", default=None, type=click.IntRange(1),
              help="Processes for bulk work (default: every core).")
def crypto(as_json: bool, shuffle_size: int, decryption_size: int, ballots: int,
           workers: int | None) -> None:
    """Cryptographic core: floor, ballots, shuffle, threshold decryption."""
    report = crypto_bench.run(shuffle_size=shuffle_size, decryption_size=decryption_size,
                              ballots=ballots, workers=workers)
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    machine = report["machine"]
    click.echo(f"machine: {machine['cores']} cores, Python {machine['python']}, "
               f"load {machine['load_average']}")
    click.echo(f"floor (one variable-base scalar multiplication): "
               f"{report['floor_seconds'] * 1e6:.1f} µs")
    for name, entry in report["primitives"].items():
        click.echo(f"  {name:<24} {entry['seconds'] * 1e6:9.1f} µs  {entry['floors']:6.2f} floors")
    for entry in report["results"]:
        verdict = ""
        if "target" in entry:
            verdict = f"  [{entry['target']}: {'met' if entry['met'] else 'NOT MET'}]"
        click.echo(f"{entry['name']:<26} n={entry['items']:<6} {entry['seconds']:8.3f} s  "
                   f"{entry['seconds_each'] * 1e6:9.1f} µs each  "
                   f"{entry['floors_each']:7.2f} floors each{verdict}")


if __name__ == "__main__":  # pragma: no cover
    bench()
