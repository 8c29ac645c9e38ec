"""Objects holding a secret never print it: repr, str, f-strings, containers and log lines
show the type and the public part only (a traceback or a debug log must not leak a key)."""

from __future__ import annotations

import logging

import pytest

from voting_service.crypto import recipes
from voting_service.crypto.credential import derive_credential, generate_letter_code
from voting_service.crypto.elgamal import KeyPair
from voting_service.crypto.group import Scalar
from voting_service.crypto.rng import SeededRng

E = b"repr election"


def _scalar_forms(secret: Scalar) -> list[str]:
    """Every way a scalar's value could show up in text."""
    return [secret.hex(), f"{secret.value:x}", str(secret.value), repr(secret)]


def _renderings(obj, caplog) -> list[str]:
    logger = logging.getLogger("test_secrets_repr")
    with caplog.at_level(logging.DEBUG, logger="test_secrets_repr"):
        logger.debug("object %s", obj)
        logger.debug("object %r", obj)
        logger.debug("in a list %s", [obj])
    return [repr(obj), str(obj), f"{obj}", f"{obj!r}", repr([obj]), str({"k": obj}),
            caplog.text]


@pytest.fixture(scope="module")
def ceremony():
    rng = SeededRng(b"repr")
    key, trustees = recipes.run_key_ceremony(2, 3, E, rng)
    return key, trustees, rng


def _assert_hidden(obj, secrets: list[str], public: str, caplog):
    for text in _renderings(obj, caplog):
        assert type(obj).__name__ in text
        assert public in text  # the public part is still there to identify the object
        for secret in secrets:
            assert secret not in text, (type(obj).__name__, secret)
    caplog.clear()


def test_credential_hides_code_token_and_secret(caplog):
    printed = generate_letter_code(SeededRng(b"repr credential"))
    credential = derive_credential(printed, E)
    secrets = [printed, credential.code, credential.login_token.hex(),
               *_scalar_forms(credential.secret)]
    # Code symbols in groups would also betray it: check each printed group.
    secrets += printed.split("-")
    _assert_hidden(credential, secrets, credential.public.hex(), caplog)


def test_key_pair_and_trustee_identity_hide_the_secret(caplog):
    pair = KeyPair.generate(SeededRng(b"repr keypair"))
    _assert_hidden(pair, _scalar_forms(pair.secret), pair.public.hex(), caplog)
    identity = recipes.make_trustee_identity(SeededRng(b"repr identity"))
    _assert_hidden(identity, _scalar_forms(identity.secret), identity.public.hex(), caplog)


def test_trustee_key_hides_its_share(caplog, ceremony):
    key, trustees, _ = ceremony
    for trustee in trustees:
        _assert_hidden(trustee, _scalar_forms(trustee.share), key.public_key.hex(), caplog)


def test_ballot_opening_hides_the_randomness(caplog, ceremony):
    key, _, rng = ceremony
    voter = derive_credential(generate_letter_code(rng), E)
    ballot, opening = recipes.encrypt_ballot(key, E, "city", b"\x01", 1, secret=voter.secret,
                                             rng=rng)
    secrets = [form for r in opening.randomness for form in _scalar_forms(r)]
    for text in _renderings(opening, caplog):
        assert "BallotOpening" in text
        for secret in secrets:
            assert secret not in text
    # The opening still works: hiding is only about printing.
    assert recipes.open_ballot(key, ballot, opening) == b"\x01"


def test_scalars_still_print_their_value():
    # Scalars are mostly public (challenges, responses): their repr stays useful; secrecy is
    # the business of the types that hold secret scalars.
    assert repr(Scalar(255)) == "Scalar(0xff)"
