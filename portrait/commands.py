"""The list of `portrait` commands; each lives in the module of its area."""

from __future__ import annotations

import click

from portrait.churn_cmds import churn, train_churn
from portrait.cluster_cmds import train_clusters
from portrait.dashboard_cmds import publish_cmd, report, serve
from portrait.demo_cmds import demo_data, docs
from portrait.ingest_cmd import ingest
from portrait.model_cmds import runs, score, train
from portrait.pipeline_cmds import demo
from portrait.warehouse_cmds import info

train.add_command(train_clusters, "clusters")
train.add_command(train_churn, "churn")

ALL: list[click.Command] = [
    demo,
    demo_data,
    ingest,
    train,
    score,
    churn,
    runs,
    publish_cmd,
    serve,
    report,
    info,
    docs,
]
