"""``wscli listen``'s TLS: the server context (``--cert``/``--key``, ``--client-ca`` for
mutual TLS, ``SSLKEYLOGFILE``), the reporting of refused TLS handshakes, and a client
certificate's subject as web servers name it (``SSL_CLIENT_S_DN``)."""

import ssl
from collections.abc import Callable
from typing import Any

from wscli.errors import UsageError
from wscli.link.keylog import keylog
from wscli.options import ListenOptions

__all__ = ["server_context", "subject_dn"]

#: Called with the reason of each TLS handshake that failed.
Refused = Callable[[str], None]

#: RFC 4514's short names of the attributes certificates use.
_SHORT = {
    "commonName": "CN",
    "countryName": "C",
    "localityName": "L",
    "stateOrProvinceName": "ST",
    "organizationName": "O",
    "organizationalUnitName": "OU",
    "streetAddress": "STREET",
    "domainComponent": "DC",
    "userId": "UID",
}


class _Context(ssl.SSLContext):
    """A server context that reports each failed handshake (asyncio only logs them in its
    debug mode: a client refused for want of a certificate would otherwise go unseen)."""

    on_refused: Refused | None = None


class _ReportingObject(ssl.SSLObject):
    def do_handshake(self) -> None:
        try:
            super().do_handshake()
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
            raise
        except ssl.SSLError as exc:
            report = getattr(self.context, "on_refused", None)
            if report is not None:
                report(handshake_failure(exc))
            raise


def server_context(options: ListenOptions, on_refused: Refused | None) -> ssl.SSLContext:
    """The context of ``--cert``/``--key``; with ``--client-ca``, a client must present a
    certificate that CA signed or the handshake fails; ``options.keylog``: where the
    session keys go (``SSLKEYLOGFILE``).

    Raises:
        OSError: a file cannot be read (ssl.SSLError: it holds no certificate or key).
    """
    context = _Context(ssl.PROTOCOL_TLS_SERVER)
    context.sslobject_class = _ReportingObject
    context.on_refused = on_refused
    assert options.cert is not None
    context.load_cert_chain(options.cert, options.key)
    if options.client_ca is not None:
        try:
            context.load_verify_locations(cafile=options.client_ca)
        except OSError as exc:  # ssl.SSLError included: no certificate in the file
            reason = getattr(exc, "reason", None) or exc.strerror or exc
            raise UsageError(
                f"cannot load --client-ca {options.client_ca}: {reason}",
                "give the PEM certificate of the CA that signs the clients' certificates",
            ) from None
        context.verify_mode = ssl.CERT_REQUIRED
    keylog(context, options.keylog)
    return context


def handshake_failure(exc: ssl.SSLError) -> str:
    """Why a client's TLS handshake failed, in a few words."""
    reason = exc.reason or ""
    if reason == "PEER_DID_NOT_RETURN_A_CERTIFICATE":
        return "the client sent no certificate (--client-ca requires one)"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"the client's certificate is not trusted: {exc.verify_message}"
    if reason == "HTTP_REQUEST":
        return "the client spoke plain HTTP to a TLS port (ws:// instead of wss://)"
    text = str(exc.args[1] if len(exc.args) > 1 else exc)
    return text.split("] ", 1)[-1].split(" (_ssl.c", 1)[0] or reason or "TLS error"


def subject_dn(certificate: dict[str, Any] | None) -> str:
    """A certificate's subject as RFC 4514 writes it, most specific first
    (``CN=alice,O=Example,C=FR``), as nginx's ``$ssl_client_s_dn`` and Apache's
    ``SSL_CLIENT_S_DN`` do; "" without a certificate."""
    if not certificate:
        return ""
    parts = []
    for rdn in reversed(certificate.get("subject", ())):
        parts.append("+".join(f"{_SHORT.get(k, k)}={_escaped(str(v))}" for k, v in rdn))
    return ",".join(parts)


def _escaped(value: str) -> str:
    out = "".join(f"\\{c}" if c in ',+"\\<>;=' else c for c in value)
    if out.startswith(("#", " ")):
        out = "\\" + out
    if out.endswith(" ") and not out.endswith("\\ "):
        out = out[:-1] + "\\ "
    return out
