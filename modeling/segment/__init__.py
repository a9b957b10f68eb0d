"""The audience segment model: which of five segments an ad request belongs to.

from modeling.segment import train_segment, score_segment
result = train_segment(con)                       # registry kind "segment"
score_segment(con, run_id)                        # -> marts.segment_predictions
"""

from modeling.segment.metrics import SegmentMetrics
from modeling.segment.model import SegmentModel
from modeling.segment.score import score_segment
from modeling.segment.train import SegmentTrainOptions, train_segment

__all__ = [
    "SegmentMetrics",
    "SegmentModel",
    "SegmentTrainOptions",
    "score_segment",
    "train_segment",
]
