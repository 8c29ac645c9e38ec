"""The JavaScript voter client's own tests (`node --test` in voting_service/web/js), so that
`make test` covers them wherever Node.js and the client's npm packages are installed
(.ci/run installs them with `npm ci` and also runs these tests itself)."""

import pathlib
import shutil
import subprocess

import pytest

JS = pathlib.Path(__file__).resolve().parents[2] / "voting_service" / "web" / "js"


def test_node_tests_of_the_voter_client_pass():
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed")
    if not (JS / "node_modules" / "@noble" / "curves").is_dir():
        pytest.skip("run `npm ci` in voting_service/web/js first (.ci/run does)")
    tests = sorted(str(p.relative_to(JS)) for p in (JS / "test").glob("*.test.js"))
    assert len(tests) >= 3
    result = subprocess.run([node, "--test", *tests], cwd=JS, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "# fail 0" in result.stdout
