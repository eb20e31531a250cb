"""``wscli listen --unix-socket PATH``: serving on a Unix-domain socket (mode 0600 unless
--socket-mode), removed on exit; a stale socket file is replaced, a live one or a file
that is not a socket is a one-line error (exit 3)."""

import signal
import socket
import stat
from pathlib import Path

from tests.conftest import run_wscli
from tests.processes import running_wscli
from tests.timing import TIMEOUT


def test_serves_on_a_unix_socket_with_mode_0600_and_removes_it(tmp_path: Path) -> None:
    path = tmp_path / "ws.sock"
    with running_wscli("listen", "--unix-socket", str(path), "--echo") as (server, stderr):
        assert f"listening on ws+unix://{path}" in stderr.wait_for("listening on")
        mode = path.stat().st_mode
        assert stat.S_ISSOCK(mode) and stat.S_IMODE(mode) == 0o600
        result = run_wscli("send", "ws://localhost/", "hi", "--unix-socket", str(path))
        assert result.lines == ["hi"]
        assert "client 1 connected from unix" in stderr.wait_for("connected from")
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=TIMEOUT) == 0
    assert not path.exists()


def test_socket_mode_and_a_stale_socket_file(tmp_path: Path) -> None:
    path = tmp_path / "ws.sock"
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(path))  # a server that is gone left its file
    stale.close()
    args = ("listen", "--unix-socket", str(path), "--socket-mode", "660", "--echo")
    with running_wscli(*args) as (server, stderr):
        stderr.wait_for("listening on")
        assert stat.S_IMODE(path.stat().st_mode) == 0o660
        result = run_wscli("listen", "--unix-socket", str(path), expect=3)  # a live one
        assert "a server is listening there" in result.stderr
        assert len(result.stderr.splitlines()) == 1
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=TIMEOUT) == 0


def test_a_path_that_is_not_a_socket_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("keep me", encoding="utf-8")
    result = run_wscli("listen", "--unix-socket", str(path), expect=3)
    assert result.stderr.startswith(f"wscli: error: cannot listen on {path}")
    assert path.read_text(encoding="utf-8") == "keep me"
    bad = run_wscli("listen", "--unix-socket", str(path), "--socket-mode", "9x", expect=2)
    assert "--socket-mode '9x' is not an octal mode" in bad.stderr
