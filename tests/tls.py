"""Certificates generated with trustme for TLS tests: a CA, server and client certificates.

``make_tls(directory)`` writes the PEM files wscli is given (``--ca``, ``--cert``,
``--key``) and returns them with server-side ``ssl.SSLContext`` builders.
"""

import ssl
from dataclasses import dataclass
from pathlib import Path

import trustme


@dataclass(frozen=True)
class TlsFiles:
    """A test PKI: the CA wscli may trust, a server certificate, a client certificate."""

    ca: trustme.CA
    server_cert: trustme.LeafCert
    #: The CA certificate, for ``--ca``.
    ca_file: str
    #: The client certificate alone and its key, for ``--cert`` and ``--key``.
    client_cert_file: str
    client_key_file: str
    #: Client certificate and key in one file, for ``--cert`` alone.
    client_combined_file: str

    def server_context(self, *, require_client_cert: bool = False) -> ssl.SSLContext:
        """A TLS server context with a certificate for 127.0.0.1 and localhost."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.server_cert.configure_cert(context)
        if require_client_cert:
            context.verify_mode = ssl.CERT_REQUIRED
            self.ca.configure_trust(context)
        return context

    def context_for(self, *identities: str) -> ssl.SSLContext:
        """A TLS server context with a certificate (from the same CA) for other names."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ca.issue_cert(*identities).configure_cert(context)
        return context

    def self_signed_context(self) -> ssl.SSLContext:
        """A TLS server context whose certificate is self-signed (the CA's own one)."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        cert = self.ca.cert_pem.bytes().decode("ascii")
        key = self.ca.private_key_pem.bytes().decode("ascii")
        path = Path(self.ca_file).with_name("self-signed.pem")
        path.write_text(key + cert)
        context.load_cert_chain(str(path))
        return context


def make_tls(directory: Path) -> TlsFiles:
    """Generate the PKI and write wscli's PEM files into ``directory``."""
    ca = trustme.CA()
    server_cert = ca.issue_cert("127.0.0.1", "localhost")
    client = ca.issue_cert("client@wscli.test")
    files = {
        "ca_file": directory / "ca.pem",
        "client_cert_file": directory / "client.pem",
        "client_key_file": directory / "client.key",
        "client_combined_file": directory / "client-and-key.pem",
    }
    ca.cert_pem.write_to_path(str(files["ca_file"]))
    client.cert_chain_pems[0].write_to_path(str(files["client_cert_file"]))
    client.private_key_pem.write_to_path(str(files["client_key_file"]))
    client.private_key_and_cert_chain_pem.write_to_path(str(files["client_combined_file"]))
    return TlsFiles(ca, server_cert, **{name: str(path) for name, path in files.items()})
