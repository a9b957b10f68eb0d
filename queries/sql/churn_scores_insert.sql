-- Append freshly scored rows (registered by the caller as churn_new_scores, with the
-- vitrine's columns) to the vitrine; columns are matched by name, so their order in the
-- frame does not matter.
insert into marts.churn_scores by name
select * from churn_new_scores
