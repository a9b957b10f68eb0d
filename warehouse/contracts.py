"""Data contracts: the named table shapes that exports are mapped onto.

A contract is defined once here and used by ingestion (validation and casting),
by the docs, and by the tests, which check that the `raw` DDL matches it.
Column comments live in the migrations (`COMMENT ON`), so the database is the
data dictionary.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Columns that ingestion adds to every raw table, for lineage.
LINEAGE_COLUMNS = ("load_id", "source_line")


@dataclass(frozen=True)
class Column:
    """One contract column: its DuckDB type and what values it accepts."""

    name: str
    type: str
    required: bool = False
    allowed: tuple[str, ...] | None = None  # accepted values, compared case-insensitively
    pattern: str | None = None  # regular expression the raw text must match
    minimum: float | None = None
    maximum: float | None = None
    generated: bool = False  # filled by ingestion when the export lacks it


@dataclass(frozen=True)
class Contract:
    """A named table shape in the `raw` schema."""

    name: str
    table: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = field(default_factory=tuple)
    description: str = ""

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required and not c.generated]

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"contract {self.name!r} has no column {name!r}")


SHIFT_PATTERN = r"^MSK([+-][0-9]{1,2})?$"
PLATFORMS = ("web", "android", "ios", "smart_tv")

AD_EVENTS = Contract(
    name="ad_events",
    table="raw.ad_events",
    description="One row per mobile ad request, labeled with a segment or not.",
    key=("event_id",),
    columns=(
        Column("event_id", "BIGINT", required=True, generated=True, minimum=0),
        Column("segment", "TINYINT", minimum=1, maximum=5),
        Column("gamecategory", "VARCHAR"),
        Column("subgamecategory", "VARCHAR"),
        Column("bundle", "VARCHAR", required=True),
        Column("created", "TIMESTAMP", required=True),
        Column("shift", "VARCHAR", pattern=SHIFT_PATTERN),
        Column("oblast", "VARCHAR"),
        Column("city", "VARCHAR"),
        Column("os", "VARCHAR", allowed=("android", "ios")),
        Column("osv", "VARCHAR"),
    ),
)

USERS = Contract(
    name="users",
    table="raw.users",
    description="Subscribers of the service.",
    key=("user_id",),
    columns=(
        Column("user_id", "BIGINT", required=True, minimum=0),
        Column("registered_at", "TIMESTAMP", required=True),
        Column("platform", "VARCHAR", allowed=PLATFORMS),
        Column("region", "VARCHAR"),
    ),
)

BILLING = Contract(
    name="billing",
    table="raw.billing",
    description="Payments, each paying for one subscription period.",
    key=("payment_id",),
    columns=(
        Column("payment_id", "BIGINT", required=True, minimum=0),
        Column("user_id", "BIGINT", required=True, minimum=0),
        Column("paid_at", "TIMESTAMP", required=True),
        Column("period_start", "DATE", required=True),
        Column("period_end", "DATE", required=True),
        Column("amount", "DECIMAL(10,2)", required=True, minimum=0),
        Column("plan", "VARCHAR", required=True, allowed=("trial", "basic", "standard", "premium")),
        Column("is_trial", "BOOLEAN", required=True),
        Column("status", "VARCHAR", required=True, allowed=("success", "failed", "refunded")),
    ),
)

VIEWING = Contract(
    name="viewing",
    table="raw.viewing",
    description="Viewing sessions.",
    key=("session_id",),
    columns=(
        Column("session_id", "BIGINT", required=True, minimum=0),
        Column("user_id", "BIGINT", required=True, minimum=0),
        Column("started_at", "TIMESTAMP", required=True),
        Column("content_id", "BIGINT", required=True),
        Column("genre", "VARCHAR"),
        Column("duration_min", "DOUBLE", required=True, minimum=0),
        Column("content_duration_min", "DOUBLE", minimum=0),
        Column("device", "VARCHAR", allowed=("tv", "mobile", "web", "tablet")),
    ),
)

APP_EVENTS = Contract(
    name="app_events",
    table="raw.app_events",
    description="Web and mobile app events.",
    key=("event_id",),
    columns=(
        Column("event_id", "BIGINT", required=True, minimum=0),
        Column("user_id", "BIGINT", required=True, minimum=0),
        Column("event_time", "TIMESTAMP", required=True),
        Column("platform", "VARCHAR", required=True, allowed=PLATFORMS),
        Column("event_type", "VARCHAR", required=True),
    ),
)

COMMUNICATIONS = Contract(
    name="communications",
    table="raw.communications",
    description="Marketing messages sent to subscribers and their response.",
    key=("message_id",),
    columns=(
        Column("message_id", "BIGINT", required=True, minimum=0),
        Column("user_id", "BIGINT", required=True, minimum=0),
        Column("channel", "VARCHAR", required=True, allowed=("email", "push", "sms")),
        Column("campaign", "VARCHAR"),
        Column("sent_at", "TIMESTAMP", required=True),
        Column("opened_at", "TIMESTAMP"),
        Column("clicked_at", "TIMESTAMP"),
    ),
)

CONTRACTS: dict[str, Contract] = {
    c.name: c for c in (AD_EVENTS, USERS, BILLING, VIEWING, APP_EVENTS, COMMUNICATIONS)
}


def get_contract(name: str) -> Contract:
    """Return the contract called `name`, or raise a ValueError listing the known ones."""
    try:
        return CONTRACTS[name]
    except KeyError:
        known = ", ".join(sorted(CONTRACTS))
        raise ValueError(f"unknown contract {name!r}; known contracts: {known}") from None
