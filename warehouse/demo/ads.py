"""Demo ad exports (the mobile audience case) with their oracle, at any size.

Rows are generated in fixed blocks of BLOCK_ROWS, each from its own random stream
(seed, block number), so the data depend only on the seed and the export's
parameters, never on how the caller batches them. Everything is vectorised numpy.
The planted signal and the day-of-month artifact live in `warehouse.demo.signal`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa

from warehouse.demo.catalog import build_catalog
from warehouse.demo.sampling import GroupedSampler
from warehouse.demo.signal import N_SEGMENTS, SEGMENT_SHARES, build_world, export_dates
from warehouse.demo.writer import TableFileWriter, check_format, write_parts
from warehouse.progress import ROWS, Progress, Step, silent

log = logging.getLogger(__name__)

AD_EXPORT_COLUMNS = [
    "event_id", "Segment", "gamecategory", "subgamecategory", "bundle",
    "created", "shift", "oblast", "city", "os", "osv",
]  # fmt: skip
BLOCK_ROWS = 1 << 17
MISSING_SHIFT = 0.01
MISSING_CITY = 0.003
SHIFT_OFFSETS = range(-1, 10)
SHIFTS = ["MSK" if h == 0 else f"MSK{h:+d}" for h in SHIFT_OFFSETS]

_STRING_DICT = pa.dictionary(pa.int32(), pa.string())
EVENTS_SCHEMA = pa.schema(
    [("event_id", pa.int64()), ("Segment", pa.int8())]
    + [(name, _STRING_DICT) for name in ("gamecategory", "subgamecategory", "bundle")]
    + [("created", pa.timestamp("s"))]
    + [(name, _STRING_DICT) for name in ("shift", "oblast", "city", "os", "osv")]
)
ORACLE_SCHEMA = pa.schema(
    [("event_id", pa.int64()), ("true_segment", pa.int8())]
    + [(f"p_segment_{k}", pa.float32()) for k in range(1, N_SEGMENTS + 1)]
    + [(f"p_full_{k}", pa.float32()) for k in range(1, N_SEGMENTS + 1)]
)


class _AdModel:
    """Everything the block generator needs for one export window, prepared once."""

    def __init__(self, start: date, days: int):
        if days < 1:
            raise ValueError("days must be at least 1")
        self.world = world = build_world()
        self.catalog = catalog = build_catalog()
        dates = export_dates(start, days)
        self.log_date, self.log_weekday, self.weekday = world.date_tables(dates)
        self.day_seconds = (
            np.array(dates, dtype="datetime64[D]").astype("datetime64[s]").astype(np.int64)
        )
        self.prior_cdf = np.cumsum(SEGMENT_SHARES) / SEGMENT_SHARES.sum()
        self.bundles = GroupedSampler.rectangular(np.exp(world.log_bundle))
        self.hours = GroupedSampler.rectangular(np.exp(world.log_hour))
        self.dates = GroupedSampler.rectangular(np.exp(self.log_date))
        self.regions = GroupedSampler.rectangular(np.exp(world.log_region))
        self.cities = GroupedSampler(world.city_region, world.city_population)
        android, ios = catalog.os_versions["android"], catalog.os_versions["ios"]
        self.versions = GroupedSampler(
            np.repeat([0, 1], [len(android[0]), len(ios[0])]), np.concatenate([android[1], ios[1]])
        )
        self.n_bundles, self.n_hours, self.n_dates = len(catalog.bundles), 24, days
        self.n_regions = len(world.region_names)
        self.shift_index = world.region_offsets - SHIFT_OFFSETS.start
        sub = catalog.subcategory
        known = sub >= 0
        self.bundle_game = np.where(known, catalog.gamecategory_index[np.maximum(sub, 0)], -1)
        self.bundle_sub = np.where(known, catalog.subgamecategory_index[np.maximum(sub, 0)], -1)
        self.dicts = {
            "gamecategory": pa.array(catalog.gamecategories),
            "subgamecategory": pa.array(catalog.subgamecategories),
            "bundle": pa.array(catalog.bundles),
            "shift": pa.array(SHIFTS),
            "oblast": pa.array(world.region_names),
            "city": pa.array(world.city_names),
            "os": pa.array(["android", "ios"]),
            "osv": pa.array(android[0] + ios[0]),
        }

    def _column(self, name: str, index: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
        mask = index < 0 if missing is None else (index < 0) | missing
        indices = pa.array(index.astype(np.int32), mask=mask if mask.any() else None)
        return pa.DictionaryArray.from_arrays(indices, self.dicts[name])

    def block(
        self, seed: int, number: int, rows: int, unlabeled_share: float
    ) -> tuple[pa.Table, pa.Table]:
        """Rows number*BLOCK_ROWS + 1 ... + rows of the export, and their oracle."""
        rng = np.random.default_rng([seed, number])
        u = rng.random((10, rows))
        seg = np.searchsorted(self.prior_cdf, u[0], side="right").clip(0, N_SEGMENTS - 1)
        bundle = self.bundles.draw(seg, u[1]) - seg * self.n_bundles
        hour = self.hours.draw(seg, u[2]) - seg * self.n_hours
        day = self.dates.draw(seg, u[3]) - seg * self.n_dates
        region = self.regions.draw(seg, u[4]) - seg * self.n_regions
        ios = (u[5] < np.exp(self.world.log_os[seg, 1])).astype(np.int64)
        city = self.cities.draw(region, u[6])
        osv = self.versions.draw(ios, u[7])
        second = rng.integers(0, 3600, rows)
        local = self.day_seconds[day] + hour * 3600 + second
        created = local - self.world.region_offsets[region] * 3600
        labeled = u[8] >= unlabeled_share
        missing_shift = u[9] < MISSING_SHIFT
        missing_city = (u[9] >= MISSING_SHIFT) & (u[9] < MISSING_SHIFT + MISSING_CITY)

        first_id = number * BLOCK_ROWS + 1
        event_id = pa.array(np.arange(first_id, first_id + rows, dtype=np.int64))
        events = pa.Table.from_arrays(
            [
                event_id,
                pa.array((seg + 1).astype(np.int8), mask=~labeled),
                self._column("gamecategory", self.bundle_game[bundle]),
                self._column("subgamecategory", self.bundle_sub[bundle]),
                self._column("bundle", bundle),
                pa.array(created.astype("datetime64[s]")),
                self._column("shift", self.shift_index[region], missing_shift),
                self._column("oblast", region),
                self._column("city", city, missing_city),
                self._column("os", ios),
                self._column("osv", osv),
            ],
            schema=EVENTS_SCHEMA,
        )
        w = self.world
        common = (
            w.log_bundle.T[bundle] + w.log_hour.T[hour] + w.log_region.T[region] + w.log_os.T[ios]
        )
        honest = w.posterior(common, self.log_weekday.T[self.weekday[day]]).astype(np.float32)
        full = w.posterior(common, self.log_date.T[day]).astype(np.float32)
        oracle = pa.Table.from_arrays(
            [event_id, pa.array((seg + 1).astype(np.int8))]
            + [pa.array(honest[:, k]) for k in range(N_SEGMENTS)]
            + [pa.array(full[:, k]) for k in range(N_SEGMENTS)],
            schema=ORACLE_SCHEMA,
        )
        return events, oracle


def ad_event_batches(
    n_events: int,
    seed: int = 42,
    batch_rows: int = 1_000_000,
    start: date = date(2026, 9, 1),
    days: int = 45,
    unlabeled_share: float = 0.2,
) -> Iterator[tuple[pa.Table, pa.Table]]:
    """Yield (events, oracle) batches of at most batch_rows rows; event_id runs 1..n_events.

    events has AD_EXPORT_COLUMNS (string columns dictionary-encoded); oracle has
    event_id, true_segment, p_segment_1..5 (given the honest features: everything but
    the day of month) and p_full_1..5 (given all features, day of month included).
    """
    if n_events < 0 or batch_rows < 1:
        raise ValueError("n_events must be >= 0 and batch_rows >= 1")
    if not 0.0 <= unlabeled_share <= 1.0:
        raise ValueError("unlabeled_share must be between 0 and 1")
    model = _AdModel(start, days)
    cached: tuple[int, tuple[pa.Table, pa.Table]] | None = None
    for first in range(0, n_events, batch_rows):
        last = min(first + batch_rows, n_events)
        parts: list[tuple[pa.Table, pa.Table]] = []
        for number in range(first // BLOCK_ROWS, (last - 1) // BLOCK_ROWS + 1):
            if cached is None or cached[0] != number:
                # Always a whole block, so a small export is a prefix of a larger one.
                cached = (number, model.block(seed, number, BLOCK_ROWS, unlabeled_share))
            lo = max(first - number * BLOCK_ROWS, 0)
            hi = min(last - number * BLOCK_ROWS, BLOCK_ROWS)
            parts.append((cached[1][0].slice(lo, hi - lo), cached[1][1].slice(lo, hi - lo)))
        yield (
            pa.concat_tables([p[0] for p in parts]),
            pa.concat_tables([p[1] for p in parts]),
        )


def write_ad_events(
    out_dir: Path,
    n_events: int,
    seed: int = 42,
    fmt: str = "parquet",
    rows_per_file: int = 5_000_000,
    progress: Progress | None = None,
) -> tuple[list[Path], Path]:
    """Write an ad export as ad_events_NNNNN.<fmt> files, and its oracle as one Parquet file.

    The oracle goes to out_dir/oracle/ad_events_oracle.parquet, apart from the export,
    so that ingesting every file of out_dir never picks it up. `progress` hears the rows
    written, from 0 to n_events.
    """
    check_format(fmt)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    oracle_path = out_dir / "oracle" / "ad_events_oracle.parquet"
    batch_rows = min(rows_per_file, 1_000_000)
    report = progress or silent
    with TableFileWriter(oracle_path, ORACLE_SCHEMA, "parquet") as oracle_writer:

        def events() -> Iterator[pa.Table]:
            done = 0
            report(Step("ad events", done, n_events, ROWS))
            for batch, oracle in ad_event_batches(n_events, seed=seed, batch_rows=batch_rows):
                oracle_writer.write(oracle)
                yield batch
                done += batch.num_rows
                report(Step("ad events", done, n_events, ROWS))

        paths = write_parts(events(), out_dir, "ad_events", fmt, rows_per_file, EVENTS_SCHEMA)
    log.info("wrote %d ad events to %d %s files in %s", n_events, len(paths), fmt, out_dir)
    return paths, oracle_path
