"""TLS for the store LAN: a store CA and a server certificate made on first run (cryptography), or the
operator's own files; the server's ssl.SSLContext; the plain-HTTP port that only redirects."""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import ipaddress
import os
import socket
import ssl
import struct
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from edge.security.secrets import write_private

TLS_DIR_NAME = "tls"
CA_DAYS = 3650
SERVER_DAYS = 397  # browsers refuse server certificates valid for longer than about 13 months
RENEW_BEFORE_DAYS = 30
SIOCGIFADDR = 0x8915


class TLSError(Exception):
    """A configured certificate or key is missing or unusable."""


@dataclass(frozen=True)
class TLSFiles:
    """The files the server uses; ca is empty when the operator brought their own certificate."""

    cert: Path
    key: Path
    ca: Path | None


def lan_addresses() -> list[str]:
    """IPv4 addresses of this machine's interfaces (loopback included), read with SIOCGIFADDR."""
    found: list[str] = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        for _, name in socket.if_nameindex():
            request = struct.pack("256s", name.encode()[:15])
            try:
                answer = fcntl.ioctl(probe.fileno(), SIOCGIFADDR, request)
            except OSError:  # no IPv4 address on this interface
                continue
            found.append(socket.inet_ntoa(answer[20:24]))
    return found


def wanted_names(
    extra_names: Iterable[str] = (), addresses: Iterable[str] | None = None
) -> tuple[list[str], list[str]]:
    """(DNS names, IP addresses) the server certificate must cover: host name, localhost, configured names,
    127.0.0.1, ::1 and the LAN addresses."""
    host = socket.gethostname()
    dns = [host, "localhost"]
    with contextlib.suppress(OSError):
        fqdn = socket.getfqdn()
        if fqdn and fqdn != host:
            dns.append(fqdn)
    ips = ["127.0.0.1", "::1"]
    for name in extra_names:
        name = name.strip()
        if not name:
            continue
        try:
            ips.append(str(ipaddress.ip_address(name)))
        except ValueError:
            dns.append(name.lower())
    ips.extend(lan_addresses() if addresses is None else addresses)
    return list(dict.fromkeys(dns)), list(dict.fromkeys(ips))


def _write_public(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    tmp.chmod(0o644)
    os.replace(tmp, path)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def make_ca(common_name: str) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """A new CA certificate (EC P-256, ten years, path length 0: it signs server certificates only)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Store Edge POS"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = _now()
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                     content_commitment=False, key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def make_server_cert(
    ca_cert: x509.Certificate, ca_key: ec.EllipticCurvePrivateKey, dns: list[str], ips: list[str]
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """A server certificate signed by the store CA for these names and addresses."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = _now()
    sans: list[x509.GeneralName] = [x509.DNSName(name) for name in dns]
    sans += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in ips]
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, dns[0])]))
        .issuer_name(ca_cert.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=SERVER_DAYS))
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return cert, key


def _covers(cert: x509.Certificate, dns: list[str], ips: list[str]) -> bool:
    try:
        sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False
    have_dns = {name.lower() for name in sans.get_values_for_type(x509.DNSName)}
    have_ips = {str(ip) for ip in sans.get_values_for_type(x509.IPAddress)}
    return {name.lower() for name in dns} <= have_dns and {str(ipaddress.ip_address(ip)) for ip in ips} <= have_ips


def ensure_store_certificates(
    data_dir: Path, store_code: str, extra_names: Iterable[str] = (), addresses: Iterable[str] | None = None
) -> TLSFiles:
    """The store CA (made once) and a server certificate in ``<data_dir>/tls``; the server certificate is
    made again when it is due to expire or does not cover this machine's names and addresses (a new DHCP
    lease), always signed by the same CA so that the kiosks keep trusting it."""
    folder = data_dir / TLS_DIR_NAME
    folder.mkdir(mode=0o750, parents=True, exist_ok=True)
    ca_path, ca_key_path = folder / "store-ca.pem", folder / "store-ca.key"
    cert_path, key_path = folder / "server.pem", folder / "server.key"
    if ca_path.is_file() and ca_key_path.is_file():
        ca_cert = x509.load_pem_x509_certificate(ca_path.read_bytes())
        loaded = serialization.load_pem_private_key(ca_key_path.read_bytes(), password=None)
        if not isinstance(loaded, ec.EllipticCurvePrivateKey):
            raise TLSError(f"{ca_key_path}: not an EC private key")
        ca_key = loaded
    else:
        ca_cert, ca_key = make_ca(f"Store {store_code} CA")
        write_private(ca_key_path, _key_pem(ca_key))
        _write_public(ca_path, ca_cert.public_bytes(serialization.Encoding.PEM))
    dns, ips = wanted_names(extra_names, addresses)
    current = x509.load_pem_x509_certificate(cert_path.read_bytes()) if cert_path.is_file() else None
    fresh = (
        current is not None and key_path.is_file()
        and current.issuer == ca_cert.subject
        and current.not_valid_after_utc - _now() > dt.timedelta(days=RENEW_BEFORE_DAYS)
        and _covers(current, dns, ips)
    )
    if not fresh:
        cert, key = make_server_cert(ca_cert, ca_key, dns, ips)
        write_private(key_path, _key_pem(key))
        _write_public(cert_path, cert.public_bytes(serialization.Encoding.PEM) +
                      ca_cert.public_bytes(serialization.Encoding.PEM))
    return TLSFiles(cert_path, key_path, ca_path)


def tls_files(config: Any) -> TLSFiles:
    """The configured certificate and key, or the store's own (made on first run)."""
    cert, key = config.get("server.tls_cert_file"), config.get("server.tls_key_file")
    if cert or key:
        if not (cert and key):
            raise TLSError("server.tls_cert_file and server.tls_key_file: set both or neither")
        for dotted, value in (("server.tls_cert_file", cert), ("server.tls_key_file", key)):
            if not Path(value).is_file():
                raise TLSError(f"{dotted}: {value} does not exist")
        return TLSFiles(Path(cert), Path(key), None)
    names = [name for name in str(config.get("server.tls_names")).split(",") if name.strip()]
    return ensure_store_certificates(config.data_dir, config.get("store.code"), names)


def server_context(files: TLSFiles) -> ssl.SSLContext:
    """TLS 1.2 or newer with the server's certificate chain."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(str(files.cert), str(files.key))
    except (ssl.SSLError, OSError) as exc:
        raise TLSError(f"cannot load the server certificate {files.cert} and key {files.key}: {exc}") from exc
    return context


def redirect_app(https_port: int) -> Callable[[dict[str, Any], Callable[..., Any]], Iterator[bytes]]:
    """A WSGI app that answers every plain-HTTP request with a permanent redirect to the HTTPS port (308
    keeps the method and body, so nothing is ever done over plain HTTP)."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
        host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "localhost")
        if host.startswith("["):
            hostname = host[: host.find("]") + 1]
        else:
            hostname = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
        path = environ.get("PATH_INFO", "/") or "/"
        query = environ.get("QUERY_STRING")
        target = f"https://{hostname}:{https_port}{path}{'?' + query if query else ''}"
        body = b"Use HTTPS.\n"
        start_response("308 Permanent Redirect", [
            ("Location", target), ("Content-Type", "text/plain"), ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"),
        ])
        return iter([body])

    return app

