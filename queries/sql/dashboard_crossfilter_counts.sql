-- One branch of the explorer's single statement: events per code of {dimension} under
-- {where}. dashboard/store.py repeats it for every dimension (each filtered by the other
-- dimensions' selections) and joins the branches with union all, so one selection change
-- is one query. {label} (a literal) and {dimension} come from allow-listed names; values are parameters.
select {label} as dimension, {dimension} as code, sum(events)::bigint as events
from marts.audience_cube_codes
where {where}
group by all
