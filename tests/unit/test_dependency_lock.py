"""The dependency locks agree with pyproject.toml, and this environment was installed from them.

requirements.lock (the bot: the Docker image, start.sh) and requirements-dev.lock (the same pins plus
the test tools: test.sh and so CI) are written by scripts/lock.sh. pip installs them with
--require-hashes, so what was tested is what runs; these tests fail when pyproject.toml changed and
the locks were not refreshed, or when a lock was edited by hand.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
RUNTIME_LOCK = ROOT / "requirements.lock"
DEV_LOCK = ROOT / "requirements-dev.lock"
FROM_PYPROJECT = "rosee-support (pyproject.toml)"
_HASH = re.compile(r"--hash=sha256:[0-9a-f]{64}")


@dataclass
class Pin:
    name: str
    version: Version
    marker: Marker | None
    hashes: int = 0
    via: list[str] = field(default_factory=list)

    @property
    def applies_here(self) -> bool:
        return self.marker is None or self.marker.evaluate()


def read_lock(path: Path) -> list[Pin]:
    pins: list[Pin] = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip().rstrip("\\").strip()
        if not line or (line.startswith("#") and not pins):
            continue  # the header
        if line.startswith("--hash="):
            assert _HASH.fullmatch(line), f"{path.name}: not a sha256 hash: {line}"
            pins[-1].hashes += 1
        elif line.startswith("#"):
            via = line.lstrip("#").strip().removeprefix("via").strip()
            if via:
                pins[-1].via.append(via)
        else:
            requirement = Requirement(line)
            (specifier,) = requirement.specifier  # exactly one: name==version
            assert specifier.operator == "==", f"{path.name}: {line} is not pinned"
            pins.append(Pin(canonicalize_name(requirement.name), Version(specifier.version),
                            requirement.marker))
    return pins


def declared(*extras: str) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    found = [Requirement(text) for text in project["dependencies"]]
    for extra in extras:
        found += [Requirement(text) for text in project["optional-dependencies"][extra]]
    return found


LOCKS = [pytest.param(RUNTIME_LOCK, (), id="requirements.lock"),
         pytest.param(DEV_LOCK, ("dev",), id="requirements-dev.lock")]


@pytest.mark.parametrize(("lock", "extras"), LOCKS)
def test_every_declared_dependency_is_pinned_within_its_range(lock: Path, extras: tuple[str, ...]) -> None:
    pins = read_lock(lock)
    for requirement in declared(*extras):
        versions = [pin.version for pin in pins if pin.name == canonicalize_name(requirement.name)]
        assert versions, f"{requirement} is not in {lock.name}: run ./scripts/lock.sh"
        for pinned in versions:
            assert requirement.specifier.contains(pinned, prereleases=True), (
                f"{lock.name} pins {requirement.name}=={pinned}, outside {requirement}: run ./scripts/lock.sh"
            )


@pytest.mark.parametrize(("lock", "extras"), LOCKS)
def test_the_lock_asks_for_nothing_pyproject_no_longer_declares(lock: Path, extras: tuple[str, ...]) -> None:
    direct = {pin.name for pin in read_lock(lock) if FROM_PYPROJECT in pin.via}
    assert direct == {canonicalize_name(r.name) for r in declared(*extras)}


@pytest.mark.parametrize("lock", [RUNTIME_LOCK, DEV_LOCK], ids=lambda p: p.name)
def test_every_pin_carries_hashes(lock: Path) -> None:
    pins = read_lock(lock)
    assert len(pins) > 20
    assert [pin.name for pin in pins if pin.hashes == 0] == []


def test_the_dev_lock_holds_the_runtime_pins_unchanged() -> None:
    """The tests run with the versions the image runs with."""
    runtime = {(pin.name, pin.version, str(pin.marker)) for pin in read_lock(RUNTIME_LOCK)}
    dev = {(pin.name, pin.version, str(pin.marker)) for pin in read_lock(DEV_LOCK)}
    assert runtime - dev == set()


def test_this_environment_was_installed_from_the_dev_lock() -> None:
    """What the tests run on is what the lock says (scripts/test.sh installs it with --require-hashes)."""
    differing = []
    for pin in read_lock(DEV_LOCK):
        if not pin.applies_here:
            continue
        try:
            installed = Version(version(pin.name))
        except PackageNotFoundError:
            installed = None
        if installed != pin.version:
            differing.append(f"{pin.name}: locked {pin.version}, installed {installed}")
    assert differing == [], "reinstall with ./scripts/test.sh"
