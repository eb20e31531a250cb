"""The built wheel holds every subpackage: a plain `pip install .` gets a working wscli."""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import TIMEOUT

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_contains_every_module(tmp_path: Path) -> None:
    """The wheel, built from a clean copy of the tracked files, has each module of the
    source tree, subpackages included, and the console script."""
    source = tmp_path / "source"
    for name in subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines():
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    for module in (ROOT / "wscli").rglob("*.py"):  # new modules may not be tracked yet
        (source / module.relative_to(ROOT)).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(module, source / module.relative_to(ROOT))
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(source)],
        check=True,
        capture_output=True,
        timeout=TIMEOUT * 6,
    )
    (wheel,) = wheels.glob("wscli_tool-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {str(p.relative_to(ROOT)) for p in (ROOT / "wscli").rglob("*.py")}
    assert expected <= names, sorted(expected - names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "wscli = wscli.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
