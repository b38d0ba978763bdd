"""SQLAlchemy 2 typed models for the operation, its people, its video and the operation record.

Later issues fill the behaviour; the tables are shaped so that they can (sightings, taskings,
outcomes and exhibits exist from the first migration).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    true,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, validates

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# Row digests (console/chain.py) cover every column, except: a column added to a table after
# rows were digested is left out while it holds its default, so those rows verify unchanged
# after the upgrade (and any later change to it is covered); a derived column is left out.
DIGEST_SKIP_IF = "digest_skip_if"
NOT_DIGESTED = {"digested": False}


def added_later(default: object) -> dict[str, object]:
    return {DIGEST_SKIP_IF: default}


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC and always hands back aware UTC, identically on SQLite and PostgreSQL."""

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC time is required")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)

    # Tables whose rows the write path digests into the record; `verify` checks them.
    __record_tracked__ = True


class Operation(Base):
    __tablename__ = "operation"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    start_date: Mapped[date] = mapped_column(Date)
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/London")
    prescribed_area: Mapped[str] = mapped_column(Text, default="")
    lawful_basis: Mapped[str] = mapped_column(Text, default="")
    authorisation_ref: Mapped[str] = mapped_column(String(120), default="")
    night_starts_hour: Mapped[int] = mapped_column(Integer, default=18)
    # A unit dispatched, en route or on scene with no update for this long needs a welfare check.
    welfare_check_minutes: Mapped[int] = mapped_column(Integer, default=15, server_default="15", info=added_later(15))
    # Recording: segment length and how long footage is kept unless held as evidence.
    segment_seconds: Mapped[int] = mapped_column(Integer, default=60, server_default="60", info=added_later(60))
    video_retention_days: Mapped[int] = mapped_column(Integer, default=31, server_default="31", info=added_later(31))
    # Personal data in the record's rows (subjects' details, VRMs, keeper addresses, stills,
    # notes) is erased this many days after its last use unless held as evidence.
    record_retention_days: Mapped[int] = mapped_column(
        Integer, default=365, server_default="365", info=added_later(365)
    )

    tiers: Mapped[list[Tier]] = relationship(back_populates="operation", order_by="Tier.number")


class Tier(Base):
    __tablename__ = "tier"
    __table_args__ = (UniqueConstraint("operation_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    start_date: Mapped[date] = mapped_column(Date)

    operation: Mapped[Operation] = relationship(back_populates="tiers")


class Category(Base):
    """A sighting category of the operation (sex worker, kerb crawler, vehicle ...)."""

    __tablename__ = "category"
    __table_args__ = (UniqueConstraint("operation_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id"), index=True)
    key: Mapped[str] = mapped_column(String(60))
    label: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))  # person, vehicle, activity, environment
    subject_prefix: Mapped[str] = mapped_column(String(8), default="")


class Location(Base):
    """A street, camera view or zone; `in_prescribed_area` drives the operation's policies."""

    __tablename__ = "location"
    __table_args__ = (UniqueConstraint("operation_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id"), index=True)
    key: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(200))
    in_prescribed_area: Mapped[bool] = mapped_column(Boolean, default=False)


class Camera(Base):
    __tablename__ = "camera"
    __table_args__ = (UniqueConstraint("operation_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id"), index=True)
    key: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(200))
    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # rtsp, mjpeg, file, v4l2, demo
    main_url: Mapped[str] = mapped_column(Text)  # never holds credentials
    sub_url: Mapped[str] = mapped_column(Text, default="")
    recording: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # A camera taken out of use stays for the record's sake: its sightings and footage name it.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true(), info=added_later(True))


class CameraMask(Base):
    """A privacy mask: a polygon over a private place (a window, a garden) on one camera, in
    fractions of the picture's width and height so it fits every stream and tile size. The
    capture helper blacks it out before a frame leaves it; recordings keep the original."""

    __tablename__ = "camera_mask"
    id: Mapped[int] = mapped_column(primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("camera.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    points: Mapped[str] = mapped_column(Text)  # canonical JSON [[x, y], ...], each 0..1
    position: Mapped[int] = mapped_column(Integer, default=0)


class MaskLift(Base):
    """A supervisor lifting a camera's masks for a limited time, with a reason."""

    __tablename__ = "mask_lift"
    id: Mapped[int] = mapped_column(primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("camera.id"), index=True)
    lifted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lifted_by: Mapped[str] = mapped_column(String(60))
    reason: Mapped[str] = mapped_column(Text)
    until: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    restored_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    restored_by: Mapped[str] = mapped_column(String(60), default="")  # a login, or "" when it ran out


class CameraCredential(Base):
    """Camera log-in kept apart from the URL. Not digested into the record: a hash of a
    password in the record would be a guessable copy of it."""

    __tablename__ = "camera_credential"
    __record_tracked__ = False
    camera_id: Mapped[int] = mapped_column(ForeignKey("camera.id"), primary_key=True)
    username: Mapped[str] = mapped_column(String(200), default="")
    password: Mapped[str] = mapped_column(String(200), default="")


class Operator(Base):
    __tablename__ = "operator"
    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(60), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))  # controller, supervisor, auditor, administrator
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class OperatorSecret(Base):
    """Password hash and lock-out counters; not digested (see CameraCredential)."""

    __tablename__ = "operator_secret"
    __record_tracked__ = False
    operator_id: Mapped[int] = mapped_column(ForeignKey("operator.id"), primary_key=True)
    password_hash: Mapped[str] = mapped_column(Text, default="")
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)  # locked out after failures
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when the password was set


class Team(Base):
    __tablename__ = "team"
    __table_args__ = (UniqueConstraint("operation_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id"), index=True)
    key: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(120))


class Officer(Base):
    __tablename__ = "officer"
    __table_args__ = (UniqueConstraint("operation_id", "collar_number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id"), index=True)
    collar_number: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(120))
    special_constable: Mapped[bool] = mapped_column(Boolean, default=False)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("patrol_unit.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true(), info=added_later(True))


class PatrolUnit(Base):
    __tablename__ = "patrol_unit"
    __table_args__ = (UniqueConstraint("operation_id", "call_sign"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id"), index=True)
    call_sign: Mapped[str] = mapped_column(String(30))
    kind: Mapped[str] = mapped_column(String(20))  # plain_clothes, uniformed, other
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"), index=True)
    status: Mapped[str] = mapped_column(String(30), default="off_duty")
    status_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # An urgent-assistance call stays on the board until a controller acknowledges it.
    urgent_acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=added_later(None))
    urgent_acknowledged_by: Mapped[str] = mapped_column(String(60), default="", server_default="", info=added_later(""))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true(), info=added_later(True))


class Shift(Base):
    """A controller's night on the console: which teams were on duty, from when to when."""

    __tablename__ = "shift"
    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id"), index=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operator.id"), index=True)
    console_id: Mapped[str] = mapped_column(String(60))
    team_keys: Mapped[str] = mapped_column(String(200))  # comma-separated team keys
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LogNote(Base):
    """A free-text line in the log (radio log, controller's note)."""

    __tablename__ = "log_note"
    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id"), index=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operator.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("patrol_unit.id"), index=True)
    camera_id: Mapped[int | None] = mapped_column(ForeignKey("camera.id"), index=True)
    noted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    text: Mapped[str] = mapped_column(Text)


class Subject(Base):
    """A pseudonymous person profile (`SW-014`); special-category data lives apart."""

    __tablename__ = "subject"
    __table_args__ = (UniqueConstraint("operation_id", "reference"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id"), index=True)
    reference: Mapped[str] = mapped_column(String(20))
    category_key: Mapped[str] = mapped_column(String(60))
    description: Mapped[str] = mapped_column(Text, default="")
    age_band: Mapped[str] = mapped_column(String(20), default="")
    locality: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # When retention or an erasure request removed this row's personal data (the row stays, so
    # counts and the record's references hold).
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=added_later(None))


class SubjectSensitive(Base):
    """Special-category data: restricted, audited when read, never on the video wall."""

    __tablename__ = "subject_sensitive"
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"), primary_key=True)
    ethnicity: Mapped[str] = mapped_column(String(60), default="")
    health: Mapped[str] = mapped_column(Text, default="")
    dependency: Mapped[str] = mapped_column(Text, default="")
    vulnerability: Mapped[str] = mapped_column(Text, default="")


class Vehicle(Base):
    __tablename__ = "vehicle"
    __table_args__ = (UniqueConstraint("operation_id", "vrm"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id"), index=True)
    vrm: Mapped[str] = mapped_column(String(20))
    # The VRM without spaces, for fragment search; derived from vrm, so not digested.
    vrm_key: Mapped[str] = mapped_column(String(20), default="", server_default="", info=NOT_DIGESTED)
    foreign_format: Mapped[bool] = mapped_column(Boolean, default=False)
    make: Mapped[str] = mapped_column(String(60), default="")
    model: Mapped[str] = mapped_column(String(60), default="")
    colour: Mapped[str] = mapped_column(String(40), default="")
    # When retention or an erasure request removed this row's personal data (the row stays, so
    # counts and the record's references hold).
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=added_later(None))

    @validates("vrm")
    def _keep_vrm_key(self, _name: str, vrm: str) -> str:
        self.vrm_key = vrm.replace(" ", "").upper()
        return vrm


class Sighting(Base):
    __tablename__ = "sighting"
    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id"), index=True)
    category_key: Mapped[str] = mapped_column(String(60))
    captured_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    camera_id: Mapped[int | None] = mapped_column(ForeignKey("camera.id"), index=True)
    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id"), index=True)
    in_prescribed_area: Mapped[bool] = mapped_column(Boolean, default=False)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operator.id"), index=True)
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subject.id"), index=True)
    vehicle_id: Mapped[int | None] = mapped_column(ForeignKey("vehicle.id"), index=True)
    direction: Mapped[str] = mapped_column(String(40), default="")
    boxes: Mapped[str] = mapped_column(Text, default="[]")  # canonical JSON [[x, y, w, h], ...]
    notes: Mapped[str] = mapped_column(Text, default="")
    still_path: Mapped[str] = mapped_column(Text, default="")
    still_sha256: Mapped[str] = mapped_column(String(64), default="")
    clean_still_path: Mapped[str] = mapped_column(Text, default="")
    clean_still_sha256: Mapped[str] = mapped_column(String(64), default="")
    # When retention or an erasure request removed this row's personal data (the row stays, so
    # counts and the record's references hold).
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=added_later(None))


class Tasking(Base):
    __tablename__ = "tasking"
    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id"), index=True)
    sighting_id: Mapped[int | None] = mapped_column(ForeignKey("sighting.id"), index=True)
    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id"), index=True)
    instructions: Mapped[str] = mapped_column(Text, default="")
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TaskingUnit(Base):
    __tablename__ = "tasking_unit"
    id: Mapped[int] = mapped_column(primary_key=True)
    tasking_id: Mapped[int] = mapped_column(ForeignKey("tasking.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("patrol_unit.id"), index=True)
    role: Mapped[str] = mapped_column(String(20), default="primary")  # primary, backup
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class UnitStatusChange(Base):
    __tablename__ = "unit_status_change"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("patrol_unit.id"), index=True)
    tasking_id: Mapped[int | None] = mapped_column(ForeignKey("tasking.id"), index=True)
    from_status: Mapped[str] = mapped_column(String(30))
    to_status: Mapped[str] = mapped_column(String(30))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operator.id"), index=True)


class Outcome(Base):
    __tablename__ = "outcome"
    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id"), index=True)
    tasking_id: Mapped[int | None] = mapped_column(ForeignKey("tasking.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subject.id"), index=True)
    vehicle_id: Mapped[int | None] = mapped_column(ForeignKey("vehicle.id"), index=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    detail: Mapped[str] = mapped_column(Text, default="")


class Exhibit(Base):
    """An evidence package exported to a folder; its manifest's hash is in the record."""

    __tablename__ = "exhibit"
    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id"), index=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    camera_id: Mapped[int | None] = mapped_column(ForeignKey("camera.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text, default="")
    folder: Mapped[str] = mapped_column(Text, default="")
    manifest_sha256: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Camera keys of a several-camera exhibit, canonical JSON; camera_id is the first of them.
    cameras: Mapped[str] = mapped_column(Text, default="[]", server_default="[]", info=added_later("[]"))


class ExhibitHandover(Base):
    """One line of an exhibit's handling log: who received it from whom, when."""

    __tablename__ = "exhibit_handover"
    id: Mapped[int] = mapped_column(primary_key=True)
    exhibit_id: Mapped[int] = mapped_column(ForeignKey("exhibit.id"), index=True)
    handed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    from_name: Mapped[str] = mapped_column(String(120))
    to_name: Mapped[str] = mapped_column(String(120))
    note: Mapped[str] = mapped_column(Text, default="")


class RecordingSegment(Base):
    """A file of one camera's encoded stream, copied without re-encoding; the time index.

    Not digested into the record row by row (a row a minute per camera): a segment's SHA-256,
    taken when it closed, is carried by the exports made from it and re-checked before each."""

    __tablename__ = "recording_segment"
    __record_tracked__ = False
    id: Mapped[int] = mapped_column(primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("camera.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    path: Mapped[str] = mapped_column(Text, unique=True)  # relative to the recordings folder
    bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    packets: Mapped[int] = mapped_column(Integer, default=0)
    sha256: Mapped[str] = mapped_column(String(64), default="")  # empty while the file is open
    codec: Mapped[str] = mapped_column(String(20), default="")
    recorder: Mapped[str] = mapped_column(String(60), default="")  # console id of the recording machine
    state: Mapped[str] = mapped_column(String(10), default="open")  # open, closed, purged


class RecordingGap(Base):
    """A span a camera with recording on was not recorded (stream lost, recorder stopped)."""

    __tablename__ = "recording_gap"
    id: Mapped[int] = mapped_column(primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("camera.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text, default="")


class EvidenceHold(Base):
    """Footage of a camera over a span that retention and the disk limit must not purge."""

    __tablename__ = "evidence_hold"
    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id"), index=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("camera.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text)
    exhibit_id: Mapped[int | None] = mapped_column(ForeignKey("exhibit.id"), index=True)
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    placed_by: Mapped[str] = mapped_column(String(60))
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    released_by: Mapped[str] = mapped_column(String(60), default="")
    release_reason: Mapped[str] = mapped_column(Text, default="")


class LetterTemplate(Base):
    """A version of the operation's warning-letter template; edits are new versions."""

    __tablename__ = "letter_template"
    __table_args__ = (UniqueConstraint("operation_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(60))


class BlockedWord(Base):
    """A word no warning letter may contain (matched as a whole word)."""

    __tablename__ = "blocked_word"
    __table_args__ = (UniqueConstraint("operation_id", "word"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id"), index=True)
    word: Mapped[str] = mapped_column(String(60))


class WarningLetter(Base):
    """A letter to a vehicle's registered keeper. The keeper's name and address are typed from
    the vehicle check (the console never looks them up) and are personal data: kept here, not
    in the record."""

    __tablename__ = "warning_letter"
    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id"), index=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicle.id"), index=True)
    sighting_id: Mapped[int] = mapped_column(ForeignKey("sighting.id"), index=True)
    outcome_id: Mapped[int] = mapped_column(ForeignKey("outcome.id"), index=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("letter_template.id"), index=True)
    keeper_name: Mapped[str] = mapped_column(String(120))
    keeper_address: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    prepared_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    prepared_by: Mapped[str] = mapped_column(String(60))
    override_reason: Mapped[str] = mapped_column(Text, default="")
    printed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When retention or an erasure request removed this row's personal data (the row stays, so
    # counts and the record's references hold).
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=added_later(None))


class CommunityReport(Base):
    """A community complaint (a call, an e-mail, a meeting ...) or a community tension note
    typed in by a controller. The text may name people: personal data, kept here, not in the
    record."""

    __tablename__ = "community_report"
    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # complaint, tension
    source: Mapped[str] = mapped_column(String(30), default="")  # call, email, meeting, patrol, ...
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id"), index=True)
    place: Mapped[str] = mapped_column(String(200), default="")  # where, when not a known location
    text: Mapped[str] = mapped_column(Text)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operator.id"), index=True)
    # When retention or an erasure request removed this row's personal data (the row stays, so
    # counts and the record's references hold).
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=added_later(None))


class SupportOrder(Base):
    """An Engagement and Support Order for a subject: applied for, made by the court, sessions
    attended, completed (or ended otherwise)."""

    __tablename__ = "support_order"
    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"), index=True)
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    made_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sessions_required: Mapped[int] = mapped_column(Integer, default=3)
    sessions_attended: Mapped[int] = mapped_column(Integer, default=0)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ending: Mapped[str] = mapped_column(String(20), default="")  # completed, refused, breached, withdrawn
    notes: Mapped[str] = mapped_column(Text, default="")


class PartnerAction(Base):
    """An environmental finding (litter, lighting, a place needing a camera, an open alley)
    turned into an action for a partner, with an owner and a due date, reviewed fortnightly."""

    __tablename__ = "partner_action"
    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id"), index=True)
    finding: Mapped[str] = mapped_column(Text)
    sighting_id: Mapped[int | None] = mapped_column(ForeignKey("sighting.id"), index=True)
    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id"), index=True)
    partner: Mapped[str] = mapped_column(String(120))
    owner: Mapped[str] = mapped_column(String(120))
    due_on: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open, in_progress, done, cancelled
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PartnerActionReview(Base):
    """One review of a partner action (at the fortnightly meeting or between): status and note."""

    __tablename__ = "partner_action_review"
    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("partner_action.id"), index=True)
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reviewed_by: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(20))
    due_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")


class SavedView(Base):
    """An operator's named wall layout. Not digested: a screen preference, not a domain action."""

    __tablename__ = "saved_view"
    __table_args__ = (UniqueConstraint("operation_id", "operator_id", "name"),)
    __record_tracked__ = False
    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id"), index=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operator.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    layout: Mapped[str] = mapped_column(String(20))  # 1, 2x2, 3x3, 4x4, 1+5, 1+7
    tiles: Mapped[str] = mapped_column(Text)  # canonical JSON: camera key or null per tile position
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RecordEntry(Base):
    """One link of the append-only operation record (hash chain). Never updated or deleted."""

    __tablename__ = "record_entry"
    __record_tracked__ = False
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    action_id: Mapped[str] = mapped_column(String(64), unique=True)
    operation_id: Mapped[int | None] = mapped_column(ForeignKey("operation.id"), index=True)
    event_time: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    append_time: Mapped[datetime] = mapped_column(UTCDateTime)
    operator: Mapped[str] = mapped_column(String(60))
    console_id: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(60), index=True)
    ref_type: Mapped[str] = mapped_column(String(40), default="")
    ref_id: Mapped[str] = mapped_column(String(60), default="")
    corrects_seq: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[str] = mapped_column(Text, default="{}")  # canonical JSON, hashed as stored
    rows: Mapped[str] = mapped_column(Text, default="[]")  # canonical JSON of row digests
    rows_digest: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class RecordRow(Base):
    """Which entry wrote which domain row: the entries' row lists, indexed, so that a report's
    figure can open exactly the entries behind it. Derived from ``record_entry.rows``."""

    __tablename__ = "record_row"
    __record_tracked__ = False
    # No foreign key: an index beside the append-only record, never a constraint on it.
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    table: Mapped[str] = mapped_column(String(40), primary_key=True)
    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    __table_args__ = (Index("ix_record_row_table_key", "table", "key"),)


def tracked_tables() -> dict[str, Any]:
    """Mapped classes whose rows are digested into the record, by table name."""
    found: dict[str, Any] = {}
    for mapper in Base.registry.mappers:
        cls = mapper.class_
        if getattr(cls, "__record_tracked__", True):
            found[cls.__tablename__] = cls
    return found


__all__ = [
    "Base",
    "BlockedWord",
    "Camera",
    "CameraCredential",
    "CameraMask",
    "Category",
    "CommunityReport",
    "EvidenceHold",
    "Exhibit",
    "ExhibitHandover",
    "LetterTemplate",
    "Location",
    "LogNote",
    "MaskLift",
    "Officer",
    "Operation",
    "Operator",
    "OperatorSecret",
    "Outcome",
    "PartnerAction",
    "PartnerActionReview",
    "PatrolUnit",
    "RecordEntry",
    "RecordRow",
    "RecordingGap",
    "RecordingSegment",
    "SavedView",
    "Shift",
    "Sighting",
    "Subject",
    "SubjectSensitive",
    "SupportOrder",
    "Tasking",
    "TaskingUnit",
    "Tier",
    "UnitStatusChange",
    "Vehicle",
    "WarningLetter",
    "tracked_tables",
]
