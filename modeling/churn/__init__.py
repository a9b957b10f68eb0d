"""Subscription and activity churn: labels, features, models, daily vitrine, monitoring, export.

    from modeling.churn.subscription import train_subscription   # churn_trial, churn_paid
    from modeling.churn.activity import ActivitySource, train_activity   # churn_activity
    from modeling.churn.score import score_day, score_range      # marts.churn_scores
    from modeling.churn.monitor import monitor                   # marts.churn_monitoring
    from modeling.churn.export import export_file, export_postgres

The command line is `portrait train churn`, `portrait score churn`, `portrait monitor churn` and
`portrait export churn`.
"""
