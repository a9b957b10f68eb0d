"""The segment model's fast paths: the same model as the reference, on the frame's parts.

The reference (modeling.segment.model.SegmentModel) fits and predicts on the joined frame,
one row per event. These paths read the frame in parts (queries.segment_parts: event rows
with keys, one small frame per app, place, device and hour) and compute whatever depends
on one key once per key value:

    fit_parts(model, parts, y, frequencies)   # == model.fit(parts.flat(), y, frequencies)
    score_unlabeled(con, model, engine=...)   # == model.predict_proba(segment_frame(...)),
                                              #    into marts.segment_predictions

These two are the package's whole interface; tests/modeling/segment_fast holds them to
the reference.
"""

from modeling.segment.fast.fit import fit_parts
from modeling.segment.fast.scorer import ENGINES, Scored, score_unlabeled

__all__ = ["ENGINES", "Scored", "fit_parts", "score_unlabeled"]
