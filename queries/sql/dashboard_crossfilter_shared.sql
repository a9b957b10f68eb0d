-- The explorer views that have no selection of their own all count under the same
-- filter (every active selection), so one scan with grouping sets serves them all, and
-- the empty set gives the total. {label} and {code} are case/coalesce expressions over
-- the allow-listed dimensions in {sets}; {where} is built by dashboard/filters.py.
select {label} as dimension, {code} as code, sum(events)::bigint as events
from marts.audience_cube_codes
where {where}
group by grouping sets ({sets})
