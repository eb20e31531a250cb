"""Installs from a clean copy of the source: the wheel puts the man pages and completion
scripts where man and the shells look, and pip (a fresh venv), pipx and ``uv tool`` give a
working ``wscli``.

pipx and uv fetch wscli's dependencies from the package index. Without pipx or uv these
tests are skipped locally and fail when the ``CI`` environment variable is set.
"""

import importlib.util
import os
import shutil
import site
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import click
import pytest

from tests.conftest import TIMEOUT
from wscli.cli import wscli

ROOT = Path(__file__).resolve().parent.parent

#: Each install takes seconds; none may hang the suite.
pytestmark = pytest.mark.timeout(TIMEOUT * 6)

#: The generated files (python -m wscli._docgen) and where the wheel installs them, under
#: the environment's prefix.
MAN_PAGES = ["wscli.1", *(f"wscli-{name}.1" for name in wscli.commands)]
COMPLETIONS = {
    "completions/wscli.bash": "share/bash-completion/completions/wscli.bash",
    "completions/_wscli": "share/zsh/site-functions/_wscli",
    "completions/wscli.fish": "share/fish/vendor_completions.d/wscli.fish",
}
INSTALLED = {f"man/{page}": f"share/man/man1/{page}" for page in MAN_PAGES} | COMPLETIONS

#: What ``wscli --version`` starts with.
VERSION = "wscli {} (websockets ".format(
    tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
)


def run(
    args: list[str | Path], *, cwd: Path = ROOT, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``args``; fail with its output when it exits non-zero."""
    result = subprocess.run(
        [str(arg) for arg in args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT * 3,
        cwd=cwd,
        env=env,
    )
    assert result.returncode == 0, f"{args}: exit {result.returncode}\n{result.stderr}"
    return result


def clean_copy(dest: Path) -> Path:
    """The tracked files, plus modules and generated files not committed yet, in ``dest``."""
    names = run(["git", "ls-files"], cwd=ROOT).stdout.splitlines()
    names += [str(p.relative_to(ROOT)) for p in (ROOT / "wscli").rglob("*.py")]
    names += list(INSTALLED)
    for name in names:
        source = ROOT / name
        assert source.is_file() or name not in INSTALLED, (
            f"{name} is missing: run python -m wscli._docgen"
        )
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    return dest


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return clean_copy(tmp_path_factory.mktemp("source"))


@pytest.fixture(scope="module")
def wheel(source: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    wheels = tmp_path_factory.mktemp("wheels")
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", wheels, source])
    (built,) = wheels.glob("wscli_tool-*.whl")
    return built


def tool(name: str) -> list[str]:
    """How to run pipx or uv: ``python -m NAME`` or NAME on PATH; skip (fail under CI)
    without it."""
    if importlib.util.find_spec(name) is not None:
        return [sys.executable, "-m", name]
    found = shutil.which(name)
    if found is not None:
        return [found]
    message = f"{name} is not installed (python -m pip install {name})"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def test_wheel_holds_the_man_pages_and_completion_scripts(wheel: Path) -> None:
    """Each generated file is a data file of the wheel, at its share/ path."""
    version = wheel.name.split("-")[1]
    data = f"wscli_tool-{version}.data/data/"
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        for name, installed in INSTALLED.items():
            assert data + installed in names, sorted(n for n in names if ".data/" in n)
            assert archive.read(data + installed) == (ROOT / name).read_bytes(), name


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel installed; its dependencies are this environment's.

    Not ``--system-site-packages``: made from inside a venv, that sees the base
    interpreter's packages, not this venv's. A .pth file lists this environment's
    site-packages instead (its own .pth files, such as wscli's editable install, are not
    run from there, so the venv's wscli is the wheel's)."""
    prefix = tmp_path_factory.mktemp("venv") / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", prefix])
    python = prefix / "bin" / "python"
    purelib = run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    ours.update(site.getsitepackages())
    Path(purelib.stdout.strip(), "outer-environment.pth").write_text("\n".join(sorted(ours)))
    pip = [sys.executable, "-m", "pip", "--python", python]
    run([*pip, "install", "-q", "--no-deps", "--no-index", "--ignore-installed", wheel])
    return prefix


def test_pip_install_gives_a_working_wscli(venv: Path) -> None:
    """The venv's wscli runs its own copy of the package."""
    out = run([venv / "bin" / "wscli", "--version"], cwd=venv).stdout
    assert out.startswith(VERSION), out
    assert "websockets 17." in out
    where = run([venv / "bin" / "python", "-c", "import wscli; print(wscli.__file__)"], cwd=venv)
    assert Path(where.stdout.strip()).is_relative_to(venv), where.stdout


def test_version_without_websockets_metadata_is_one_line(tmp_path: Path) -> None:
    """``wscli --version`` where websockets' metadata cannot be found: one line, exit 0."""
    prefix = tmp_path / "bare"
    run([sys.executable, "-m", "venv", "--without-pip", prefix])
    packages = tmp_path / "packages"  # click, and nothing else installed
    packages.mkdir()
    (packages / "click").symlink_to(Path(click.__file__).parent)
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{packages}"}
    result = subprocess.run(
        [prefix / "bin" / "python", "-m", "wscli", "--version"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n") == 1 and "websockets not found" in result.stdout
    assert "Traceback" not in result.stderr


def test_pip_install_puts_data_files_under_share(venv: Path) -> None:
    """wscli.1, one page per command and the three completion scripts, as generated."""
    for name, installed in INSTALLED.items():
        assert (venv / installed).read_bytes() == (ROOT / name).read_bytes(), installed
    assert (venv / "share/zsh/site-functions/_wscli").read_text().startswith("#compdef wscli\n")
    fish = (venv / "share/fish/vendor_completions.d/wscli.fish").read_text()
    assert "--command wscli" in fish and "_WSCLI_COMPLETE=fish_complete" in fish


def test_man_finds_the_installed_pages(venv: Path) -> None:
    """``man -M PREFIX/share/man -w wscli`` finds the installed page (and each command's)."""
    if shutil.which("man") is None:
        if os.environ.get("CI"):
            pytest.fail("man is not installed")
        pytest.skip("man is not installed")
    manpath = venv / "share" / "man"
    for page in MAN_PAGES:
        found = run(["man", "-M", manpath, "-w", page.removesuffix(".1")]).stdout.strip()
        assert Path(found) == manpath / "man1" / page, found


def test_installed_bash_script_completes_with_the_installed_wscli(venv: Path) -> None:
    """bash sources the installed script; its function asks the venv's wscli (on PATH)."""
    if shutil.which("bash") is None:
        pytest.skip("bash is not installed")
    script = venv / "share/bash-completion/completions/wscli.bash"
    session = f"""
        source {script}
        spec=$(complete -p wscli)
        function=${{spec#*-F }}; function=${{function%% *}}
        COMP_WORDS=(wscli send --ma); COMP_CWORD=2
        "$function" wscli
        printf '%s\\n' "${{COMPREPLY[@]}}"
    """
    env = {**os.environ, "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    result = run(["bash", "--norc", "--noprofile", "-c", session], env=env, cwd=venv)
    assert result.stdout.splitlines() == ["--max-size"], result.stdout + result.stderr


def test_pipx_install(tmp_path: Path) -> None:
    """``pipx install .`` (own home and bin folder) gives a working wscli, and exposes the
    man pages when pipx manages man pages."""
    pipx = tool("pipx")
    home = tmp_path / "pipx"
    env = {
        **os.environ,
        "PIPX_HOME": str(home / "home"),
        "PIPX_BIN_DIR": str(home / "bin"),
        "PIPX_MAN_DIR": str(home / "man"),
    }
    copy = clean_copy(tmp_path / "source")
    run([*pipx, "install", "--python", sys.executable, copy], env=env, cwd=tmp_path)
    out = run([home / "bin" / "wscli", "--version"], cwd=tmp_path).stdout
    assert out.startswith(VERSION), out
    if "PIPX_MAN_DIR" in run([*pipx, "--help"], env=env).stdout:
        for page in MAN_PAGES:
            assert (home / "man" / "man1" / page).is_file(), page


def test_uv_tool_install(tmp_path: Path) -> None:
    """``uv tool install .`` (own tool and bin folders) gives a working wscli; the tool's
    environment holds the data files."""
    uv = tool("uv")
    tools = tmp_path / "uv"
    env = {
        **os.environ,
        "UV_TOOL_DIR": str(tools / "tools"),
        "UV_TOOL_BIN_DIR": str(tools / "bin"),
        "UV_PYTHON_DOWNLOADS": "never",
    }
    copy = clean_copy(tmp_path / "source")
    run([*uv, "tool", "install", "--python", sys.executable, copy], env=env, cwd=tmp_path)
    out = run([tools / "bin" / "wscli", "--version"], cwd=tmp_path).stdout
    assert out.startswith(VERSION), out
    environment = tools / "tools" / "wscli-tool"
    for installed in INSTALLED.values():
        assert (environment / installed).is_file(), installed
