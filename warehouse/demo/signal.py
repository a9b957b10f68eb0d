"""The planted signal of the demo ad exports: what each audience segment prefers.

The generator is a naive Bayes model: draw the segment, then every feature
independently given the segment (bundle, local hour, date, region, OS). The true
posterior of the segment is therefore exact and cheap (`World.posterior`), which is
the oracle a trained model is measured against.

The date carries two effects. A weekday preference is real behaviour. A day-of-month
factor is not: it mimics an export assembled day-batch by day-batch, so the segment
mix jumps from one day of the month to the next. It is the planted leak that the
leakage guard must catch; the honest oracle marginalises the date over the weekday.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import numpy as np

from warehouse.demo.catalog import SUBCATEGORIES, build_catalog
from warehouse.reference import cities_table, regions_table

SIGNAL_SEED = 7_2026
SEGMENT_SHARES = np.array([0.02, 0.04, 0.31, 0.25, 0.38])
N_SEGMENTS = len(SEGMENT_SHARES)

# How strongly each segment departs from the average user, per feature (log scale).
# Tuned so that the honest oracle's one-vs-rest AUC lands near 0.75-0.88.
STRENGTH = np.array([0.7, 1.45, 0.75, 1.3, 2.0])
BUNDLE_NOISE = 0.45  # per-bundle taste on top of the category affinity
DOM_ARTIFACT = 2.0  # spread (log scale) of the day-of-month segment mix

# Category affinity per segment (one line each, segments 1..5): subgamecategory: log tilt.
_AFFINITY_TABLE = """
Beauty: 1.6; Word: 1.1; Casual: 0.8; Shopping: 1.0; Social: 0.6; Music: 0.5; Fitness: 0.8; Puzzle: 0.3; Strategy: -1.0; Action: -0.8; Racing: -1.0; Sports: -0.8
Sports: 1.6; Racing: 1.5; Strategy: 1.2; Action: 1.0; Card: 0.8; Casino: 1.0; Role Playing: 0.5; News: 0.5; Food & Drink: 0.4; Kids: -1.5; Parenting: -2.0; Beauty: -2.0; Word: -0.5; Pets: -0.5
Kids: 1.3; Parenting: 1.8; Puzzle: 0.5; Shopping: 0.5; Food & Drink: 0.5; Word: 0.3; Beauty: 0.3; Strategy: -0.8; Racing: -0.6; Action: -0.6; Casino: -0.8; Sports: -0.5
Pets: 1.8; Casual: 0.6; Simulation: 0.5; Arcade: 0.3; Video: 0.3; Parenting: -0.6; Kids: -0.4
Arcade: 0.4; Action: 0.4; Video: 0.4; Tools: 0.4; Social: 0.3; Role Playing: 0.3; Pets: -0.8; Parenting: -1.0; Kids: -0.8; Beauty: -0.5
"""
AFFINITY: list[dict[str, float]] = [
    {name.strip(): float(tilt) for name, tilt in (pair.split(":") for pair in line.split(";"))}
    for line in _AFFINITY_TABLE.strip().splitlines()
]
# Local hour: (centre, width in hours, log tilt) bumps per segment.
HOUR_BUMPS: list[list[tuple[float, float, float]]] = [
    [(21.5, 2.0, 0.6), (0.5, 1.5, 0.5), (7.5, 1.0, 0.2)],
    [(21.0, 2.5, 0.7), (12.5, 3.0, -0.4), (1.0, 1.5, 0.4)],
    [(13.0, 3.0, 0.5), (7.0, 1.0, 0.3), (23.0, 1.5, -0.4)],
    [(7.0, 1.2, 0.6), (18.0, 1.2, 0.4)],
    [(2.0, 2.0, 0.4), (16.0, 2.0, 0.15)],
]
AVERAGE_HOURS = np.log([0.9, 0.5, 0.3, 0.2, 0.2, 0.3, 0.6, 1.2, 1.8, 2.1, 2.2, 2.3, 2.5, 2.5, 2.4, 2.4, 2.5, 2.7, 3.0, 3.3, 3.6, 3.6, 3.0, 1.9])  # fmt: skip
# Weekday (Monday first) log tilt per segment.
WEEKDAYS = np.array([
    [0.0, 0.0, 0.0, 0.0, 0.05, 0.15, 0.15],
    [-0.1, -0.1, 0.0, 0.0, 0.35, 0.45, 0.2],
    [0.1, 0.1, 0.1, 0.1, 0.05, -0.2, -0.25],
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.15, 0.15],
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
])  # fmt: skip
IOS_SHARE = np.array([0.42, 0.20, 0.26, 0.24, 0.22])
# Region tilt: by federal district, by named region, and by salary (z-score).
DISTRICT_TILT: list[dict[str, float]] = [
    {},
    {"Уральский": 0.3, "Сибирский": 0.35, "Дальневосточный": 0.3, "Северо-Кавказский": -0.9},
    {"Северо-Кавказский": 0.6},
    {"Центральный": 0.15, "Северо-Западный": 0.2},
    {},
]
REGION_TILT: list[dict[str, float]] = [
    {"Москва": 0.5, "Санкт-Петербург": 0.4},
    {"Республика Татарстан": -0.2, "Республика Башкортостан": -0.2},
    {"Республика Тыва": 0.6, "Москва": -0.2},
    {},
    {},
]
SALARY_TILT = np.array([0.2, 0.1, -0.15, 0.05, 0.0])
REGION_NOISE = 0.15


@dataclass(frozen=True)
class World:
    """Log-probability tables of every feature given the segment (rows = segments)."""

    log_prior: np.ndarray  # (5,)
    log_bundle: np.ndarray  # (5, bundles)
    log_hour: np.ndarray  # (5, 24)
    log_region: np.ndarray  # (5, regions)
    log_os: np.ndarray  # (5, 2): android, ios
    weekday_weight: np.ndarray  # (5, 7), unnormalised
    dom_weight: np.ndarray  # (5, 32): index = day of month, 0 unused
    region_names: list[str]
    region_offsets: np.ndarray  # hours from Moscow per region
    region_population: np.ndarray
    city_names: list[str]
    city_region: np.ndarray  # region index per city (cities sorted by region)
    city_population: np.ndarray

    def date_tables(self, dates: list[date]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """log P(date | seg) (5, D), log P(weekday | seg) (5, 7), and the weekday of each date.

        P(date | seg) = P(weekday | seg) * P(date | weekday, seg): the weekday carries
        only the real weekday preference, and within a weekday the dates are weighted by
        the day-of-month artifact, so the artifact does not leak into the weekday.
        """
        weekday = np.array([d.weekday() for d in dates])
        artifact = self.dom_weight[:, [d.day for d in dates]]
        count = np.bincount(weekday, minlength=7).astype(float)
        p_weekday = self.weekday_weight * count
        p_weekday /= p_weekday.sum(axis=1, keepdims=True)
        per_weekday = np.stack([artifact[:, weekday == k].sum(axis=1) for k in range(7)], axis=1)
        p_date = p_weekday[:, weekday] * artifact / per_weekday[:, weekday]
        with np.errstate(divide="ignore"):
            return np.log(p_date), np.log(p_weekday), weekday

    def posterior(self, *log_likelihoods: np.ndarray) -> np.ndarray:
        """P(seg | features) from per-row (n, 5) log likelihoods, plus the prior."""
        total = self.log_prior + sum(log_likelihoods)
        total -= total.max(axis=1, keepdims=True)
        np.exp(total, out=total)
        total /= total.sum(axis=1, keepdims=True)
        return total


def _log_normalise(log_weight: np.ndarray) -> np.ndarray:
    log_weight = log_weight - log_weight.max(axis=-1, keepdims=True)
    return log_weight - np.log(np.exp(log_weight).sum(axis=-1, keepdims=True))


def _hour_tilt(bumps: list[tuple[float, float, float]]) -> np.ndarray:
    hours = np.arange(24) + 0.5
    tilt = np.zeros(24)
    for centre, width, size in bumps:
        distance = np.abs((hours - centre + 12) % 24 - 12)
        tilt += size * np.exp(-0.5 * (distance / width) ** 2)
    return tilt


@lru_cache(maxsize=1)
def build_world() -> World:
    """The planted preferences; fixed for all seeds, like the catalog."""
    rng = np.random.default_rng(SIGNAL_SEED)
    catalog = build_catalog()
    sub_names = [s[1] for s in SUBCATEGORIES]
    n_bundles = len(catalog.bundles)

    affinity = np.zeros((N_SEGMENTS, len(SUBCATEGORIES) + 1))  # last column: no category
    for k, tilts in enumerate(AFFINITY):
        for j, name in enumerate(sub_names):
            affinity[k, j] = tilts.get(name, 0.0)
    bundle_tilt = affinity[:, catalog.subcategory] + rng.normal(
        0, BUNDLE_NOISE, (N_SEGMENTS, n_bundles)
    )
    log_bundle = np.log(catalog.popularity) + STRENGTH[:, None] * bundle_tilt

    hour_tilt = np.array([_hour_tilt(b) for b in HOUR_BUMPS])
    log_hour = AVERAGE_HOURS + STRENGTH[:, None] * hour_tilt

    regions = regions_table()
    names = regions["region"].to_pylist()
    districts = regions["federal_district"].to_pylist()
    salary = np.log(regions["avg_salary_rub"].to_numpy().astype(float))
    salary_z = (salary - salary.mean()) / salary.std()
    population = regions["population"].to_numpy().astype(float)
    region_tilt = np.outer(SALARY_TILT, salary_z) + rng.normal(
        0, REGION_NOISE, (N_SEGMENTS, len(names))
    )
    for k in range(N_SEGMENTS):
        region_tilt[k] += [
            DISTRICT_TILT[k].get(d, 0.0) + REGION_TILT[k].get(r, 0.0)
            for r, d in zip(names, districts, strict=True)
        ]
    log_region = np.log(population) + STRENGTH[:, None] * region_tilt

    base_ios = float(SEGMENT_SHARES @ IOS_SHARE)
    ios_logit = np.log(base_ios / (1 - base_ios)) + STRENGTH * (
        np.log(IOS_SHARE / (1 - IOS_SHARE)) - np.log(base_ios / (1 - base_ios))
    )
    p_ios = 1 / (1 + np.exp(-ios_logit))
    log_os = np.log(np.stack([1 - p_ios, p_ios], axis=1))

    dom_weight = np.exp(DOM_ARTIFACT * rng.normal(0, 1, (N_SEGMENTS, 32)))
    dom_weight[:, 0] = 0.0

    cities = cities_table()
    city_region = np.array([names.index(r) for r in cities["region"].to_pylist()])
    order = np.argsort(city_region, kind="stable")
    return World(
        log_prior=np.log(SEGMENT_SHARES),
        log_bundle=_log_normalise(log_bundle),
        log_hour=_log_normalise(log_hour),
        log_region=_log_normalise(log_region),
        log_os=log_os,
        weekday_weight=np.exp(STRENGTH[:, None] * WEEKDAYS),
        dom_weight=dom_weight,
        region_names=names,
        region_offsets=regions["msk_offset_hours"].to_numpy().astype(np.int64),
        region_population=population,
        city_names=[cities["city"][int(i)].as_py() for i in order],
        city_region=city_region[order],
        city_population=cities["population"].to_numpy()[order].astype(float),
    )


def export_dates(start: date, days: int) -> list[date]:
    """The local dates an export covers: `days` days from `start`."""
    return [start + timedelta(days=i) for i in range(days)]
