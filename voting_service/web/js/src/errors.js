// Errors of the client's cryptographic core, one class per failure kind, each with the
// stable machine-readable `code` of voting_service/crypto/errors.py (protocol.md
// Appendix B), so that a negative vector is refused here with the code Python gives.

export class CryptoError extends Error {
  static code = 'crypto_error';
  constructor(message) {
    super(message);
    this.name = new.target.name;
    this.code = new.target.code;
  }
}

export class ParameterError extends CryptoError { static code = 'invalid_parameter'; }
export class DecodingError extends CryptoError { static code = 'decoding_error'; }
export class InvalidPointError extends DecodingError { static code = 'invalid_point'; }
export class IdentityPointError extends InvalidPointError { static code = 'identity_point'; }
export class NonCanonicalScalarError extends DecodingError { static code = 'non_canonical_scalar'; }
export class InvalidProofError extends CryptoError { static code = 'bad_proof'; }
export class InvalidSignatureError extends CryptoError { static code = 'bad_signature'; }
export class InvalidShuffleError extends InvalidProofError { static code = 'bad_shuffle'; }
export class EmbeddingError extends CryptoError { static code = 'bad_embedding'; }
export class DiscreteLogNotFoundError extends CryptoError { static code = 'discrete_log_not_found'; }
export class LetterCodeError extends CryptoError { static code = 'letter_code_format'; }
export class LetterCodeChecksumError extends LetterCodeError { static code = 'letter_code_checksum'; }

export class ShareVerificationError extends CryptoError {
  static code = 'bad_share';
  constructor(message, { dealer }) {
    super(`dealer ${dealer}: ${message}`);
    this.dealer = dealer;
  }
}

export class CeremonyAuthenticationError extends ShareVerificationError {
  static code = 'authentication_failure';
  constructor(message, { dealer, recipient = null }) {
    super(recipient === null ? message : `${message} (share for trustee ${recipient})`, { dealer });
    this.recipient = recipient;
  }
}

export class PartialDecryptionError extends InvalidProofError {
  static code = 'bad_partial_decryption';
  constructor(message, { trustee, position = null }) {
    super(`trustee ${trustee}${position === null ? '' : ` at position ${position}`}: ${message}`);
    this.trustee = trustee;
    this.position = position;
  }
}

export class NotEnoughSharesError extends CryptoError {
  static code = 'not_enough_shares';
  constructor(message, { dropped = [] } = {}) {
    super(message);
    this.dropped = dropped;
  }
}
