"""Which columns of the segment frame the model may use, and how each is treated."""

from __future__ import annotations

CLASSES = (1, 2, 3, 4, 5)
TARGET = "segment"
ID = "event_id"

# Categorical columns, target-encoded per class (or handed to CatBoost as they are).
CATEGORICAL = (
    "os",
    "os_major",
    "gamecategory",
    "subgamecategory",
    "oblast",
    "city",
    "bundle",
    "bundle_vendor",
    "part_of_day",
)
# Rare values shrink towards their parent's segment mix: the hierarchy of the data.
PARENTS = {
    "bundle": "subgamecategory",
    "subgamecategory": "gamecategory",
    "bundle_vendor": "gamecategory",
    "city": "oblast",
    "os_major": "os",
}
NUMERIC = (
    "local_hour",
    "local_weekday",
    "is_weekend",
    "shift_missing",
    "offset_hours",
    "region_msk_offset",
    "region_population",
    "region_salary_rank",
    "bundle_token_count",
    "bundle_dots",
    "bundle_capitals",
    "bundle_digits",
    "bundle_length",
    "day_of_month",
)
# Share of training-period events with the same value (segment_frequencies.sql).
FREQUENCY = ("bundle", "city", "os_major", "gamecategory")
TEXT = "bundle_token_text"

# Candidates that the leakage guard judges like any other; day of month is the known
# export artifact, offered on purpose so that the guard has to catch it.
CANDIDATES = (*CATEGORICAL, *NUMERIC, TEXT)


def frequency_name(column: str) -> str:
    return f"freq_{column}"
