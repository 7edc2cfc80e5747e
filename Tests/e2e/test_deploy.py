"""Deploying gatewayd as a daemon (issue 24): the systemd unit passes `systemd-analyze verify` and carries the
hardening it promises, `deploy/gatewayd.env` lists every setting docs/configuration.md documents (and nothing else), the
Dockerfile runs as a non-root user with a health check on `/healthz`, and `--version` answers."""
import re
import shutil
import subprocess

from conftest import BIN_DIR, ROOT

UNIT = ROOT / "deploy" / "gatewayd.service"
ENV_FILE = ROOT / "deploy" / "gatewayd.env"


def documented_variables():
    """The environment variables of the settings table in docs/configuration.md."""
    return set(re.findall(r"^\| `--[^|]*\| `(GATEWAYD_[A-Z_]+)`", (ROOT / "docs" / "configuration.md").read_text(), re.MULTILINE))


def test_the_unit_verifies_with_its_hardening(tmp_path):
    assert shutil.which("systemd-analyze"), "scripts/setup.sh --test-clients installs systemd"
    unit = tmp_path / "gatewayd.service"
    # The unit as installed, with the binary of this build where it says /usr/local/bin.
    unit.write_text(UNIT.read_text().replace("/usr/local/bin/gatewayd", str(BIN_DIR / "gatewayd")))
    done = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    directives = dict(line.split("=", 1) for line in UNIT.read_text().splitlines() if "=" in line and not line.startswith("#"))
    assert directives["ExecStart"] == "/usr/local/bin/gatewayd serve"
    for name, value in {"DynamicUser": "yes", "StateDirectory": "gatewayd", "ProtectSystem": "strict",
                        "NoNewPrivileges": "yes", "Restart": "on-failure", "KillSignal": "SIGTERM"}.items():
        assert directives[name] == value, name
    assert int(directives["LimitNOFILE"]) >= 65536
    # Stopping waits longer than the default shutdown grace (10 s), so queued handlers can finish.
    assert int(directives["TimeoutStopSec"]) > 10


def test_the_environment_file_lists_every_documented_setting():
    listed = set(re.findall(r"^#?(GATEWAYD_[A-Z_]+)=", ENV_FILE.read_text(), re.MULTILINE))
    assert listed == documented_variables()


def test_the_dockerfile_runs_unprivileged_with_a_health_check():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^USER gatewayd$", dockerfile, re.MULTILINE)
    assert re.search(r"^HEALTHCHECK .*http://127\.0\.0\.1:3000/healthz", dockerfile, re.MULTILINE)
    assert "--static-swift-stdlib" in dockerfile
    assert dockerfile.count("\nFROM ") + dockerfile.startswith("FROM ") >= 2  # multi-stage


def test_version():
    done = subprocess.run([BIN_DIR / "gatewayd", "--version"], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0 and re.fullmatch(r"\d+\.\d+\.\d+\n", done.stdout), done.stdout
