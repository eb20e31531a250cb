"""Mutual TLS (``listen --client-ca``) and ``SSLKEYLOGFILE`` on both sides.

A client certificate signed by the CA is admitted and its subject is in the open event,
the stderr line, and --exec's environment (SSL_CLIENT_S_DN); a client without one, or
with one another CA signed, is refused at the TLS handshake and the refusal is one line on
listen's stderr; a refused client does not disturb the admitted ones."""

import json
import shlex
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from tests.conftest import run_wscli, run_wscli_process, wscli_env
from tests.listening import Listening, listening
from tests.tls import TlsFiles, make_tls


class Pki:
    """A CA, the server's certificate files, and client certificates for alice (signed by
    the CA) and for mallory (signed by another CA)."""

    def __init__(self, directory: Path) -> None:
        self.tls: TlsFiles = make_tls(directory)
        self.directory = directory
        self.server_cert, self.server_key = directory / "server.pem", directory / "server.key"
        server = self.tls.server_cert
        self.server_cert.write_bytes(b"".join(pem.bytes() for pem in server.cert_chain_pems))
        self.server_key.write_bytes(server.private_key_pem.bytes())
        alice = self.tls.ca.issue_cert(
            "alice@wscli.test",
            common_name="alice",
            organization_name="Example, Inc.",
            organization_unit_name="R+D",
        )
        self.alice = self._write("alice", alice)
        self.mallory = self._write("mallory", trustme.CA().issue_cert("mallory@wscli.test"))

    def _write(self, name: str, leaf: trustme.LeafCert) -> tuple[str, str]:
        cert, key = self.directory / f"{name}.pem", self.directory / f"{name}.key"
        leaf.cert_chain_pems[0].write_to_path(str(cert))
        leaf.private_key_pem.write_to_path(str(key))
        return str(cert), str(key)

    def listen_args(self) -> tuple[str, ...]:
        return ("--cert", str(self.server_cert), "--key", str(self.server_key))

    def client_args(self, who: tuple[str, str] | None) -> tuple[str, ...]:
        args: tuple[str, ...] = ("--ca", self.tls.ca_file)
        return args + (("--cert", who[0], "--key", who[1]) if who else ())


ALICE_DN = "CN=alice,OU=R\\+D,O=Example\\, Inc."


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return Pki(tmp_path_factory.mktemp("mtls"))


@pytest.fixture
def mtls_echo(pki: Pki) -> Iterator[Listening]:
    args = ("--echo", "--jsonl", *pki.listen_args(), "--client-ca", pki.tls.ca_file)
    with listening(*args) as server:
        yield server


def test_a_client_certificate_the_ca_signed_is_admitted_and_named(
    pki: Pki, mtls_echo: Listening
) -> None:
    """alice's certificate gets the echo; listen's open event carries her subject (RFC
    4514, escaped), and so does its stderr line."""
    result = run_wscli("send", mtls_echo.url, "hi", *pki.client_args(pki.alice))
    assert result.lines == ["hi"]
    opened = json.loads(mtls_echo.stdout.wait_for('"event":"open"'))
    assert opened["client_dn"] == ALICE_DN
    assert f"(certificate: {ALICE_DN};" in mtls_echo.stderr.wait_for("connected from")


@pytest.mark.parametrize("who", ["nobody", "mallory"])
def test_a_client_without_a_trusted_certificate_is_refused_at_the_handshake(
    pki: Pki, mtls_echo: Listening, who: str
) -> None:
    """No certificate, or one from another CA: the TLS handshake fails (the client exits 5,
    TLS failure, with a hint); listen says why in one line and admits alice afterwards."""
    leaf = pki.mallory if who == "mallory" else None
    result = run_wscli("send", mtls_echo.url, "hi", *pki.client_args(leaf), expect=5)
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("wscli: error: ")
    line = mtls_echo.stderr.wait_for("refused a TLS handshake")
    expected = "sent no certificate" if leaf is None else "certificate is not trusted"
    assert expected in line, line
    assert run_wscli("send", mtls_echo.url, "ok", *pki.client_args(pki.alice)).lines == ["ok"]
    assert "connected from" in mtls_echo.stderr.wait_for("connected from")


def test_exec_gets_the_subject_in_ssl_client_s_dn(pki: Pki) -> None:
    """--exec's program sees SSL_CLIENT_S_DN (and SSL_CLIENT_VERIFY=SUCCESS)."""
    program = (
        "import os; print(os.environ['SSL_CLIENT_S_DN'] + ' ' + os.environ['SSL_CLIENT_VERIFY'])"
    )
    command = f"{shlex.quote(sys.executable)} -c {shlex.quote(program)}"
    args = ("--exec", command, *pki.listen_args(), "--client-ca", pki.tls.ca_file)
    with listening(*args) as server:
        result = run_wscli("connect", server.url, *pki.client_args(pki.alice), expect=None)
    assert result.lines == [f"{ALICE_DN} SUCCESS"]


def test_client_ca_needs_cert_and_a_bad_ca_file_is_one_line(pki: Pki, tmp_path: Path) -> None:
    result = run_wscli("listen", "0", "--client-ca", pki.tls.ca_file, expect=2, input=b"")
    assert "--client-ca needs --cert" in result.stderr
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate\n")
    args = ("listen", "0", *pki.listen_args(), "--client-ca", str(junk))
    result = run_wscli(*args, expect=2, input=b"")
    assert result.stderr.startswith(f"wscli: error: cannot load --client-ca {junk}")
    assert "Traceback" not in result.stderr


def test_sslkeylogfile_gets_the_session_keys_of_both_sides(pki: Pki, tmp_path: Path) -> None:
    """SSLKEYLOGFILE (the standard variable): the client and listen each append the
    session's TLS secrets in the NSS key log format Wireshark reads."""
    server_log, client_log = tmp_path / "server.keys", tmp_path / "client.keys"
    with listening("--echo", *pki.listen_args(), env={"SSLKEYLOGFILE": str(server_log)}) as srv:
        result = run_wscli_process(
            "send",
            srv.url,
            "hi",
            "--ca",
            pki.tls.ca_file,
            env=wscli_env(SSLKEYLOGFILE=str(client_log)),
        )
        assert result.lines == ["hi"]
        srv.stop()
    for log in (server_log, client_log):
        labels = {line.split()[0] for line in log.read_text().splitlines() if line}
        assert "CLIENT_TRAFFIC_SECRET_0" in labels and "SERVER_TRAFFIC_SECRET_0" in labels
    client_randoms = {line.split()[1] for line in client_log.read_text().splitlines()}
    server_randoms = {line.split()[1] for line in server_log.read_text().splitlines()}
    assert client_randoms == server_randoms  # the same session, seen from both ends


def test_an_unwritable_sslkeylogfile_is_one_line(pki: Pki, tmp_path: Path) -> None:
    where = str(tmp_path / "missing" / "keys")
    env = wscli_env(SSLKEYLOGFILE=where)
    result = run_wscli_process("send", "wss://127.0.0.1:1/", "hi", env=env, expect=2)
    assert result.stderr.splitlines()[0].startswith(
        f"wscli: error: cannot write SSLKEYLOGFILE {where}: No such file or directory"
    )
    result = run_wscli_process("listen", "0", *pki.listen_args(), env=env, expect=2)
    assert f"cannot write SSLKEYLOGFILE {where}" in result.stderr
