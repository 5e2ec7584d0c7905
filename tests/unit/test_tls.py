"""The store CA and server certificate made on first run, the configured files, the redirect app."""

from __future__ import annotations

import ipaddress
import socket
import stat
from pathlib import Path

import pytest
from cryptography import x509

from edge.security.tls import (
    TLSError,
    ensure_store_certificates,
    lan_addresses,
    redirect_app,
    server_context,
    tls_files,
)
from tests.conftest import make_config


def sans(path: Path) -> tuple[set[str], set[str]]:
    cert = x509.load_pem_x509_certificate(path.read_bytes())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return ({str(n) for n in names.get_values_for_type(x509.DNSName)},
            {str(ip) for ip in names.get_values_for_type(x509.IPAddress)})


def test_first_run_makes_a_ca_and_a_server_certificate_for_every_name(tmp_path: Path) -> None:
    files = ensure_store_certificates(tmp_path, "S001", ["pos.shop.lan", "10.9.8.7"], addresses=["192.168.1.20"])
    assert files.ca is not None
    dns, ips = sans(files.cert)
    assert {socket.gethostname(), "localhost", "pos.shop.lan"} <= dns
    assert {"127.0.0.1", "::1", "10.9.8.7", "192.168.1.20"} <= ips
    for private in (files.key, files.ca.with_suffix(".key")):
        assert stat.S_IMODE(private.stat().st_mode) == 0o600
    ca = x509.load_pem_x509_certificate(files.ca.read_bytes())
    server = x509.load_pem_x509_certificate(files.cert.read_bytes())
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is True
    server.verify_directly_issued_by(ca)
    server_context(files)  # the key matches the certificate


def test_the_ca_is_kept_and_a_new_address_gets_a_new_certificate_from_it(tmp_path: Path) -> None:
    first = ensure_store_certificates(tmp_path, "S001", addresses=["192.168.1.20"])
    assert first.ca is not None
    ca_bytes, cert_bytes = first.ca.read_bytes(), first.cert.read_bytes()
    again = ensure_store_certificates(tmp_path, "S001", addresses=["192.168.1.20"])
    assert again.cert.read_bytes() == cert_bytes  # nothing changed: nothing made
    moved = ensure_store_certificates(tmp_path, "S001", addresses=["192.168.1.77"])
    assert moved.ca is not None and moved.ca.read_bytes() == ca_bytes
    assert "192.168.1.77" in sans(moved.cert)[1]
    x509.load_pem_x509_certificate(moved.cert.read_bytes()).verify_directly_issued_by(
        x509.load_pem_x509_certificate(ca_bytes))


def test_lan_addresses_are_ipv4_and_include_loopback() -> None:
    found = lan_addresses()
    assert "127.0.0.1" in found
    assert all(isinstance(ipaddress.ip_address(address), ipaddress.IPv4Address) for address in found)


def test_configured_certificate_files_are_used_or_refused(tmp_path: Path) -> None:
    made = ensure_store_certificates(tmp_path / "other", "S001", addresses=[])
    config = make_config(tmp_path / "data", server__tls_cert_file=str(made.cert), server__tls_key_file=str(made.key))
    files = tls_files(config)
    assert (files.cert, files.key, files.ca) == (made.cert, made.key, None)
    with pytest.raises(TLSError, match="set both or neither"):
        tls_files(make_config(tmp_path / "data", server__tls_cert_file=str(made.cert)))
    with pytest.raises(TLSError, match="does not exist"):
        tls_files(make_config(tmp_path / "data", server__tls_cert_file="/nonexistent.pem",
                              server__tls_key_file=str(made.key)))


@pytest.mark.parametrize(("host", "expected"), [
    ("pos.local:8080", "https://pos.local:8443/pos/T1?x=1"),
    ("192.168.1.5", "https://192.168.1.5:8443/pos/T1?x=1"),
    ("[fe80::1]:8080", "https://[fe80::1]:8443/pos/T1?x=1"),
])
def test_the_redirect_app_sends_every_request_to_https(host: str, expected: str) -> None:
    seen: list[tuple[str, list[tuple[str, str]]]] = []
    body = b"".join(redirect_app(8443)({"HTTP_HOST": host, "PATH_INFO": "/pos/T1", "QUERY_STRING": "x=1"},
                                       lambda status, headers: seen.append((status, headers))))
    status, headers = seen[0]
    assert status.startswith("308") and dict(headers)["Location"] == expected and body
