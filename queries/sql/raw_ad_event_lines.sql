-- Where each ad event came from in its file: lines up results with the rows a user gave.
select event_id, source_line
from raw.ad_events
