"""SQLAlchemy 2.x typed models. The schema itself is built by Alembic migrations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from datetime import date

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from .types import UTCDateTime, utcnow

# Named constraints, so migrations can refer to them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ELECTION_STATUSES = ("draft", "frozen", "open", "closed", "tallied", "certified")
STAFF_ROLES = ("admin", "officer", "trustee", "auditor", "results_reader")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class Election(Base):
    __tablename__ = "elections"
    __table_args__ = (
        CheckConstraint(
            "status IN ('draft','frozen','open','closed','tallied','certified')", name="status"
        ),
        CheckConstraint("ends_at > starts_at", name="window"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(16), default="draft")
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    retention_days: Mapped[int] = mapped_column(Integer, default=365)
    # Eligibility and login rules (voters may change until credentials are issued).
    min_age: Mapped[int] = mapped_column(Integer, default=16, server_default="16")
    login_requires_birth_date: Mapped[bool] = mapped_column(Boolean, default=True,
                                                            server_default=text("true"))
    certified_at: Mapped[datetime | None]
    # Set at freeze: the canonical manifest bytes (UTF-8 text) and their SHA-256.
    manifest_canonical: Mapped[str | None] = mapped_column(Text)
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    # The trustees' election key (JSON), as its record event carries it.
    election_key: Mapped[str | None] = mapped_column(Text)
    # How credentials were made: 'server' (one machine) or 'authority' (separate machine).
    credential_path: Mapped[str | None] = mapped_column(String(16))
    authority_key: Mapped[str | None] = mapped_column(String(64))
    # The authority's signature of the credential list it handed over (record/credentials.py).
    authority_list_signature: Mapped[str | None] = mapped_column(String(128))
    # The record's head (its last event), kept here so that taking the election's lock
    # also reads where the next event goes (domain/record.py).
    # The record's head-signing key (public, hex), as the manifest event publishes it.
    service_key: Mapped[str | None] = mapped_column(String(64))
    record_height: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    record_head: Mapped[str] = mapped_column(String(64), default="0" * 64,
                                             server_default="0" * 64)
    # Set at closing; the reason only when the vote was closed before ends_at.
    closed_at: Mapped[datetime | None]
    closing_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    districts: Mapped[list[District]] = relationship(
        back_populates="election", order_by="District.position", cascade="all, delete-orphan"
    )
    polling_points: Mapped[list[PollingPoint]] = relationship(
        back_populates="election", order_by="PollingPoint.position", cascade="all, delete-orphan"
    )
    questions: Mapped[list[Question]] = relationship(
        back_populates="election", order_by="Question.position", cascade="all, delete-orphan"
    )


class District(Base):
    __tablename__ = "districts"
    __table_args__ = (UniqueConstraint("election_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)

    election: Mapped[Election] = relationship(back_populates="districts")


class PollingPoint(Base):
    __tablename__ = "polling_points"
    __table_args__ = (UniqueConstraint("election_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)

    election: Mapped[Election] = relationship(back_populates="polling_points")


class Question(Base):
    __tablename__ = "questions"
    __table_args__ = (
        UniqueConstraint("election_id", "key"),
        CheckConstraint("budget > 0", name="budget_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    budget: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    vote_format: Mapped[dict[str, Any]]
    rule: Mapped[dict[str, Any]]
    position: Mapped[int] = mapped_column(Integer, default=0)

    election: Mapped[Election] = relationship(back_populates="questions")
    district: Mapped[District | None] = relationship()
    projects: Mapped[list[Project]] = relationship(
        back_populates="question", order_by="Project.position", cascade="all, delete-orphan"
    )


class Project(Base):
    __tablename__ = "projects"
    __table_args__ = (
        UniqueConstraint("question_id", "key"),
        CheckConstraint("cost > 0", name="cost_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    cost: Mapped[int] = mapped_column(BigInteger)
    category: Mapped[str] = mapped_column(String(100), default="")
    district_key: Mapped[str | None] = mapped_column(String(64))
    external_ref: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)

    question: Mapped[Question] = relationship(back_populates="projects")


class Staff(Base):
    __tablename__ = "staff"
    __table_args__ = (
        CheckConstraint(
            "role IN ('admin','officer','trustee','auditor','results_reader')", name="role"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(32))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Changed at every login and logout: a cookie carrying an old nonce is dead.
    session_nonce: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # Second factor (TOTP, RFC 6238), domain/second_factor.py. The secret is sealed with a
    # key of the key folder, so a database dump alone does not give it away; it is set at
    # enrolment and in force once a first code confirmed it (totp_enabled_at).
    totp_secret: Mapped[str | None] = mapped_column(String(200))
    totp_enabled_at: Mapped[datetime | None]
    # The last time step whose code was accepted: a code is good once (no replay).
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)


class StaffRecoveryCode(Base):
    """Single-use codes for a lost authenticator; only their SHA-256 is kept (80 random
    bits each, so a fast hash is sound)."""

    __tablename__ = "staff_recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"),
                                          index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    # Tokens carry 256 random bits, so a plain SHA-256 is a sound, fast lookup hash.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(32))
    scopes: Mapped[list[Any]]
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class AuditEntry(Base):
    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    # Unique previous hash: two entries can never claim the same predecessor (no fork).
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(80))
    target: Mapped[str] = mapped_column(String(200))
    payload_digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]


class AuditHead(Base):
    """The single row naming the last audit entry. Appends lock it (SELECT ... FOR UPDATE),
    and removing the newest entries without also rewriting it is detected by the verifier."""

    __tablename__ = "audit_head"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    entry_hash: Mapped[str] = mapped_column(String(64))


VOTER_STATES = ("none", "online", "checked_in", "voted_in_person")


class Voter(Base):
    """One line of the voter roll, with its eligibility decision."""

    __tablename__ = "voters"
    __table_args__ = (
        UniqueConstraint("election_id", "voter_number"),
        CheckConstraint("override IS NULL OR override IN ('include','exclude')",
                        name="override"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id", ondelete="CASCADE"))
    voter_number: Mapped[str] = mapped_column(String(32))
    last_name: Mapped[str] = mapped_column(String(200))
    first_names: Mapped[str] = mapped_column(String(200))
    birth_date: Mapped[date] = mapped_column(Date)
    address: Mapped[str] = mapped_column(String(300))
    postcode: Mapped[str] = mapped_column(String(10))
    district_key: Mapped[str | None] = mapped_column(String(64))
    # SHA-256 of the imported fields: a re-import compares it to tell updated from unchanged.
    row_digest: Mapped[str] = mapped_column(String(64))
    eligible: Mapped[bool] = mapped_column(Boolean, default=False)
    eligibility_reason: Mapped[str] = mapped_column(String(300), default="")
    questions: Mapped[list[Any]]
    override: Mapped[str | None] = mapped_column(String(8))
    override_reason: Mapped[str] = mapped_column(String(300), default="")
    # argon2id of the login token derived from the letter code; never the code itself.
    login_hash: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Credential(Base):
    """A public credential (a ristretto255 point, hex). The voter link is private to the
    server and dropped at purge; the list per question is public."""

    __tablename__ = "credentials"
    __table_args__ = (
        UniqueConstraint("election_id", "public_key"),
        CheckConstraint("status IN ('active','revoked')", name="status"),
        Index("uq_credentials_one_active_per_voter", "voter_id", unique=True,
              sqlite_where=text("status = 'active'"),
              postgresql_where=text("status = 'active'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id", ondelete="CASCADE"))
    voter_id: Mapped[int | None] = mapped_column(ForeignKey("voters.id", ondelete="SET NULL"))
    public_key: Mapped[str] = mapped_column(String(64))
    questions: Mapped[list[Any]]
    status: Mapped[str] = mapped_column(String(8), default="active")
    # The letter file that carries this credential's code (crash recovery of issuance).
    letter_batch: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # SHA-256 of the secret printed in the letter's check-in QR: a reissued letter's QR no
    # longer matches an active credential.
    checkin_hash: Mapped[str | None] = mapped_column(String(64))
    # A reissue: the public credential this one replaces, and the authority's signature of
    # that replacement (none on the one-machine path).
    replaces: Mapped[str | None] = mapped_column(String(64))
    reissue_signature: Mapped[str | None] = mapped_column(String(128))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]


class Participation(Base):
    """The one-person-one-vote register: one row per voter, changed only by conditional
    single-row UPDATEs (see domain/register.py)."""

    __tablename__ = "participation"
    __table_args__ = (
        CheckConstraint("state IN ('none','online','checked_in','voted_in_person')",
                        name="state"),
        CheckConstraint("(state IN ('checked_in','voted_in_person')) = "
                        "(checkin_point_id IS NOT NULL)", name="checkin_point"),
    )

    voter_id: Mapped[int] = mapped_column(ForeignKey("voters.id", ondelete="CASCADE"),
                                          primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id", ondelete="CASCADE"),
                                             index=True)
    state: Mapped[str] = mapped_column(String(16), default="none")
    online_ballots: Mapped[int] = mapped_column(Integer, default=0)
    last_online_at: Mapped[datetime | None]
    checkin_point_id: Mapped[int | None] = mapped_column(ForeignKey("polling_points.id"))
    checkin_at: Mapped[datetime | None]
    checkin_by: Mapped[str | None] = mapped_column(String(120))
    # The hash of the check-in's record event: the kiosk ballot names it.
    checkin_event: Mapped[str | None] = mapped_column(String(64))
    in_person_at: Mapped[datetime | None]


class LoginThrottle(Base):
    """Failed-login counters keyed by a hash of (election, voter number) or of an address.

    Keys exist for unknown voter numbers too, so locking reveals nothing about the roll.
    """

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    # None for staff logins, which belong to no election.
    election_id: Mapped[int | None] = mapped_column(
        ForeignKey("elections.id", ondelete="CASCADE"), index=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime]
    locked_until: Mapped[datetime | None]


class VoterSession(Base):
    __tablename__ = "voter_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    voter_id: Mapped[int] = mapped_column(ForeignKey("voters.id", ondelete="CASCADE"),
                                          index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class RecordEvent(Base):
    """One event of an election's public record (record/events.py), in canonical JSON.

    Appends hold the election row's lock; (election, prev_hash) is unique, so two events can
    never claim the same predecessor even if that lock were bypassed."""

    __tablename__ = "record_events"
    __table_args__ = (UniqueConstraint("election_id", "prev_hash"),
                      UniqueConstraint("election_id", "hash"))

    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id", ondelete="CASCADE"),
                                             primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(32))
    line: Mapped[str] = mapped_column(Text)


class SignedHeadRow(Base):
    """A head of the record signed by the service (on a receipt) or by a witness."""

    __tablename__ = "record_heads"

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id", ondelete="CASCADE"),
                                             index=True)
    height: Mapped[int] = mapped_column(Integer)
    line: Mapped[str] = mapped_column(Text)
    witness: Mapped[bool] = mapped_column(Boolean, default=False)


class BallotIndex(Base):
    """Cast ballots, for the chain rule and the board; the ballot itself is in its event.

    The unique (credential, question, channel, seq) makes two ballots with the same place
    in a chain impossible: of concurrent casts for one credential exactly one is stored."""

    __tablename__ = "ballots"
    __table_args__ = (
        UniqueConstraint("election_id", "tracker"),
        UniqueConstraint("election_id", "credential", "question", "channel", "seq"),
        UniqueConstraint("election_id", "ciphertexts"),
        CheckConstraint("channel IN ('online','kiosk')", name="channel"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id", ondelete="CASCADE"))
    tracker: Mapped[str] = mapped_column(String(64))
    credential: Mapped[str] = mapped_column(String(64))
    question: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(8))
    seq: Mapped[int] = mapped_column(Integer)
    # SHA-256 of the ciphertext encodings: a challenged encryption can never be cast.
    ciphertexts: Mapped[str] = mapped_column(String(64))
    event_seq: Mapped[int] = mapped_column(Integer)
    # The request that cast it (SHA-256 of its body): the same request again gets the same
    # receipt instead of an error.
    request_digest: Mapped[str] = mapped_column(String(64), index=True)


class SpoiledBallot(Base):
    __tablename__ = "spoiled_ballots"
    __table_args__ = (UniqueConstraint("election_id", "tracker"),
                      UniqueConstraint("election_id", "ciphertexts"))

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id", ondelete="CASCADE"))
    tracker: Mapped[str] = mapped_column(String(64))
    ciphertexts: Mapped[str] = mapped_column(String(64))
    event_seq: Mapped[int] = mapped_column(Integer)


class Kiosk(Base):
    """A polling-point kiosk and its Ed25519 device key (public part)."""

    __tablename__ = "kiosks"
    __table_args__ = (UniqueConstraint("election_id", "key"),
                      UniqueConstraint("election_id", "public_key"),
                      CheckConstraint("status IN ('active','revoked')", name="status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(200), default="")
    polling_point_id: Mapped[int] = mapped_column(ForeignKey("polling_points.id"))
    public_key: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(8), default="active")
    enrolled_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
