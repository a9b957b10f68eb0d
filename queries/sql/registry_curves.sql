-- A run's evaluation curves, in drawing order.
select curve, class_label, point, x, y, threshold
from ml.curves
where run_id = $run_id
order by curve, class_label, point
