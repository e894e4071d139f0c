"""Daily retraining: a feed whose fraud tactics change day by day, and the retrain pipeline
(train on the latest days, gate against production on the newest day, publish, start a shadow
rollout)."""
