"""Subscription life cycles of the demo online cinema: trials, renewals, churn, returns.

Each user has a latent engagement e(t) = e0 * exp(drift * t), t in days since
registration (fading users have a negative drift), and a card risk c. Some users link a
payment card when they sign up (engaged ones more often); their trial renews by itself
unless cancelled, so it converts far more often, as opt-out trials do, while a user
without a card has to come back and pay. At the end of every period the user continues
with probability p_continue, from the engagement in the middle of the period, the plan,
the card (linked, risk), and the history so far: loyalty grows with every paid period,
and a user who lapsed and came back lapses more easily. Everything but e and c shows in
the exports (billing, the `link_card` app event), and e shows through the activity of
`warehouse.demo.activity`, from the first days on. A user who does not continue pays
again within GRACE_DAYS with probability GRACE_RETURN, so the true probability of churn
at a period end is (1 - p_continue) * (1 - GRACE_RETURN): the oracle. All users of a
chunk move through their periods together, vectorised.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TRIAL_DAYS = 14
PAID_DAYS = 30
PLANS = ["trial", "basic", "standard", "premium"]  # index = plan code
PRICES = np.array([0, 299, 499, 799])
GRACE_DAYS = 2
GRACE_RETURN = 0.1  # q: a lapsed user pays again within GRACE_DAYS
LATER_RETURN = 0.2  # of the others, share who come back 10-120 days later
LATER_RETURN_DAYS = (10, 120)

# p_continue = sigmoid(INTERCEPT[plan] + SLOPE[plan] * log e(period middle)
#                      + TENURE_WEIGHT * log(1 + paid periods before) - RETURN_WEIGHT * lapses
#                      + CARD_LINKED_WEIGHT[plan] * card_linked - CARD_RISK_WEIGHT[plan] * c)
INTERCEPT = np.array([-1.4, 2.0, 2.15, 2.25])
SLOPE = np.array([2.0, 1.3, 1.3, 1.3])
CARD_LINKED_WEIGHT = np.array([2.6, 0.0, 0.0, 0.0])  # only the trial's renewal is opt-out
# A trial's end is the user's decision: no charge has been tried on the card yet, and a
# declined conversion is retried until it succeeds. Paid renewals lapse on bad cards.
CARD_RISK_WEIGHT = np.array([0.0, 2.5, 2.5, 2.5])
# Loyalty grows with every paid period; a user who lapsed and came back lapses more easily.
TENURE_WEIGHT = 0.8
RETURN_WEIGHT = 0.6
# P(card linked at sign-up) = sigmoid(CARD_LINK_INTERCEPT + CARD_LINK_SLOPE * log e0)
CARD_LINK_INTERCEPT = -0.4
CARD_LINK_SLOPE = 1.2


@dataclass
class Users:
    """Latent and observed attributes of one chunk of users (arrays of equal length)."""

    user_id: np.ndarray
    reg_day: np.ndarray  # day number from the window start
    reg_second: np.ndarray  # second of the registration day
    platform: np.ndarray  # index into PLATFORMS
    region: np.ndarray  # index into the regions table
    log_e0: np.ndarray
    drift: np.ndarray  # per day
    card_risk: np.ndarray
    card_linked: np.ndarray  # bool: linked a payment card at sign-up
    plan: np.ndarray  # paid plan the user takes: 1 basic, 2 standard, 3 premium
    responsiveness: np.ndarray  # (users, 3): email, push, sms open propensity

    def log_engagement(self, index: np.ndarray, day: np.ndarray) -> np.ndarray:
        return self.log_e0[index] + self.drift[index] * (day - self.reg_day[index])


@dataclass
class Cycles:
    """Billing rows, the oracle and the active (paid or trial) intervals of a chunk."""

    pay_user: np.ndarray  # index of the user in the chunk
    pay_time: np.ndarray  # seconds from the window start
    pay_start: np.ndarray  # period start, day number
    pay_end: np.ndarray
    pay_plan: np.ndarray
    pay_failed: np.ndarray  # True for a declined attempt
    oracle_user: np.ndarray
    oracle_start: np.ndarray
    oracle_end: np.ndarray
    oracle_p_churn: np.ndarray
    oracle_churned: np.ndarray  # realised outcome (for checks; not written)
    active_user: np.ndarray
    active_start: np.ndarray
    active_end: np.ndarray  # exclusive, clipped to the window


def p_continue(
    users: Users,
    index: np.ndarray,
    kind: np.ndarray,
    period_mid: np.ndarray,
    paid_periods: np.ndarray,
    lapses: np.ndarray,
) -> np.ndarray:
    """Probability that each user continues past the end of the period (kind: 0 trial, else
    plan), from the engagement in the middle of the period and the user's history."""
    logit = (
        INTERCEPT[kind]
        + SLOPE[kind] * users.log_engagement(index, period_mid)
        + TENURE_WEIGHT * np.log1p(paid_periods)
        - RETURN_WEIGHT * np.minimum(lapses, 3)
        + CARD_LINKED_WEIGHT[kind] * users.card_linked[index]
        - CARD_RISK_WEIGHT[kind] * users.card_risk[index]
    )
    return 1.0 / (1.0 + np.exp(-logit))


def simulate(users: Users, rng: np.random.Generator, last_day: int) -> Cycles:
    """Run every user's periods from registration until they start after last_day."""
    pay: list[tuple[np.ndarray, ...]] = []
    oracle: list[tuple[np.ndarray, ...]] = []
    active: list[tuple[np.ndarray, ...]] = []
    n = len(users.user_id)
    # The current period of every user still subscribed (or returning).
    who = np.arange(n)
    start = users.reg_day.copy()
    kind = np.zeros(n, dtype=np.int64)
    paid_time = users.reg_day * 86400 + users.reg_second
    history = np.zeros((2, n), dtype=np.int64)  # paid periods so far, lapses with a return
    while len(who):
        keep = start <= last_day
        who, start, kind, paid_time = who[keep], start[keep], kind[keep], paid_time[keep]
        history = history[:, keep]
        if not len(who):
            break
        length = np.where(kind == 0, TRIAL_DAYS, PAID_DAYS)
        end = start + length
        pay.append((who, paid_time, start, end, kind, np.zeros(len(who), dtype=bool)))
        active.append((who, start, np.minimum(end, last_day + 1)))

        p_cont = p_continue(users, who, kind, (start + end) / 2, history[0], history[1])
        u = rng.random((5, len(who)))
        goes_on = u[0] < p_cont
        grace = ~goes_on & (u[1] < GRACE_RETURN)
        later = ~goes_on & ~grace & (u[2] < LATER_RETURN)
        oracle.append((who, start, end, (1 - p_cont) * (1 - GRACE_RETURN), ~goes_on & ~grace))

        # A renewal attempt is declined first with probability c; for a user who
        # continues the retry a day later succeeds, for one who lapses it is the last word.
        # A trial without a linked card has nothing to charge: its user pays by hand.
        plan = users.plan[who]
        by_hand = (kind == 0) & ~users.card_linked[who]
        failed = (u[3] < users.card_risk[who]) & (end <= last_day) & ~by_hand
        morning = end * 86400 + 3 * 3600 + (u[4] * 6 * 3600).astype(np.int64)
        pay.append(
            (
                who[failed],
                morning[failed],
                end[failed],
                end[failed] + PAID_DAYS,
                plan[failed],
                np.ones(failed.sum(), dtype=bool),
            )
        )
        daytime = rng.integers(9 * 3600, 23 * 3600, len(who))
        grace_day = end + rng.integers(1, GRACE_DAYS + 1, len(who))
        later_day = end + rng.integers(LATER_RETURN_DAYS[0], LATER_RETURN_DAYS[1] + 1, len(who))
        next_start = np.where(goes_on, end, np.where(grace, grace_day, later_day))
        next_time = np.where(
            goes_on & ~by_hand,
            np.where(failed, morning + 86400, morning),
            next_start * 86400 + daytime,
        )
        again = goes_on | grace | later
        history = np.stack([history[0] + (kind > 0), history[1] + later])[:, again]
        who, start, kind, paid_time = who[again], next_start[again], plan[again], next_time[again]

    def cat(parts: list[tuple[np.ndarray, ...]], i: int) -> np.ndarray:
        return np.concatenate([p[i] for p in parts]) if parts else np.zeros(0, dtype=np.int64)

    return Cycles(
        *(cat(pay, i) for i in range(6)),
        *(cat(oracle, i) for i in range(5)),
        *(cat(active, i) for i in range(3)),
    )
