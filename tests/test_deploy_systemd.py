"""deploy/equity-kb-search.service: checked by ``systemd-analyze verify`` (its syntax,
every directive and value, the ExecStart binary), rated by ``systemd-analyze security``,
and held to the rest of the recipe: its command line is one ``equity-kb serve`` accepts,
it may write only where that site's index lives, and nginx's upstream is its address.

The unit names /srv/equity-kb/.venv/bin/equity-kb, which does not exist here: the check
runs on a copy naming this venv's ``equity-kb`` instead, and the file as shipped is
checked to have that one complaint and no other.
"""

from __future__ import annotations

import configparser
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from equity_kb.cli.main import build_parser
from equity_kb.search.layout import index_dir

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
UNIT = DEPLOY / "equity-kb-search.service"
SYSTEMD_ANALYZE = shutil.which("systemd-analyze")
SHIPPED_BINARY = "/srv/equity-kb/.venv/bin/equity-kb"
MAX_EXPOSURE = 2.0  # systemd-analyze security: 0 is fully sandboxed, 10 not at all

needs_systemd_analyze = pytest.mark.skipif(
    SYSTEMD_ANALYZE is None, reason="systemd-analyze is missing (Debian: apt-get install systemd)"
)


def service_section() -> dict[str, list[str]]:
    """[Service] of the unit, each key with all of its values (keys may repeat)."""
    values: dict[str, list[str]] = {}
    section = None
    for line in UNIT.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line
        elif section == "[Service]":
            key, _, value = line.partition("=")
            values.setdefault(key, []).append(value)
    return values


def analyze(*args: str) -> subprocess.CompletedProcess[str]:
    assert SYSTEMD_ANALYZE
    done = subprocess.run(
        [SYSTEMD_ANALYZE, *args], capture_output=True, text=True, timeout=60, check=False
    )
    out = done.stdout + done.stderr
    if done.returncode != 0 and UNIT.name not in out:
        # Not about the unit: systemd-analyze cannot run here (no manager, no /run/systemd).
        pytest.skip(f"systemd-analyze cannot run here: {out.strip()[:300]}")
    return done


@pytest.fixture
def unit_here(tmp_path: Path) -> Path:
    """The unit with ExecStart naming this venv's equity-kb, which exists."""
    binary = Path(sys.executable).with_name("equity-kb")
    if not binary.exists():
        pytest.skip(f"{binary} is missing: the check needs an installed equity-kb")
    text = UNIT.read_text(encoding="utf-8")
    assert text.count(SHIPPED_BINARY) == 1
    path = tmp_path / UNIT.name
    path.write_text(text.replace(SHIPPED_BINARY, str(binary)), encoding="utf-8")
    return path


@needs_systemd_analyze
def test_systemd_analyze_verify_passes(unit_here: Path) -> None:
    done = analyze("verify", str(unit_here))
    # verify exits 0 even for an unknown key or a bad value: it only warns. So: no output.
    assert done.returncode == 0 and (done.stdout + done.stderr).strip() == "", (
        done.stdout + done.stderr
    )


@needs_systemd_analyze
def test_the_shipped_unit_differs_only_by_its_binary_path() -> None:
    done = analyze("verify", str(UNIT))
    lines = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    assert lines, "expected systemd-analyze to miss /srv/equity-kb/.venv/bin/equity-kb"
    assert all(f"Command {SHIPPED_BINARY} is not executable" in line for line in lines), lines


@needs_systemd_analyze
def test_the_unit_is_sandboxed(unit_here: Path) -> None:
    done = analyze("security", "--offline=yes", "--no-pager", str(unit_here))
    out = done.stdout + done.stderr
    if "--offline" in out and "unrecognized" in out:
        pytest.skip("systemd-analyze security has no --offline here (systemd < 250)")
    found = re.search(r"Overall exposure level for \S+: ([0-9.]+)", out)
    assert found, out
    assert float(found.group(1)) <= MAX_EXPOSURE, out


def test_the_unit_runs_what_equity_kb_serve_accepts_where_nginx_looks() -> None:
    service = service_section()
    assert service["User"] == ["equity-kb"] and service["Restart"] == ["on-failure"]
    for key in ("NoNewPrivileges", "ProtectHome", "PrivateTmp"):
        assert service[key] == ["yes"], key
    assert service["ProtectSystem"] == ["strict"]

    argv = shlex.split(service["ExecStart"][0])
    assert argv[0] == SHIPPED_BINARY and argv[1] == "serve"
    args = build_parser().parse_args(argv[1:])  # the installed CLI takes these flags
    assert Path(service["WorkingDirectory"][0]) in Path(args.site).parents
    # It may write only where this site's index lives (reader leases), nowhere else.
    assert service["ReadWritePaths"] == [str(index_dir(args.site))]

    # nginx proxies /api/ to this address and serves the same site folder.
    nginx = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    upstream = re.search(r"^\s*server (\S+);\s*# @SERVICE@$", nginx, re.M)
    root = re.search(r"^\s*root (\S+);\s*# @SITE_ROOT@$", nginx, re.M)
    assert upstream and upstream.group(1) == f"{args.host}:{args.port}"
    assert root and root.group(1) == args.site


def test_the_unit_parses_as_ini() -> None:
    """A plain INI reader sees the three sections (a stray line would break it)."""
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(UNIT.read_text(encoding="utf-8"))
    assert parser.sections() == ["Unit", "Service", "Install"]
    assert parser["Install"]["WantedBy"] == "multi-user.target"
