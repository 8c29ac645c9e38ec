"""What a rehearsal knows that the service must never keep or log, for a test to look for.

The rehearsal plays every role, so it holds every secret: the letter codes and check-in QR
codes the authority printed, what the devices derive from a code (login token, credential
secret), the voters' session tokens, the staff tokens, the encryption randomness and the
choice of every ballot cast, the kiosk's device key and the trustees' key shares. A test
hands a `Witness` to `voting-service rehearse` (click's `obj`, see commands/rehearse.py)
and then searches the server's log lines and every database column for these values
(tests/test_observability.py).

It stays in memory: nothing here prints, logs or writes a value. A challenged ballot's
opening is public by design (the record publishes it), so it moves to `published_openings`,
which the test uses the other way round: they must be found in the database, proving that
the search reaches the columns and encodings where randomness would show.
"""

from __future__ import annotations

import threading
from collections import defaultdict

from ..crypto.credential import derive_credential, normalise_letter_code
from ..crypto.embedding import embed_bytes


class Witness:
    def __init__(self):
        self._lock = threading.Lock()
        # kind -> values (bytes, or text where the secret is text)
        self.secrets: dict[str, set] = defaultdict(set)
        self._cast: dict[tuple[bytes, ...], tuple[bytes, ...]] = {}   # randomness -> choice
        self.published_openings: list[tuple[bytes, ...]] = []
        self.public_credentials: set[str] = set()

    def add(self, kind: str, value) -> None:
        with self._lock:
            self.secrets[kind].add(value)

    def letters(self, devices, fingerprint: bytes) -> None:
        """Each voter's letter (code, QR) and what a device derives from the code."""
        for device in devices:
            credential = derive_credential(device.code, fingerprint)
            self.add("letter_code", device.code)
            self.add("letter_code", normalise_letter_code(device.code))
            # The QR's secret part: the rest (election, voter number) is not secret.
            self.add("checkin_qr", device.qr.rsplit(":", 1)[1])
            self.add("login_token", credential.login_token)
            self.add("credential_secret", credential.secret.to_bytes())
            with self._lock:
                self.public_credentials.add(credential.public.hex())

    def encrypted(self, plaintext: bytes, width: int, opening) -> None:
        """An encryption made by a device: secret until (unless) it is challenged."""
        randomness = tuple(r.to_bytes() for r in opening.randomness)
        choice = tuple(p.to_bytes() for p in embed_bytes(plaintext, width))
        with self._lock:
            self._cast[randomness] = choice

    def challenged(self, opening) -> None:
        randomness = tuple(r.to_bytes() for r in opening.randomness)
        with self._lock:
            self._cast.pop(randomness, None)
            self.published_openings.append(randomness)

    def needles(self) -> dict[str, set]:
        """Every secret by kind, the ballots' randomness ("nonce") and their plaintexts
        embedded as group elements ("choice") included."""
        with self._lock:
            out = {kind: set(values) for kind, values in self.secrets.items()}
            out["nonce"] = {r for randomness in self._cast for r in randomness}
            out["choice"] = {p for choice in self._cast.values() for p in choice}
        return out
