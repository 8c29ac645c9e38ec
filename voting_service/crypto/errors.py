"""Exceptions of the cryptographic core: one type per failure kind, all under CryptoError.

Callers catch the precise type they can handle; anything else they may treat as
``CryptoError``. Each type has a stable machine-readable ``code`` (an error reports its
most specific class's): the failure codes of protocol.md Appendix B and ``negative.json``.
Attribution (which trustee, which dealer, which position) is carried as attributes so
that the election record can name the culprit.
"""

from __future__ import annotations


class CryptoError(Exception):
    """Base of every error raised by voting_service.crypto."""

    code = "crypto_error"


class ParameterError(CryptoError, ValueError):
    """A caller passed parameters that do not make sense (e.g. threshold > count)."""

    code = "invalid_parameter"


class DecodingError(CryptoError):
    """Bytes or text that do not encode the expected object (length, hex, structure)."""

    code = "decoding_error"


class InvalidPointError(DecodingError):
    """32 bytes that are not the canonical encoding of a ristretto255 element."""

    code = "invalid_point"


class IdentityPointError(InvalidPointError):
    """The identity element where it cannot legitimately appear."""

    code = "identity_point"


class NonCanonicalScalarError(DecodingError):
    """A scalar encoding whose value is not below the group order."""

    code = "non_canonical_scalar"


class InvalidProofError(CryptoError):
    """A zero-knowledge proof that does not verify."""

    code = "bad_proof"


class InvalidSignatureError(CryptoError):
    """A signature that does not verify."""

    code = "bad_signature"


class InvalidShuffleError(InvalidProofError):
    """A proof of shuffle that does not verify (or lists of mismatched shape)."""

    code = "bad_shuffle"


class ShareVerificationError(CryptoError):
    """A DKG share that cannot be decrypted or does not match its dealer's commitments."""

    code = "bad_share"

    def __init__(self, message: str, *, dealer: int):
        super().__init__(f"dealer {dealer}: {message}")
        self.dealer = dealer


class CeremonyAuthenticationError(ShareVerificationError):
    """A ceremony message (announcement or share envelope) that does not carry a valid
    signature by the identity key registered for the dealer it names.

    The named dealer did not produce the message as received: it was altered, substituted
    or forged on the way (by whoever relayed it). Unlike a validly signed share that fails
    its Feldman check, this is *not* evidence against the dealer.
    """

    code = "authentication_failure"

    def __init__(self, message: str, *, dealer: int, recipient: int | None = None):
        where = "" if recipient is None else f" (share for trustee {recipient})"
        super().__init__(f"{message}{where}", dealer=dealer)
        self.recipient = recipient


class PartialDecryptionError(InvalidProofError):
    """A partial decryption whose proof fails; names the trustee and the position."""

    code = "bad_partial_decryption"

    def __init__(self, message: str, *, trustee: int, position: int | None = None):
        where = "" if position is None else f" at position {position}"
        super().__init__(f"trustee {trustee}{where}: {message}")
        self.trustee = trustee
        self.position = position


class NotEnoughSharesError(CryptoError):
    """Fewer verified partial decryptions than the threshold; ``dropped`` holds the
    ``PartialDecryptionError`` of every trustee left out (naming the faulty ones)."""

    code = "not_enough_shares"

    def __init__(self, message: str, *, dropped: tuple[PartialDecryptionError, ...] = ()):
        super().__init__(message)
        self.dropped = dropped


class EmbeddingError(CryptoError):
    """A payload that does not fit its width, or points that do not decode to a payload."""

    code = "bad_embedding"


class DiscreteLogNotFoundError(CryptoError):
    """An exponential plaintext outside the searched bound."""

    code = "discrete_log_not_found"


class LetterCodeError(CryptoError):
    """A voter letter code that is malformed (characters, length) or fails its check."""

    code = "letter_code_format"


class LetterCodeChecksumError(LetterCodeError):
    """A well-formed letter code whose check character does not match (a typing mistake)."""

    code = "letter_code_checksum"
