"""The built wheel, as the Dockerfile installs it, works away from the source tree.

The image holds only the installed wheel: the locales, intent and knowledge data and the migrations
must be inside it. This builds the wheel the way the Dockerfile does, installs it into a bare folder
and runs the commands the image runs (its health check among them) from an unrelated directory.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wheels = tmp_path_factory.mktemp("wheels")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                    "--wheel-dir", str(wheels), str(ROOT)], check=True, capture_output=True, timeout=300)
    (wheel,) = wheels.glob("rosee_support-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for needed in ("bot/locales/vi/core.toml", "bot/locales/en/core.toml", "intents/data/greeting.toml",
                   "knowledge/data/chinh-sach-bao-mat.vi.txt", "bot/storage/migrations/env.py",
                   "bot/storage/migrations/script.py.mako"):
        assert needed in names, f"{needed} missing from the wheel"
    assert any(name.startswith("bot/storage/migrations/versions/0001") for name in names)
    assert not any(name.startswith("tests/") for name in names)
    target = tmp_path_factory.mktemp("site")
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target),
                    str(wheel)], check=True, capture_output=True, timeout=300)
    return target


def run_installed(site: Path, workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("TELEGRAM_", "WEBHOOK_"))}
    env.update(PYTHONPATH=str(site), DATABASE_URL=f"sqlite+aiosqlite:///{workdir / 'data' / 'rosee.db'}")
    return subprocess.run([sys.executable, "-m", "bot", "--env-file", str(workdir / "none.env"), *args],
                          cwd=workdir, env=env, capture_output=True, text=True, timeout=180, check=False)


def test_the_installed_package_runs_from_anywhere(installed: Path, tmp_path: Path) -> None:
    where = run_installed(installed, tmp_path, "--version")
    assert where.returncode == 0 and "rosee-support" in where.stdout
    upgraded = run_installed(installed, tmp_path, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert run_installed(installed, tmp_path, "kb", "check").returncode == 0
    assert run_installed(installed, tmp_path, "healthcheck").returncode == 0
    asked = run_installed(installed, tmp_path, "ask", "shop có bán thông tin của tôi không")
    assert '"section": 3' in asked.stdout
    probe = subprocess.run([sys.executable, "-c", "import bot; print(bot.__file__)"], cwd=tmp_path,
                           env={**os.environ, "PYTHONPATH": str(installed)}, capture_output=True, text=True,
                           check=True)
    assert probe.stdout.startswith(str(installed)), "the test ran the source tree, not the wheel"
