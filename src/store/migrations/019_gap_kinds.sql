-- A gap's kind says why recording stopped in a word a dashboard can group and colour by (the cause
-- text says it in full): the recorder's failure kind (unreachable, auth, storage, stalled ...),
-- 'stopped' when Vigil was not recording, 'deleted' for footage the storage sweep removed (by
-- retention or to keep the budget). NULL for gaps stored before kinds were.
ALTER TABLE recording_gaps ADD COLUMN kind VARCHAR(16);
-- the sweep extends the deletion gap that ends where the next deleted segment starts
CREATE INDEX recording_gaps_deleted_end_idx ON recording_gaps (camera_id, end_time) WHERE kind = 'deleted';
