"""What demo subscribers do: viewing sessions, app events and the messages they get.

Activity follows the latent engagement e(t) of `warehouse.demo.churn_sim`: sessions
and app events are Poisson with rate proportional to e(t), unfinished titles grow
more common and messages go unopened as e(t) falls, so activity fades before a
fading user churns. A new subscriber explores the catalogue: on top of that rate comes
a burst that starts at sign-up and decays within days (NOVELTY), so a trial shows how
engaged its user is from the first days, as real trials do. Users who link a card at
sign-up leave a `link_card` app event, and everyone gets a welcome email. Times are
seconds from the window start.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from warehouse.demo.churn_sim import Cycles, Users
from warehouse.demo.sampling import AliasSampler, GroupedSampler, categorical

PLATFORMS = ["web", "android", "ios", "smart_tv"]
DEVICES = ["tv", "mobile", "web", "tablet"]
DEVICE_BY_PLATFORM = np.array([[0.05, 0.10, 0.80, 0.05], [0.15, 0.70, 0.05, 0.10], [0.15, 0.60, 0.05, 0.20], [0.85, 0.10, 0.03, 0.02]])  # fmt: skip
GENRES = ["drama", "comedy", "thriller", "action", "crime", "detective", "melodrama", "horror", "sci-fi", "fantasy", "animation", "kids", "documentary", "family"]  # fmt: skip
GENRE_SHARE = np.array([14, 14, 10, 9, 7, 7, 7, 5, 5, 5, 6, 5, 3, 3], dtype=float)
EVENT_TYPES = ["app_open", "search", "add_to_watchlist", "rate", "share", "link_card"]
EVENT_SHARE = np.array([0.55, 0.20, 0.12, 0.10, 0.03, 0.0])  # link_card: at sign-up only
LINK_CARD = EVENT_TYPES.index("link_card")
CHANNELS = ["email", "push", "sms"]
CAMPAIGNS = [
    ["weekly_digest", "new_releases", "personal_picks", "promo_discount"],
    ["new_episode", "continue_watching", "new_releases"],
    ["promo_discount", "payment_reminder"],
]
TRIAL_ENDING = "trial_ending"
WELCOME = "welcome"
CAMPAIGN_NAMES = [TRIAL_ENDING, WELCOME] + sorted({name for names in CAMPAIGNS for name in names})
CAMPAIGN_INDEX = [np.array([CAMPAIGN_NAMES.index(name) for name in names]) for names in CAMPAIGNS]
# Every how many days each channel writes, and the hours it sends at.
CHANNEL_EVERY = np.array([14, 21, 60])
CHANNEL_HOURS = np.array([10, 18, 12])
OPEN_DELAY_MEAN = np.array([4 * 3600, 1800, 0])
CLICK_SHARE = np.array([0.3, 0.15, 0.1])
SESSIONS_PER_DAY = 0.35  # at engagement 1
APP_EVENTS_PER_DAY = 0.4
# The sign-up burst: the rate is multiplied by 1 + NOVELTY * exp(-days since sign-up / NOVELTY_DAYS).
NOVELTY = 12
NOVELTY_DAYS = 3
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


def _exponential_times(
    length: np.ndarray, log_rate: np.ndarray, slope: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Poisson events at rate exp(log_rate + slope * x) per day, x in [0, length) days from
    the start of each interval: (interval row, x) of every event."""
    small = np.abs(slope) < 1e-9
    safe = np.where(small, 1.0, slope)
    spread = np.expm1(slope * length)
    count = rng.poisson(np.exp(log_rate) * np.where(small, length, spread / safe))
    row = np.repeat(np.arange(len(length)), count)
    u = rng.random(len(row))
    # Inverse CDF of a density proportional to exp(slope * x) on [0, length).
    x = np.log1p(u * spread[row]) / safe[row]
    if small.any():
        flat = np.flatnonzero(small[row])
        x[flat] = u[flat] * length[row[flat]]
    return row, np.minimum(x, np.nextafter(length, 0)[row])


def _poisson_times(
    users: Users, cycles: Cycles, per_day: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Events at rate per_day * e(t) * (1 + sign-up burst) over the active intervals:
    (active interval row, user, time, days from the interval start) of every event."""
    user, start = cycles.active_user, cycles.active_start
    length = (cycles.active_end - start).astype(float)
    drift = users.drift[user]
    log_e = users.log_engagement(user, start)
    base_row, base_x = _exponential_times(length, np.log(per_day) + log_e, drift, rng)
    # The burst is a second process whose rate decays by exp(-age / NOVELTY_DAYS); only
    # intervals that start within a few decay times of sign-up can hold any of it.
    age = (start - users.reg_day[user]).astype(float)
    young = np.flatnonzero(age < 8 * NOVELTY_DAYS)
    burst_row, burst_x = _exponential_times(
        length[young],
        np.log(per_day * NOVELTY) + log_e[young] - age[young] / NOVELTY_DAYS,
        drift[young] - 1.0 / NOVELTY_DAYS,
        rng,
    )
    row = np.concatenate([base_row, young[burst_row]])
    x = np.concatenate([base_x, burst_x])
    time = (start[row] + x.astype(np.int64)) * 86400 + _seconds_of_day(rng, len(row))
    # Nobody watches before signing up: an event drawn earlier on the sign-up day moves
    # into the first hours after it.
    first_day = np.flatnonzero(x < 1.0)
    first_day = first_day[age[row[first_day]] == 0]
    who = user[row[first_day]]
    early = time[first_day] < users.reg_day[who] * 86400 + users.reg_second[who]
    time[first_day[early]] = _after_sign_up(users, who[early], 3 * 3600, rng)
    return row, user[row], time, x


def _after_sign_up(
    users: Users, who: np.ndarray, within: int, rng: np.random.Generator
) -> np.ndarray:
    """A time up to `within` seconds after each user's sign-up, on the sign-up day."""
    left = 86400 - users.reg_second[who]  # seconds from sign-up to midnight, at least 1
    delay = (rng.random(len(who)) * np.minimum(within, left)).astype(np.int64)
    return users.reg_day[who] * 86400 + users.reg_second[who] + delay


@lru_cache(maxsize=1)
def _samplers() -> tuple[AliasSampler, AliasSampler]:
    """Hours of the day and titles by popularity: drawn for every event, so by alias tables."""
    return AliasSampler(VIEW_HOURS), AliasSampler(titles().popularity)


def _seconds_of_day(rng: np.random.Generator, n: int) -> np.ndarray:
    return _samplers()[0].draw(rng.random(n)) * 3600 + rng.integers(0, 3600, n)


def viewing(users: Users, cycles: Cycles, rng: np.random.Generator) -> dict[str, np.ndarray]:
    row, user, time, x = _poisson_times(users, cycles, SESSIONS_PER_DAY, rng)
    log_e = (
        users.log_engagement(cycles.active_user, cycles.active_start)[row] + users.drift[user] * x
    )
    catalogue = titles()
    title = _samplers()[1].draw(rng.random(len(user)))
    length = catalogue.minutes[title]
    unfinished = rng.random(len(user)) < _sigmoid(-0.6 - 1.2 * log_e)
    share = np.where(
        unfinished, rng.uniform(0.03, 0.85, len(user)), rng.uniform(0.93, 1.0, len(user))
    )
    platform = users.platform[user]
    device = GroupedSampler.rectangular(DEVICE_BY_PLATFORM).draw(platform, rng.random(len(user)))
    return {
        "user": user,
        "time": time,
        "content_id": catalogue.content_id[title],
        "genre": catalogue.genre[title],
        "duration_min": np.round(length * share, 1),
        "content_duration_min": length,
        "device": device - platform * len(DEVICES),
    }


def app_events(users: Users, cycles: Cycles, rng: np.random.Generator) -> dict[str, np.ndarray]:
    # Card links happen in the sign-up flow, minutes after registering, on its platform.
    linked = np.flatnonzero(users.card_linked)
    link_time = _after_sign_up(users, linked, 20 * 60, rng)
    _, user, time, _ = _poisson_times(users, cycles, APP_EVENTS_PER_DAY, rng)
    user = np.concatenate([user, linked])
    n = len(user)
    other = rng.random(n) < 0.15
    platform = np.where(other, rng.integers(0, len(PLATFORMS), n), users.platform[user])
    event_type = categorical(EVENT_SHARE, rng.random(n))
    event_type[len(user) - len(linked) :] = LINK_CARD
    platform[len(user) - len(linked) :] = users.platform[linked]
    return {
        "user": user,
        "time": np.concatenate([time, link_time]),
        "platform": platform,
        "event_type": event_type,
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
    everyone = np.arange(n)
    parts.append(
        (
            everyone,
            users.reg_day,
            np.zeros(n, dtype=np.int64),
            np.full(n, CAMPAIGN_NAMES.index(WELCOME)),
        )
    )
    user, day, channel, campaign = (np.concatenate([p[i] for p in parts]) for i in range(4))

    m = len(user)
    sent = day * 86400 + CHANNEL_HOURS[channel] * 3600 + rng.integers(0, 2 * 3600, m)
    # The welcome email goes out minutes after sign-up, not at the channel's hour.
    welcome = campaign == CAMPAIGN_NAMES.index(WELCOME)
    sent[welcome] = _after_sign_up(users, user[welcome], 10 * 60, rng)
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
