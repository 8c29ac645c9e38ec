"""deploy/ as an operator installs it: the Prometheus scrape configuration and alert rules
(promtool, with unit tests of every alert), the Grafana dashboard, the systemd units
(systemd-analyze), the nginx example (nginx -t) and gunicorn started with
deploy/gunicorn.conf.py (its metrics folder and hooks).

promtool and nginx come from Debian's packages (.ci/run extracts the two binaries); without
them these tests skip, unless VOTING_TEST_REQUIRE_TOOLS=1 (CI), where they fail."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from prometheus_client.metrics import MetricWrapperBase
from prometheus_client.parser import text_string_to_metric_families

from voting_service.rehearsal.server import free_port
from voting_service.store.db import make_engine
from voting_service.store.migrate import upgrade
from voting_service.web import metrics

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
RULES = DEPLOY / "prometheus" / "voting-service.rules.yml"
RULE_TESTS = Path(__file__).with_name("voting-service.rules.test.yml")
DASHBOARD = DEPLOY / "grafana" / "voting-service.json"
REQUIRE_TOOLS = os.environ.get("VOTING_TEST_REQUIRE_TOOLS") == "1"


def tool(name: str) -> str:
    found = shutil.which(name, path=os.environ.get("PATH", "") + ":/usr/sbin:/usr/local/sbin")
    if found is None:
        message = f"{name} is not installed (.ci/run extracts it from Debian's package)"
        if REQUIRE_TOOLS:
            pytest.fail(message)
        pytest.skip(message)
    return found


def run(*args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=120, **kwargs)


# --- what the service exposes -------------------------------------------------------------

def exposed_samples() -> set[str]:
    """Every sample name /metrics can show."""
    names = set()
    for value in vars(metrics).values():
        if isinstance(value, MetricWrapperBase):
            base = value._name
            names |= {
                "counter": {f"{base}_total", f"{base}_created"},
                "histogram": {f"{base}_bucket", f"{base}_count", f"{base}_sum",
                              f"{base}_created"},
                "gauge": {base},
            }[value._type]
    return names | set(metrics.DATABASE_GAUGES)


def referenced(expr: str) -> set[str]:
    return set(re.findall(r"\bvoting_[a-z_]+\b", expr))


def rules() -> list[dict]:
    document = yaml.safe_load(RULES.read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def anchors() -> set[str]:
    """GitHub-style anchors of docs/operations.md's headings."""
    headings = re.findall(r"^#+ (.+)$", (ROOT / "docs" / "operations.md").read_text(), re.M)
    return {re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-") for h in headings}


def test_alert_rules_name_real_metrics_a_severity_and_a_runbook_section():
    known, sections = exposed_samples(), anchors()
    tested = set(re.findall(r"alertname: (\w+)", RULE_TESTS.read_text()))
    seen = set()
    for rule in rules():
        name = rule["alert"]
        assert name not in seen, name
        seen.add(name)
        assert referenced(rule["expr"]) <= known, (name, referenced(rule["expr"]) - known)
        assert rule["labels"]["severity"] in ("warning", "critical"), name
        assert rule["annotations"]["summary"], name
        document, _, section = rule["annotations"]["runbook"].partition("#")
        assert document == "docs/operations.md" and section in sections, (name, section)
        assert name in tested, f"{name} has no promtool unit test"
    assert len(seen) >= 10


def test_dashboard_queries_real_metrics():
    dashboard = json.loads(DASHBOARD.read_text())
    known = exposed_samples()
    panels = dashboard["panels"]
    assert len({p["id"] for p in panels}) == len(panels)
    queried = set()
    for panel in panels:
        assert {"x", "y", "w", "h"} <= set(panel["gridPos"]), panel["title"]
        for target in panel.get("targets", []):
            assert referenced(target["expr"]) <= known, (panel["title"], target["expr"])
            queried |= referenced(target["expr"])
    # Every metric of the service is on the dashboard (its _created twins aside).
    shown = {name for name in known if not name.endswith("_created")}
    by_family = {re.sub(r"_(bucket|count|sum)$", "", n) for n in queried}
    missing = {n for n in shown if re.sub(r"_(bucket|count|sum)$", "", n) not in by_family}
    assert not missing, missing


def test_alert_rules_pass_promtool_and_their_unit_tests():
    promtool = tool("promtool")
    checked = run(promtool, "check", "rules", str(RULES))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = run(promtool, "test", "rules", str(RULE_TESTS))
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "SUCCESS" in tested.stdout


def test_a_broken_rule_fails_promtool(tmp_path):
    promtool = tool("promtool")
    broken = tmp_path / "rules.yml"
    broken.write_text(RULES.read_text().replace("> 3600", "> > 3600", 1))
    assert run(promtool, "check", "rules", str(broken)).returncode != 0


def test_scrape_config_passes_promtool(tmp_path):
    promtool = tool("promtool")
    token = tmp_path / "voting-metrics.token"
    token.write_text("x" * 40)
    config = (DEPLOY / "prometheus" / "prometheus.yml").read_text()
    assert "/etc/prometheus/voting-metrics.token" in config
    (tmp_path / "prometheus.yml").write_text(
        config.replace("/etc/prometheus/voting-metrics.token", str(token)))
    shutil.copy(RULES, tmp_path / RULES.name)
    checked = run(promtool, "check", "config", str(tmp_path / "prometheus.yml"))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    found = re.search(r"SUCCESS: (\d+) rules found", checked.stdout + checked.stderr)
    assert found and int(found.group(1)) == len(rules())
    document = yaml.safe_load(config)
    job = next(j for j in document["scrape_configs"] if j["job_name"] == "voting-service")
    assert job["metrics_path"] == "/metrics" and job["authorization"]["type"] == "Bearer"


# --- systemd ------------------------------------------------------------------------------

UNITS = sorted((DEPLOY / "systemd").iterdir())


def _unit_copy(unit: Path, tmp_path: Path) -> Path:
    """The unit with its programs pointed at this checkout's, which systemd checks exist."""
    bin_dir = str(Path(sys.executable).parent)
    copy = tmp_path / unit.name
    copy.write_text(unit.read_text().replace("/opt/voting/.venv/bin", bin_dir))
    return copy


@pytest.mark.parametrize("unit", UNITS, ids=[u.name for u in UNITS])
def test_systemd_units_verify_cleanly(unit, tmp_path):
    analyze = tool("systemd-analyze")
    copy = _unit_copy(unit, tmp_path)
    if unit.suffix == ".timer":   # its service must sit beside it
        _unit_copy(unit.with_suffix(".service"), tmp_path)
    verified = run(analyze, "verify", "--man=no", str(copy))
    assert verified.returncode == 0 and not verified.stdout.strip() and \
        not verified.stderr.strip(), verified.stderr


def test_service_sandbox(tmp_path):
    text = (DEPLOY / "systemd" / "voting-service.service").read_text()
    for line in ("User=voting", "ProtectSystem=strict", "NoNewPrivileges=yes",
                 "PrivateTmp=yes", "ProtectHome=yes", "ReadWritePaths=/var/lib/voting",
                 "CapabilityBoundingSet=", "ExecStart=/opt/voting/.venv/bin/gunicorn -c "
                 "/opt/voting/deploy/gunicorn.conf.py"):
        assert re.search(rf"^{re.escape(line)}", text, re.M), line
    analyze = tool("systemd-analyze")
    security = run(analyze, "security", "--offline=true", "--no-pager",
                   str(_unit_copy(DEPLOY / "systemd" / "voting-service.service", tmp_path)))
    exposure = re.search(r"Overall exposure level for \S+: ([0-9.]+)", security.stdout)
    assert exposure, security.stdout[-500:] + security.stderr[-500:]
    assert float(exposure.group(1)) <= 2.0, security.stdout


def test_a_misspelt_directive_is_reported(tmp_path):
    analyze = tool("systemd-analyze")
    bad = _unit_copy(DEPLOY / "systemd" / "voting-service.service", tmp_path)
    bad.write_text(bad.read_text().replace("NoNewPrivileges=yes", "NoNewPrivilege=yes"))
    assert "Unknown key" in run(analyze, "verify", "--man=no", str(bad)).stderr


# --- nginx --------------------------------------------------------------------------------

def _nginx_config(tmp_path: Path, site_text: str) -> Path:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    from datetime import datetime, timedelta, timezone

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "vote.example-ville.fr")])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1).not_valid_before(now)
            .not_valid_after(now + timedelta(days=1)).sign(key, hashes.SHA256()))
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    shutil.copy(DEPLOY / "nginx-voting_proxy.conf", tmp_path / "voting_proxy.conf")
    site = (site_text.replace("/etc/ssl/vote/fullchain.pem", str(tmp_path / "cert.pem"))
            .replace("/etc/ssl/vote/privkey.pem", str(tmp_path / "key.pem"))
            .replace("/var/log/nginx", str(tmp_path))
            .replace("/etc/nginx/voting_proxy.conf", str(tmp_path / "voting_proxy.conf")))
    (tmp_path / "site.conf").write_text(site)
    temp = " ".join(f"{kind}_temp_path {tmp_path / kind};"
                    for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    main = tmp_path / "nginx.conf"
    main.write_text(f"pid {tmp_path / 'nginx.pid'};\nerror_log {tmp_path / 'error.log'};\n"
                    f"events {{}}\nhttp {{\n  {temp}\n  include {tmp_path / 'site.conf'};\n}}\n")
    return main


def _nginx_test(tmp_path: Path, site_text: str) -> subprocess.CompletedProcess:
    nginx = tool("nginx")
    main = _nginx_config(tmp_path, site_text)
    return run(nginx, "-t", "-p", str(tmp_path), "-c", str(main), "-e",
               str(tmp_path / "error.log"))


def test_nginx_example_passes_nginx_t(tmp_path):
    text = (DEPLOY / "nginx.conf.example").read_text()
    tested = _nginx_test(tmp_path, text)
    assert tested.returncode == 0, tested.stderr
    assert "test is successful" in tested.stderr
    proxy = (DEPLOY / "nginx-voting_proxy.conf").read_text()
    assert "proxy_set_header X-Request-ID $request_id;" in proxy
    assert re.search(r'add_header Strict-Transport-Security "max-age=(\d+)[^"]*" always;', text)
    assert int(re.search(r"max-age=(\d+)", text).group(1)) >= 365 * 86400
    assert "ssl_protocols TLSv1.2 TLSv1.3;" in text
    assert "$request_uri" not in text.split("log_format", 1)[1].split(";", 1)[0]
    assert "location = /metrics" in text


def test_a_broken_nginx_example_fails_nginx_t(tmp_path):
    text = (DEPLOY / "nginx.conf.example").read_text().replace("add_header", "add_headr", 1)
    assert _nginx_test(tmp_path, text).returncode != 0


# --- gunicorn with deploy/gunicorn.conf.py -----------------------------------------------

def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def _workers_gauge(port: int, token: str) -> float | None:
    import http.client

    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", "/metrics", headers={"Authorization": f"Bearer {token}"})
        response = connection.getresponse()
        body = response.read().decode()
        connection.close()
    except OSError:
        return None
    if response.status != 200:
        return None
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            if sample.name == "voting_workers":
                return sample.value
    return None


def test_gunicorn_conf_keeps_worker_metrics_in_a_private_folder(tmp_path):
    """deploy/gunicorn.conf.py as systemd runs it: the metrics folder is made at start,
    a worker killed with -9 is dropped from the live gauges (child_exit), the folder goes
    at stop (on_exit), and gunicorn's lines are JSON like the app's."""
    url = f"sqlite:///{tmp_path / 'v.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    token = "gunicorn-conf-test-token-0123456789abcdef"
    port = free_port()
    env = {**os.environ, "VOTING_MODE": "development", "VOTING_DATABASE_URL": url,
           "VOTING_INSTANCE_DIR": str(tmp_path / "instance"), "VOTING_LOG_FORMAT": "json",
           "VOTING_KEY_DIR": str(tmp_path / "keys"), "VOTING_METRICS_TOKEN": token,
           "TMPDIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    log = open(tmp_path / "gunicorn.log", "wb")
    master = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(DEPLOY / "gunicorn.conf.py"),
         "-b", f"127.0.0.1:{port}", "-w", "2", "voting_service.web:create_app()"],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=tmp_path)
    try:
        deadline = time.monotonic() + 60
        while _workers_gauge(port, token) != 2:
            assert master.poll() is None, (tmp_path / "gunicorn.log").read_text()[-2000:]
            assert time.monotonic() < deadline, "the two workers did not start"
            time.sleep(0.3)
        folders = list(tmp_path.glob("voting-metrics-*"))
        assert len(folders) == 1 and folders[0].stat().st_mode & 0o077 == 0
        before = _children(master.pid)
        assert len(before) == 2
        victim = min(before)
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 60
        while True:
            workers = _children(master.pid)
            gauge = _workers_gauge(port, token)
            assert gauge in (None, 1.0, 2.0), gauge   # 3: the dead worker still counted
            if victim not in workers and len(workers) == 2 and gauge == 2:
                break
            assert time.monotonic() < deadline, (workers, gauge)
            time.sleep(0.3)
        time.sleep(1)
        assert _workers_gauge(port, token) == 2
    finally:
        master.send_signal(signal.SIGTERM)
        try:
            master.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(master.pid, signal.SIGKILL)
            master.wait()
        log.close()
    assert not list(tmp_path.glob("voting-metrics-*"))
    lines = (tmp_path / "gunicorn.log").read_text().splitlines()
    records = [json.loads(line) for line in lines if line.strip()]
    assert any(r["logger"] == "gunicorn.error" and "Booting worker" in r["msg"]
               for r in records)
    assert all("request_id" in r for r in records)
