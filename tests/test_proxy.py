"""Proxies: --proxy (HTTP CONNECT and SOCKS5), the *_proxy environment variables, --no-proxy,
and proxy faults, through real proxies on 127.0.0.1 (tests/proxy.py)."""

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.commands import COMMANDS, error_line, replied, run_command
from tests.conftest import wscli_env
from tests.proxy import HttpConnectProxy, Socks5Proxy, closed_port
from tests.scenario import ScenarioServer
from tests.tls import make_tls


@pytest.fixture
def proxy() -> Iterator[HttpConnectProxy]:
    with HttpConnectProxy() as running:
        yield running


@pytest.fixture
def socks() -> Iterator[Socks5Proxy]:
    with Socks5Proxy() as running:
        yield running


def target(server: ScenarioServer) -> str:
    return f"127.0.0.1:{server.port}"


# HTTP CONNECT


@pytest.mark.parametrize("command", COMMANDS)
def test_proxy_option_tunnels_through_an_http_proxy(
    server: ScenarioServer, proxy: HttpConnectProxy, command: str
) -> None:
    """--proxy http://HOST:PORT connects through the proxy: it sees CONNECT to the server,
    and the messages reach the server through the tunnel."""
    result = run_command(command, server.url("/echo"), "--proxy", proxy.url)
    assert replied(command, result)
    assert proxy.targets == [target(server)]
    assert server.last().messages == ["hello"]


def test_proxy_credentials_become_proxy_authorization(
    server: ScenarioServer, proxy: HttpConnectProxy
) -> None:
    """--proxy http://user:pw@HOST:PORT sends Proxy-Authorization: Basic to the proxy only."""
    url = proxy.url.replace("http://", "http://agent:pa55@")
    run_command("send", server.url("/echo"), "--proxy", url)
    token = base64.b64encode(b"agent:pa55").decode()
    assert ("Proxy-Authorization", f"Basic {token}") in proxy.headers[0]
    names = {name.lower() for name, _ in server.last().headers}
    assert "proxy-authorization" not in names


@pytest.mark.parametrize("variable", ["ws_proxy", "https_proxy", "http_proxy", "WS_PROXY"])
def test_proxy_from_the_environment_is_used_by_default(
    server: ScenarioServer, proxy: HttpConnectProxy, variable: str
) -> None:
    """Without --proxy, a ws:// URL goes through the proxy named by ws_proxy, https_proxy
    or http_proxy."""
    result = run_command("send", server.url("/echo"), env=wscli_env(**{variable: proxy.url}))
    assert result.lines == ["hello"]
    assert proxy.targets == [target(server)]


@pytest.mark.parametrize("command", COMMANDS)
def test_no_proxy_ignores_the_environment(
    server: ScenarioServer, proxy: HttpConnectProxy, command: str
) -> None:
    """--no-proxy connects directly even when ws_proxy is set."""
    result = run_command(
        command, server.url("/echo"), "--no-proxy", env=wscli_env(ws_proxy=proxy.url)
    )
    assert replied(command, result)
    assert proxy.targets == []
    assert server.last().messages == ["hello"]


def test_no_proxy_variable_bypasses_the_proxy(
    server: ScenarioServer, proxy: HttpConnectProxy
) -> None:
    """A host listed in no_proxy is reached directly even when ws_proxy is set."""
    env = wscli_env(ws_proxy=proxy.url, no_proxy="127.0.0.1")
    result = run_command("send", server.url("/echo"), env=env)
    assert result.lines == ["hello"]
    assert proxy.targets == []


def test_proxy_option_wins_over_the_environment(
    server: ScenarioServer, proxy: HttpConnectProxy
) -> None:
    """--proxy is used instead of the proxy in the environment."""
    with HttpConnectProxy() as other:
        result = run_command(
            "send", server.url("/echo"), "--proxy", proxy.url, env=wscli_env(ws_proxy=other.url)
        )
        assert other.targets == []
    assert result.lines == ["hello"]
    assert proxy.targets == [target(server)]


def test_wss_through_an_http_proxy(tmp_path: Path, proxy: HttpConnectProxy) -> None:
    """wss:// through --proxy: TLS runs inside the tunnel, verified with --ca."""
    tls = make_tls(tmp_path)
    with ScenarioServer(ssl_context=tls.server_context()) as server:
        result = run_command("send", server.url("/echo"), "--ca", tls.ca_file, "--proxy", proxy.url)
        assert server.last().messages == ["hello"]
    assert result.lines == ["hello"]
    assert proxy.targets == [target(server)]


@pytest.mark.parametrize("command", COMMANDS)
def test_proxy_that_refuses_the_tunnel_exits_3(server: ScenarioServer, command: str) -> None:
    """A proxy that answers CONNECT with 403 makes wscli exit 3, naming the status."""
    with HttpConnectProxy(status=403) as refusing:
        result = run_command(command, server.url("/echo"), "--proxy", refusing.url, expect=3)
        assert refusing.targets == [target(server)]
    line = error_line(result)
    assert "proxy" in line and "403" in line
    assert server.connections == []


@pytest.mark.parametrize("command", COMMANDS)
def test_proxy_that_refuses_tcp_exits_3(server: ScenarioServer, command: str) -> None:
    """--proxy naming a port where nothing listens exits 3 and blames the proxy, not the
    server."""
    port = closed_port()
    result = run_command(
        command, server.url("/echo"), "--proxy", f"http://127.0.0.1:{port}", expect=3
    )
    line = error_line(result)
    assert "proxy" in line and f"127.0.0.1:{port}" in line
    assert server.connections == []


def test_unreachable_proxy_from_the_environment_exits_3(server: ScenarioServer) -> None:
    """An https_proxy where nothing listens exits 3 and the hint mentions --no-proxy."""
    port = closed_port()
    env = wscli_env(https_proxy=f"http://127.0.0.1:{port}")
    result = run_command("send", server.url("/echo"), env=env, expect=3)
    line = error_line(result)
    assert f"proxy 127.0.0.1:{port}" in line and "--no-proxy" in line


def test_proxy_with_an_unsupported_scheme_exits_2(server: ScenarioServer) -> None:
    """--proxy ftp://... is a usage error (exit 2)."""
    result = run_command("send", server.url("/echo"), "--proxy", "ftp://127.0.0.1:21", expect=2)
    assert "proxy" in error_line(result)


def test_proxy_and_host_header_together_exit_2(
    server: ScenarioServer, proxy: HttpConnectProxy
) -> None:
    """-H 'Host: ...' (a direct connection to the URL's address) with --proxy is a usage
    error (exit 2), not a crash."""
    result = run_command(
        "send", server.url("/echo"), "-H", "Host: virtual.test", "--proxy", proxy.url, expect=2
    )
    assert "--proxy" in error_line(result)
    assert proxy.targets == []


def test_host_header_connects_directly_despite_an_environment_proxy(
    server: ScenarioServer, proxy: HttpConnectProxy
) -> None:
    """-H 'Host: ...' with ws_proxy set connects directly to the URL's address."""
    result = run_command(
        "send", server.url("/echo"), "-H", "Host: virtual.test", env=wscli_env(ws_proxy=proxy.url)
    )
    assert result.lines == ["hello"]
    assert proxy.targets == []


# SOCKS5


@pytest.mark.parametrize("command", COMMANDS)
def test_socks5h_proxy_tunnels_to_the_server(
    server: ScenarioServer, socks: Socks5Proxy, command: str
) -> None:
    """--proxy socks5h://HOST:PORT connects through the SOCKS5 proxy."""
    result = run_command(command, server.url("/echo"), "--proxy", socks.url)
    assert replied(command, result)
    assert socks.targets == [target(server)]
    assert server.last().messages == ["hello"]


def test_socks5h_resolves_names_at_the_proxy(server: ScenarioServer, socks: Socks5Proxy) -> None:
    """socks5h:// passes the URL's host name to the proxy, unresolved."""
    url = server.url("/echo").replace("127.0.0.1", "localhost")
    result = run_command("send", url, "--proxy", socks.url)
    assert result.lines == ["hello"]
    assert socks.targets == [f"localhost:{server.port}"]


def test_socks5_proxy_tunnels_to_the_server(server: ScenarioServer, socks: Socks5Proxy) -> None:
    """--proxy socks5://HOST:PORT (names resolved by wscli) works too."""
    proxy = socks.url.replace("socks5h://", "socks5://")
    result = run_command("send", server.url("/echo"), "--proxy", proxy)
    assert result.lines == ["hello"]
    assert socks.targets == [target(server)]


def test_socks_proxy_from_the_environment(server: ScenarioServer, socks: Socks5Proxy) -> None:
    """ws_proxy=socks5h://... is used by default."""
    result = run_command("send", server.url("/echo"), env=wscli_env(ws_proxy=socks.url))
    assert result.lines == ["hello"]
    assert socks.targets == [target(server)]


def test_socks_proxy_that_refuses_tcp_exits_3(server: ScenarioServer) -> None:
    """A SOCKS proxy where nothing listens exits 3, naming the proxy."""
    port = closed_port()
    result = run_command(
        "send", server.url("/echo"), "--proxy", f"socks5h://127.0.0.1:{port}", expect=3
    )
    assert f"proxy 127.0.0.1:{port}" in error_line(result)
