"""A certificate for loopback servers that must speak https, and a trust bundle that accepts it.

Settings require https:// URLs (`python.publish_url`, `python.package_index`),
so a test that serves them on 127.0.0.1 needs TLS that clients verify for real:
a certificate for 127.0.0.1 from a throwaway CA, and a bundle of the usual public
roots plus that CA, handed to clients as `SSL_CERT_FILE` (Python's default
SSL context and uv both read it). The roots are this machine's own where it has
them (a network that inspects TLS adds its CA there), else certifi's.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import ssl
from dataclasses import dataclass
from pathlib import Path

import certifi
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass(frozen=True)
class LoopbackTls:
    cert: Path
    key: Path
    bundle: Path  # public roots + cert: the SSL_CERT_FILE of clients

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context


def loopback_tls(directory: Path) -> LoopbackTls:
    """A fresh CA and a server certificate for 127.0.0.1 signed by it, under `directory`, valid for a day.

    Two certificates, not one self-signed: rustls (uv) refuses a CA certificate used as the server's.
    """
    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "goldenpath tests loopback CA")])
    ca = (
        _valid_for_a_day(x509.CertificateBuilder(), now)
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .sign(ca_key, hashes.SHA256())
    )
    server = (
        _valid_for_a_day(x509.CertificateBuilder(), now)
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = LoopbackTls(directory / "cert.pem", directory / "key.pem", directory / "bundle.pem")
    paths.cert.write_bytes(server.public_bytes(serialization.Encoding.PEM))
    paths.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    paths.bundle.write_bytes(_roots().read_bytes() + b"\n" + ca.public_bytes(serialization.Encoding.PEM))
    return paths


def _valid_for_a_day(builder: x509.CertificateBuilder, now: datetime.datetime) -> x509.CertificateBuilder:
    return (
        builder.serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
    )


def _roots() -> Path:
    for candidate in (os.environ.get("SSL_CERT_FILE"), ssl.get_default_verify_paths().cafile):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return Path(certifi.where())
