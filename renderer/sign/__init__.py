"""PAdES signing and verification (pyHanko).

- ``config``: signer profiles from the TOML file named by OBRAZCI_SIGNING_CONFIG, one frozen
  dataclass per key kind (``Pkcs12Key``, ``Pkcs11Key``), API keys and their profiles.
- ``secrets``: passphrases and PINs, from the environment or a file, read once.
- ``signer``: opens a profile's key (the key-caching signer; keys never leave it).
- ``service``: the loaded profiles of one process (``SigningService``).
- ``fetching``: the OCSP/CRL fetchers of a signature, keeping their fetch errors.
- ``pades``: PAdES B-B to B-LTA signing of a PDF, the document's metadata kept.
- ``appearance``: signature fields, invisible or with a rendered stamp.
- ``verify``: the offline JSON report on a PDF's signatures.
- ``errors``: our typed errors, and trust-service failures told apart by pyHanko's types.
- ``compat``: the only patches of pyHanko's internals, each with a test in
  tests/test_sign_compat.py that fails when upstream changes.

Nothing is imported here: ``renderer.sign`` costs nothing until a module of it is used.
"""
