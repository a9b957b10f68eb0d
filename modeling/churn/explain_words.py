"""Churn factors in plain words, risk bands and the retention offer of the vitrine."""

from __future__ import annotations

import calendar
import math
from collections.abc import Callable

# Thresholds of the risk bands: low < 0.25 <= medium < 0.5 <= high.
RISK_BANDS = ((0.5, "high"), (0.25, "medium"), (0.0, "low"))


def risk_band(probability: float) -> str:
    for threshold, band in RISK_BANDS:
        if probability >= threshold:
            return band
    return "low"


def _n(value: float, one: str, many: str | None = None) -> str:
    count = int(round(value))
    return f"{count} {one if count == 1 else (many or one + 's')}"


def _minutes(value: float) -> str:
    minutes = int(round(value))
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def _change(what: str) -> Callable[[float], str]:
    def text(value: float) -> str:
        if abs(value) < 0.5:
            return f"{what} did not change"
        direction = "fell" if value < 0 else "rose"
        return f"{what} {direction} {abs(value):.0f} %"

    return text


def _watched(window: str) -> Callable[[float], str]:
    return lambda v: f"watched {_minutes(v)} {window}" if v > 0 else f"no viewing {window}"


def _weekly(window: str) -> Callable[[float], str]:
    # Rates per subscribed day read better per week: "2.1 a week" rather than "0.3 a day".
    def text(value: float) -> str:
        if value * 7 < 0.05:
            return f"no views or app events while subscribed {window}"
        return f"{value * 7:.1f} views and app events a week {window}"

    return text


def _sent(channel: str, verb: str) -> Callable[[float], str]:
    return lambda v: f"{verb} {_n(v, channel)} in the last 30 days"


_TEMPLATES: dict[str, Callable] = {
    # billing
    "tenure_days": lambda v: f"subscribed for {_n(v, 'day')}",
    "payments": lambda v: f"{_n(v, 'successful payment')} so far",
    "paid_periods": lambda v: f"{_n(v, 'paid period')} so far",
    "total_paid": lambda v: f"{v:,.0f} RUB paid in total",
    "had_trial": lambda v: "started with a free trial" if v else "started without a trial",
    "plan": lambda v: f"on the {v} plan",
    "price": lambda v: f"pays {v:,.0f} RUB a period" if v > 0 else "pays nothing yet (trial)",
    "price_change": lambda v: (
        "price unchanged"
        if abs(v) < 0.5
        else f"price {'up' if v > 0 else 'down'} {abs(v):,.0f} RUB against the highest paid before"
    ),
    "period_days": lambda v: f"{_n(v, 'day')} billing period",
    "days_to_period_end": lambda v: f"current period ends in {_n(v, 'day')}",
    "days_paid_ahead": lambda v: f"paid up for the next {_n(v, 'day')}",
    "failed_payments": lambda v: f"{_n(v, 'failed payment')} in total",
    "failed_payments_30d": lambda v: f"{_n(v, 'failed payment')} in the last 30 days",
    "refunds": lambda v: f"{_n(v, 'refund')} so far",
    "failed_share": lambda v: f"card declined {v:.1f} times per paid period",
    "past_lapses": lambda v: f"let the subscription lapse {_n(v, 'time')} before",
    "past_grace_returns": lambda v: f"renewed late, within the grace days, {_n(v, 'time')}",
    "days_since_return": lambda v: f"came back after a lapse {_n(v, 'day')} ago",
    # viewing
    "watch_min_7d": _watched("over the last 7 days"),
    "watch_min_14d": _watched("over the last 14 days"),
    "watch_min_30d": _watched("over the last 30 days"),
    "watch_min_prev_14d": _watched("in the 14 days before the last 14"),
    "watch_change_14d_pct": _change("watch time over the last 14 days"),
    "views_30d": lambda v: f"{_n(v, 'viewing session')} in the last 30 days",
    "titles_30d": lambda v: f"{_n(v, 'different title')} watched in the last 30 days",
    "genres_30d": lambda v: f"{_n(v, 'genre')} watched in the last 30 days",
    "days_since_last_view": lambda v: (
        "watched today" if v < 1 else f"no viewing for {_n(v, 'day')}"
    ),
    "unfinished_share_30d": lambda v: f"left {v:.0%} of sessions unfinished in the last 30 days",
    # app
    "app_events_7d": lambda v: f"{_n(v, 'app event')} in the last 7 days",
    "app_events_30d": lambda v: f"{_n(v, 'app event')} in the last 30 days",
    "sessions_web_30d": lambda v: f"{_n(v, 'web session')} in the last 30 days",
    "sessions_android_30d": lambda v: f"{_n(v, 'Android session')} in the last 30 days",
    "sessions_ios_30d": lambda v: f"{_n(v, 'iOS session')} in the last 30 days",
    "sessions_smart_tv_30d": lambda v: f"{_n(v, 'smart TV session')} in the last 30 days",
    "active_days_30d": lambda v: f"active on {_n(v, 'day')} of the last 30",
    "days_since_last_event": lambda v: (
        "used the app today" if v < 1 else f"no app activity for {_n(v, 'day')}"
    ),
    "card_linked": lambda v: (
        "linked a payment card (renews automatically)" if v else "has not linked a payment card"
    ),
    # viewing and app activity together
    "activity_7d": lambda v: (
        f"{_n(v, 'view or app event', 'views and app events')} in the last 7 days"
    ),
    "activity_30d": lambda v: (
        f"{_n(v, 'view or app event', 'views and app events')} in the last 30 days"
    ),
    "activity_90d": lambda v: (
        f"{_n(v, 'view or app event', 'views and app events')} in the last 90 days"
    ),
    "activity_age_30d": lambda v: f"activity of the last 30 days is {v:.0f} days old on average",
    "activity_age_90d": lambda v: f"activity of the last 90 days is {v:.0f} days old on average",
    "subscribed_days_30d": lambda v: f"subscribed on {_n(v, 'day')} of the last 30",
    "subscribed_days_90d": lambda v: f"subscribed on {_n(v, 'day')} of the last 90",
    "subscribed_days_total": lambda v: f"subscribed for {_n(v, 'day')} in all",
    "activity_rate_30d": _weekly("over the last 30 days"),
    "activity_rate_90d": _weekly("over the last 90 days"),
    "activity_period": lambda v: (
        f"{_n(v, 'view or app event', 'views and app events')} since the current period began"
    ),
    "activity_period_rate": _weekly("since the current period began"),
    # communications
    "email_sent_30d": _sent("email", "received"),
    "email_opened_30d": _sent("email", "opened"),
    "email_clicked_30d": _sent("email", "clicked"),
    "push_sent_30d": _sent("push", "received"),
    "push_opened_30d": _sent("push", "opened"),
    "push_clicked_30d": _sent("push", "clicked"),
    "sms_sent_30d": _sent("SMS", "received"),
    "sms_opened_30d": _sent("SMS", "opened"),
    "sms_clicked_30d": _sent("SMS", "clicked"),
    "messages_total": lambda v: f"{_n(v, 'message')} received in total",
    "open_rate_total": lambda v: f"opens {v:.0%} of messages",
    # profile and calendar
    "region": lambda v: f"lives in {v}",
    "signup_platform": lambda v: f"signed up on {v}",
    "account_age_days": lambda v: f"account is {_n(v, 'day')} old",
    "snapshot_month": lambda v: f"scored in {calendar.month_name[int(v)]}",
    "period_end_weekday": lambda v: f"period ends on a {calendar.day_name[int(v) - 1]}",
    "holidays_next_30d": lambda v: f"{_n(v, 'public holiday')} in the next 30 days",
    "period_end_near_holiday": lambda v: (
        "period ends near a public holiday" if v else "period does not end near a holiday"
    ),
    # activity churn
    "recency_days": lambda v: "active today" if v < 1 else f"no activity for {_n(v, 'day')}",
    "events_7d": lambda v: f"{_n(v, 'event')} in the last 7 days",
    "events_30d": lambda v: f"{_n(v, 'event')} in the last 30 days",
    "events_90d": lambda v: f"{_n(v, 'event')} in the last 90 days",
    "events_total": lambda v: f"{_n(v, 'event')} in total",
    "amount_30d": lambda v: f"spent {v:,.0f} in the last 30 days",
    "amount_90d": lambda v: f"spent {v:,.0f} in the last 90 days",
    "amount_total": lambda v: f"spent {v:,.0f} in total",
    "avg_amount": lambda v: f"spends {v:,.0f} per event on average",
    "mean_gap_days": lambda v: f"usually {v:.1f} days between active days",
    "std_gap_days": lambda v: f"breaks between active days vary by {v:.1f} days",
    "max_gap_days": lambda v: f"longest break so far {_n(v, 'day')}",
    "last_gap_days": lambda v: f"last break between active days was {_n(v, 'day')}",
    "recency_vs_gap": lambda v: f"current silence is {v:.1f} times the usual break",
    "events_change_30d_pct": _change("activity over the last 30 days"),
    "amount_change_30d_pct": _change("spending over the last 30 days"),
    "snapshot_weekday": lambda v: f"scored on a {calendar.day_name[int(v) - 1]}",
}

# What a missing value means, where it means something.
_MISSING = {
    "watch_change_14d_pct": "no viewing in the 14 days before the last 14, so no trend",
    "days_since_last_view": "has never watched anything",
    "days_since_last_event": "has never used the app",
    "days_since_return": "never lapsed before",
    "open_rate_total": "has never received a message",
    "unfinished_share_30d": "no titles watched in the last 30 days",
    "activity_age_30d": "no views or app events in the last 30 days",
    "activity_age_90d": "no views or app events in the last 90 days",
    "events_change_30d_pct": "no activity in the 30 days before the last 30, so no trend",
    "amount_change_30d_pct": "spent nothing in the 30 days before the last 30, so no trend",
    "mean_gap_days": "only one active day so far",
}


def has_words(feature: str) -> bool:
    """Whether the feature has its own phrase (otherwise describe falls back on its name)."""
    return feature in _TEMPLATES


def describe(feature: str, value: object) -> str:
    """The feature and its value as a phrase a marketer can read."""
    missing = value is None or (isinstance(value, float) and math.isnan(value))
    if missing:
        return _MISSING.get(feature, f"{feature.replace('_', ' ')} unknown")
    template = _TEMPLATES.get(feature)
    if template is None:
        shown = f"{value:,.2f}" if isinstance(value, float) else str(value)
        return f"{feature.replace('_', ' ')} is {shown}"
    return template(value)


def recommended_offer(
    cohort: str, band: str, main_group: str | None, main_feature: str | None
) -> str:
    """A retention offer from the cohort, the risk band and the kind of the main factor."""
    if band == "low":
        return "none"
    if cohort == "trial":
        return "first paid month at 50 % off" if band == "high" else "trial extended by 7 days"
    if cohort == "activity":
        return "win-back coupon" if band == "high" else "personal recommendations"
    if main_feature in ("failed_payments", "failed_payments_30d"):
        return "reminder to update the payment card"
    by_group = {
        "billing": "next month at 30 % off" if band == "high" else "switch to a cheaper plan",
        "viewing": "personal picks and a free premiere",
        "app": "continue-watching reminder in the app",
        "activity": "continue-watching reminder in the app",
        "communications": "message through the channel the user answers",
    }
    return by_group.get(
        main_group or "", "next month at 20 % off" if band == "high" else "personal picks"
    )
