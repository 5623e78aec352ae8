"""A throw-away PKI for the signing tests: a root CA, a signer, a TSA and an OCSP responder
(Certomancer), served on 127.0.0.1 by a thread for as long as the test session runs.

The OCSP responder's answers are valid for 10 minutes (Certomancer's nextUpdate); the root's
CRL is re-issued every 30 days. ``signer`` declares only the OCSP responder, ``signer-short``
only the CRL, and its certificate expires two days after the PKI starts (long-term tests);
the TSA declares both."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from .helpers import free_port

CONFIG = """external-url-prefix: "http://127.0.0.1:{port}"
keysets:
  k:
    path-prefix: keys
    keys:
{keys}
pki-architectures:
  t:
    keyset: k
    entity-defaults: {{country-name: SI, organization-name: obrazci test PKI}}
    entities:
      root: {{common-name: obrazci Test Root}}
      other-root: {{common-name: obrazci Other Root}}
      signer: {{common-name: Uradna Oseba Test}}
      signer-short: {{common-name: Kratka Veljavnost Test}}
      tsa: {{common-name: obrazci Test TSA}}
      ocsp: {{common-name: obrazci Test OCSP}}
    certs:
      root:
        subject: root
        issuer: root
        validity: {{valid-from: "2025-01-01T00:00:00+0000", valid-to: "2045-01-01T00:00:00+0000"}}
        extensions:
          - {{id: basic_constraints, critical: true, value: {{ca: true}}}}
          - {{id: key_usage, critical: true, smart-value: {{schema: key-usage, params: [digital_signature, key_cert_sign, crl_sign]}}}}
      other-root:
        subject: other-root
        issuer: other-root
        validity: {{valid-from: "2025-01-01T00:00:00+0000", valid-to: "2045-01-01T00:00:00+0000"}}
        extensions:
          - {{id: basic_constraints, critical: true, value: {{ca: true}}}}
          - {{id: key_usage, critical: true, smart-value: {{schema: key-usage, params: [digital_signature, key_cert_sign, crl_sign]}}}}
      ocsp:
        issuer: root
        validity: {{valid-from: "2025-01-01T00:00:00+0000", valid-to: "2040-01-01T00:00:00+0000"}}
        extensions:
          - {{id: key_usage, critical: true, smart-value: {{schema: key-usage, params: [digital_signature]}}}}
          - {{id: extended_key_usage, critical: true, value: [ocsp_signing]}}
          - {{id: ocsp_no_check}}
      tsa:
        issuer: root
        validity: {{valid-from: "2025-01-01T00:00:00+0000", valid-to: "2040-01-01T00:00:00+0000"}}
        extensions:
          - {{id: key_usage, critical: true, smart-value: {{schema: key-usage, params: [digital_signature]}}}}
          - {{id: extended_key_usage, critical: true, value: [time_stamping]}}
          - {{id: crl_distribution_points, smart-value: {{schema: crl-dist-url, params: {{crl-repo-names: [root]}}}}}}
          - {{id: authority_information_access, smart-value: {{schema: aia-urls, params: {{ocsp-responder-names: [root]}}}}}}
      signer:
        issuer: root
        validity: {{valid-from: "2025-01-01T00:00:00+0000", valid-to: "2040-01-01T00:00:00+0000"}}
        extensions:
          - {{id: key_usage, critical: true, smart-value: {{schema: key-usage, params: [digital_signature, non_repudiation]}}}}
          - {{id: authority_information_access, smart-value: {{schema: aia-urls, params: {{ocsp-responder-names: [root]}}}}}}
      signer-short:
        issuer: root
        validity: {{valid-from: "2025-01-01T00:00:00+0000", valid-to: "{short_until}"}}
        extensions:
          - {{id: key_usage, critical: true, smart-value: {{schema: key-usage, params: [digital_signature, non_repudiation]}}}}
          - {{id: crl_distribution_points, smart-value: {{schema: crl-dist-url, params: {{crl-repo-names: [root]}}}}}}
    services:
      ocsp:
        root: {{for-issuer: root, responder-cert: ocsp, signing-key: ocsp}}
      crl-repo:
        root: {{for-issuer: root, signing-key: root, simulated-update-schedule: "P30D"}}
      time-stamping:
        tsa: {{signing-key: tsa, signing-cert: tsa}}
"""
NAMES = ("root", "other-root", "signer", "signer-short", "tsa", "ocsp")
SHORT_LIFE = timedelta(days=2)


@dataclass
class TestPki:
    directory: Path
    port: int
    server: object
    arch: object  # the Certomancer PKI architecture (to issue answers at a chosen time)

    @property
    def tsa_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/t/tsa/tsa"

    def cert(self, name: str) -> Path:
        return self.directory / f"{name}.cert.pem"

    def stop(self) -> None:
        """Shut the services down and free the port: nothing answers any more."""
        self.server.shutdown()
        self.server.server_close()


def start_pki(directory: Path, passphrase: bytes) -> TestPki:
    from certomancer.integrations.animator import Animator, AnimatorArchStore
    from certomancer.registry import CertLabel, CertomancerConfig
    from werkzeug.serving import make_server

    (directory / "keys").mkdir(parents=True)
    for name in NAMES:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        (directory / "keys" / f"{name}.key.pem").write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    port = free_port()
    keys = "\n".join(f"      {n}: {{path: {n}.key.pem}}" for n in NAMES)
    config_path = directory / "certomancer.yml"
    short_until = (datetime.now(UTC) + SHORT_LIFE).strftime("%Y-%m-%dT%H:%M:%S+0000")
    config_path.write_text(CONFIG.format(port=port, keys=keys, short_until=short_until))
    config = CertomancerConfig.from_file(str(config_path), key_search_dir=str(directory))
    arch = config.get_pki_arch("t")
    for name in ("root", "other-root", "tsa", "signer", "signer-short"):
        (directory / f"{name}.cert.pem").write_bytes(_pem(arch.get_cert(CertLabel(name)).dump()))
    for signer in ("signer", "signer-short"):
        (directory / f"{signer}.p12").write_bytes(
            arch.package_pkcs12(CertLabel(signer), password=passphrase)
        )
    app = Animator(AnimatorArchStore(config.pki_archs), with_web_ui=False)
    server = make_server("127.0.0.1", port, app, threaded=True)
    server.log_request = lambda *args, **kwargs: None
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return TestPki(directory, port, server, arch)


def _pem(der: bytes) -> bytes:
    import base64

    body = base64.encodebytes(der).replace(b"\n", b"")
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return b"-----BEGIN CERTIFICATE-----\n" + b"\n".join(lines) + b"\n-----END CERTIFICATE-----\n"
