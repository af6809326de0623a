-- Each path to a peer (the direct link, each relay): its state, round trip and last success, as
-- a JSON list that `detente status` and the console show.
ALTER TABLE link_status ADD COLUMN paths TEXT NOT NULL DEFAULT '[]';
