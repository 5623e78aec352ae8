"""Signer profiles: one dataclass per key kind, and every mistake in the file named."""

import hashlib

import pytest

from renderer.sign.config import Pkcs11Key, Pkcs12Key, SigningConfig
from renderer.sign.errors import SigningConfigError

DIGEST = hashlib.sha256(b"key").hexdigest()

GOOD = f"""
default_profile = "office"
default_level = "B-LT"

[profiles.office]
kind = "pkcs12"
path = "keys/office.p12"
passphrase_file = "secrets/office.pass"
trust_roots = ["ca/root.pem", "/etc/obrazci/other.pem"]
tsa_url = "http://tsa.example.si/tsa"
reason = "Uradni dokument"

[profiles.hsm]
kind = "pkcs11"
module = "libsofthsm2.so"
token_label = "obrazci"
key_label = "signer"
pin_env = "HSM_PIN"

[api_keys.registry]
sha256 = "{DIGEST.upper()}"
profiles = ["office", "hsm"]
"""


def load(tmp_path, text: str) -> SigningConfig:
    path = tmp_path / "signing.toml"
    path.write_text(text)
    return SigningConfig.from_file(path)


def test_each_kind_gets_its_own_dataclass_and_paths_are_relative_to_the_file(tmp_path):
    config = load(tmp_path, GOOD)
    office, hsm = config.profiles["office"], config.profiles["hsm"]
    assert office.key == Pkcs12Key(
        path=str(tmp_path / "keys/office.p12"),
        passphrase_file=str(tmp_path / "secrets/office.pass"),
    )
    assert office.kind == "pkcs12" and office.tsa_url == "http://tsa.example.si/tsa"
    assert office.trust_roots == (str(tmp_path / "ca/root.pem"), "/etc/obrazci/other.pem")
    # the module is found as the system finds libraries: not made relative to the file
    assert hsm.key == Pkcs11Key(
        module="libsofthsm2.so", token_label="obrazci", key_label="signer", pin_env="HSM_PIN"
    )
    assert hsm.kind == "pkcs11" and hsm.trust_roots == ()
    assert (config.default_profile, config.default_level) == ("office", "B-LT")
    assert config.api_keys[0].sha256 == DIGEST and config.authorise("key", "hsm") == "ok"
    assert config.authorise("key", "nobody") == "forbidden"
    assert config.authorise("other", "hsm") == config.authorise(None, "hsm") == "unauthenticated"


@pytest.mark.parametrize(
    "change, key, reason",
    [
        (('kind = "pkcs12"', 'kind = "pem"'), "profiles.office.kind", "one of pkcs12, pkcs11"),
        (('reason = "Uradni dokument"', "reason = 7"), "profiles.office.reason", "a non-empty"),
        (('tsa_url = "http', 'tsa_uri = "http'), "profiles.office.tsa_uri", "unknown key"),
        (('module = "libsofthsm2.so"\n', ""), "profiles.hsm.module", "missing"),
        (('path = "keys/office.p12"\n', ""), "profiles.office.path", "missing"),
        (('token_label = "obrazci"', 'path = "x.p12"'), "profiles.hsm.path", "unknown key"),
        (
            ('trust_roots = ["ca/root.pem", "/etc/obrazci/other.pem"]', 'trust_roots = "ca.pem"'),
            "profiles.office.trust_roots",
            "a list of strings",
        ),
        (
            ('profiles = ["office", "hsm"]', 'profiles = ["offce"]'),
            "api_keys.registry.profiles",
            "offce",
        ),
        ((f'"{DIGEST.upper()}"', '"abc"'), "api_keys.registry.sha256", "64 hexadecimal"),
        (('default_profile = "office"', 'default_profile = "nobody"'), "default_profile", "nobody"),
        (('default_level = "B-LT"', 'default_level = "B-X"'), "default_level", "B-B, B-T"),
        (('default_level = "B-LT"', 'default_levle = "B-LT"'), "default_levle", "unknown key"),
    ],
)
def test_every_mistake_names_the_file_and_the_key(tmp_path, change, key, reason):
    old, new = change
    assert old in GOOD
    with pytest.raises(SigningConfigError) as exc:
        load(tmp_path, GOOD.replace(old, new, 1))
    message = str(exc.value)
    assert message.startswith(f"signing configuration {tmp_path / 'signing.toml'}: {key}: ")
    assert reason in message


def test_a_file_that_cannot_be_read_or_parsed(tmp_path):
    with pytest.raises(SigningConfigError, match="cannot read it"):
        SigningConfig.from_file(tmp_path / "missing.toml")
    with pytest.raises(SigningConfigError, match="not TOML"):
        load(tmp_path, "[profiles.office\n")
    with pytest.raises(SigningConfigError, match="toml: profiles: expected a table"):
        load(tmp_path, "profiles = 3\n")
    with pytest.raises(SigningConfigError, match="toml: profiles.office: expected a table"):
        load(tmp_path, '[profiles]\noffice = "office.p12"\n')
