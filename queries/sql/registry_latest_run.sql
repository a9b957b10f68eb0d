-- The newest succeeded run of a kind (comparison runs are never the latest).
select run_id
from ml.model_runs
where kind = $kind and status = 'succeeded'
order by created_at desc
limit 1
