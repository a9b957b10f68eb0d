"""What demo subscribers do: viewing sessions, app events and the messages they get.

Activity follows the latent engagement e(t) of `warehouse.demo.churn_sim`: sessions
and app events are Poisson with rate proportional to e(t), unfinished titles grow
more common and messages go unopened as e(t) falls, so activity fades before a
fading user churns. Times are seconds from the window start.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from warehouse.demo.churn_sim import Cycles, Users
from warehouse.demo.sampling import GroupedSampler, categorical, seconds_of_day

PLATFORMS = ["web", "android", "ios", "smart_tv"]
DEVICES = ["tv", "mobile", "web", "tablet"]
DEVICE_BY_PLATFORM = np.array([[0.05, 0.10, 0.80, 0.05], [0.15, 0.70, 0.05, 0.10], [0.15, 0.60, 0.05, 0.20], [0.85, 0.10, 0.03, 0.02]])  # fmt: skip
GENRES = ["drama", "comedy", "thriller", "action", "crime", "detective", "melodrama", "horror", "sci-fi", "fantasy", "animation", "kids", "documentary", "family"]  # fmt: skip
GENRE_SHARE = np.array([14, 14, 10, 9, 7, 7, 7, 5, 5, 5, 6, 5, 3, 3], dtype=float)
EVENT_TYPES = ["app_open", "search", "add_to_watchlist", "rate", "share"]
EVENT_SHARE = np.array([0.55, 0.20, 0.12, 0.10, 0.03])
CHANNELS = ["email", "push", "sms"]
CAMPAIGNS = [
    ["weekly_digest", "new_releases", "personal_picks", "promo_discount"],
    ["new_episode", "continue_watching", "new_releases"],
    ["promo_discount", "payment_reminder"],
]
TRIAL_ENDING = "trial_ending"
CAMPAIGN_NAMES = [TRIAL_ENDING] + sorted({name for names in CAMPAIGNS for name in names})
CAMPAIGN_INDEX = [np.array([CAMPAIGN_NAMES.index(name) for name in names]) for names in CAMPAIGNS]
# Every how many days each channel writes, and the hours it sends at.
CHANNEL_EVERY = np.array([14, 21, 60])
CHANNEL_HOURS = np.array([10, 18, 12])
OPEN_DELAY_MEAN = np.array([4 * 3600, 1800, 0])
CLICK_SHARE = np.array([0.3, 0.15, 0.1])
SESSIONS_PER_DAY = 0.35  # at engagement 1
APP_EVENTS_PER_DAY = 0.4
VIEW_HOURS = np.array([2, 1, 0.5, 0.3, 0.2, 0.2, 0.4, 0.8, 1, 1, 1, 1.2, 1.4, 1.4, 1.4, 1.6, 2, 2.6, 3.5, 4.6, 5.6, 6, 5, 3.4])  # fmt: skip
CATALOG_SEED = 30_2026
N_TITLES = 4000


@dataclass(frozen=True)
class Titles:
    """The cinema's catalogue: genre, length and popularity of each title."""

    content_id: np.ndarray
    genre: np.ndarray
    minutes: np.ndarray
    popularity: np.ndarray


@lru_cache(maxsize=1)
def titles() -> Titles:
    rng = np.random.default_rng(CATALOG_SEED)
    genre = categorical(GENRE_SHARE, rng.random(N_TITLES))
    series = rng.random(N_TITLES) < 0.45
    minutes = np.where(series, rng.integers(22, 61, N_TITLES), rng.integers(78, 171, N_TITLES))
    popularity = 1.0 / np.arange(1, N_TITLES + 1) ** 0.9
    return Titles(np.arange(100_001, 100_001 + N_TITLES), genre, minutes.astype(float), popularity)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _poisson_times(users: Users, cycles: Cycles, per_day: float, rng: np.random.Generator):
    """Events at rate per_day * e(t) over the active intervals: (user, time, log e)."""
    user, start = cycles.active_user, cycles.active_start
    length = (cycles.active_end - start).astype(float)
    drift = users.drift[user]
    log_e = users.log_engagement(user, start)
    small = np.abs(drift) < 1e-9
    safe = np.where(small, 1.0, drift)
    growth = np.where(small, length, np.expm1(drift * length) / safe)
    count = rng.poisson(per_day * np.exp(log_e) * growth)
    row = np.repeat(np.arange(len(user)), count)
    u = rng.random(len(row))
    # Inverse CDF of a density proportional to exp(drift * x) on [0, length).
    x = np.where(
        small[row], u * length[row], np.log1p(u * np.expm1(drift[row] * length[row])) / safe[row]
    )
    x = np.clip(x, 0.0, np.nextafter(length[row], 0))
    day = start[row] + np.floor(x).astype(np.int64)
    time = day * 86400 + seconds_of_day(VIEW_HOURS, rng, len(row))
    return user[row], time, log_e[row] + drift[row] * x


def viewing(users: Users, cycles: Cycles, rng: np.random.Generator) -> dict[str, np.ndarray]:
    user, time, log_e = _poisson_times(users, cycles, SESSIONS_PER_DAY, rng)
    catalogue = titles()
    title = categorical(catalogue.popularity, rng.random(len(user)))
    length = catalogue.minutes[title]
    unfinished = rng.random(len(user)) < _sigmoid(-0.6 - 1.2 * log_e)
    share = np.where(
        unfinished, rng.uniform(0.03, 0.85, len(user)), rng.uniform(0.93, 1.0, len(user))
    )
    device = GroupedSampler.rectangular(DEVICE_BY_PLATFORM).draw(
        users.platform[user], rng.random(len(user))
    )
    return {
        "user": user,
        "time": time,
        "content_id": catalogue.content_id[title],
        "genre": catalogue.genre[title],
        "duration_min": np.round(length * share, 1),
        "content_duration_min": length,
        "device": device - users.platform[user] * len(DEVICES),
    }


def app_events(users: Users, cycles: Cycles, rng: np.random.Generator) -> dict[str, np.ndarray]:
    user, time, _ = _poisson_times(users, cycles, APP_EVENTS_PER_DAY, rng)
    other = rng.random(len(user)) < 0.15
    platform = np.where(other, rng.integers(0, len(PLATFORMS), len(user)), users.platform[user])
    return {
        "user": user,
        "time": time,
        "platform": platform,
        "event_type": categorical(EVENT_SHARE, rng.random(len(user))),
    }


def communications(users: Users, rng: np.random.Generator, last_day: int) -> dict[str, np.ndarray]:
    """Periodic messages per channel from registration on, plus a trial-ending email."""
    n = len(users.user_id)
    parts = []
    for channel, every in enumerate(CHANNEL_EVERY):
        first = users.reg_day + 1 + rng.integers(0, every, n)
        if CHANNELS[channel] == "push":  # push needs the app: not for web-only users
            first = np.where(users.platform == PLATFORMS.index("web"), last_day + 1, first)
        count = np.where(first <= last_day, (last_day - first) // every + 1, 0)
        user = np.repeat(np.arange(n), count)
        k = np.arange(len(user)) - np.repeat(np.cumsum(count) - count, count)
        day = first[user] + k * every
        campaign = CAMPAIGN_INDEX[channel][rng.integers(0, len(CAMPAIGNS[channel]), len(user))]
        parts.append((user, day, np.full(len(user), channel), campaign))
    ending = np.flatnonzero(users.reg_day + 12 <= last_day)
    parts.append(
        (
            ending,
            users.reg_day[ending] + 12,
            np.zeros(len(ending), dtype=np.int64),
            np.full(len(ending), CAMPAIGN_NAMES.index(TRIAL_ENDING)),
        )
    )
    user, day, channel, campaign = (np.concatenate([p[i] for p in parts]) for i in range(4))

    m = len(user)
    sent = day * 86400 + CHANNEL_HOURS[channel] * 3600 + rng.integers(0, 2 * 3600, m)
    responsive = users.responsiveness[user, channel]
    log_e = users.log_engagement(user, day)
    p_open = _sigmoid(np.log(responsive / (1 - responsive)) + 0.7 * log_e)
    opened = rng.random(m) < p_open
    is_sms = channel == CHANNELS.index("sms")
    opened_at = sent + rng.exponential(1.0, m) * OPEN_DELAY_MEAN[channel] + 30
    clicked = opened & (rng.random(m) < CLICK_SHARE[channel] * (1 + 0.5 * np.tanh(log_e)))
    clicked_at = opened_at + rng.exponential(180.0, m) + 5
    # The export is cut at the end of the window: later opens and clicks are not known yet.
    window_end = (last_day + 1) * 86400
    opened &= opened_at < window_end
    clicked &= clicked_at < window_end
    return {
        "user": user,
        "time": sent,
        "channel": channel,
        "campaign": campaign,  # index into CAMPAIGN_NAMES
        "opened_at": np.where(opened & ~is_sms, opened_at.astype(np.int64), -1),
        "clicked_at": np.where(clicked, clicked_at.astype(np.int64), -1),
    }
