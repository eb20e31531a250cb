from tests.conftest import run_wscli
from tests.scenario import ScenarioServer


def test_send_prints_the_echo(server: ScenarioServer) -> None:
    """send prints the echo of each message and exits 0."""
    result = run_wscli("send", server.url("/echo"), "hello", "world", "--count", "2")
    assert result.lines == ["hello", "world"]
    assert server.last().messages == ["hello", "world"]
