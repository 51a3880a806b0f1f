-- Which purchasing sessions saw the product they bought: the product impressions of the given sessions.
-- Parameter 1: the stream id; parameter 2: the purchases' viewSessionIds joined with commas (UUIDs, so
-- a session id matches only itself).
SELECT DISTINCT product_id, session_id
FROM events
WHERE stream = ? AND type = 'product_impression' AND product_id IS NOT NULL AND strpos(?, session_id) > 0
ORDER BY product_id, session_id
