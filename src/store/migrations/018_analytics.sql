-- Analytics and the daily report group alerts by when they were triggered, over ranges of up to
-- three months: without this index each such query reads every alert ever raised.
CREATE INDEX alerts_triggered_idx ON alerts (triggered_at);
