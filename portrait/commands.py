"""The list of `portrait` commands; each lives in the module of its area.

Model work reads `portrait <verb> <kind>`: the verb groups of `portrait.verbs` get each
area's commands here, under the name of the kind they work on.
"""

from __future__ import annotations

import click

from portrait.churn_cmds import churn, export_churn, monitor_churn, score_churn, train_churn
from portrait.cluster_cmds import train_clusters
from portrait.dashboard_cmds import publish_cmd, report, serve
from portrait.demo_cmds import demo_data, docs
from portrait.ingest_cmd import ingest
from portrait.model_cmds import runs, score_segment_cmd, train_segment, train_table
from portrait.pipeline_cmds import demo
from portrait.verbs import export, monitor, score, train
from portrait.warehouse_cmds import info

for group, kind, command in (
    (train, "segment", train_segment),
    (train, "clusters", train_clusters),
    (train, "churn", train_churn),
    (train, "table", train_table),
    (score, "segment", score_segment_cmd),
    (score, "churn", score_churn),
    (monitor, "churn", monitor_churn),
    (export, "churn", export_churn),
):
    group.add_command(command, kind)

ALL: list[click.Command] = [
    demo,
    demo_data,
    ingest,
    train,
    score,
    monitor,
    export,
    runs,
    publish_cmd,
    serve,
    report,
    info,
    docs,
    churn,  # hidden: the old spellings `portrait churn score|monitor|export`
]
