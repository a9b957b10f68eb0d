"""Demo data: synthetic exports of every contract, with planted signal and its oracle.

- `ads`: ad exports (mobile audience case): `ad_event_batches`, `write_ad_events`;
  built from `catalog` (bundles, store categories) and `signal` (segment preferences
  and the day-of-month artifact).
- `subscriptions`: an online cinema (churn case): `write_subscription_service`;
  built from `churn_sim` (billing cycles) and `activity` (viewing, app events, messages).
- `oracle`: `load_oracles` puts the true label probabilities into ops.oracle_*.

Files are written here; loading them into `raw` is ingestion's job (warehouse.ingest).
"""

from warehouse.demo.ads import AD_EXPORT_COLUMNS, ad_event_batches, write_ad_events
from warehouse.demo.oracle import load_oracles
from warehouse.demo.subscriptions import write_subscription_service

__all__ = [
    "AD_EXPORT_COLUMNS",
    "ad_event_batches",
    "load_oracles",
    "write_ad_events",
    "write_subscription_service",
]
