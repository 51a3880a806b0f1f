-- Viewers per minute of one stream: the distinct viewers with a view_start, heartbeat or view_end in
-- each epoch minute (at_ms / 60000) of their corrected time. Parameter 1: the stream id.
WITH deduped AS (
  SELECT event_id, type, session_id, user_id, anonymous_id, at_ms
  FROM (
    SELECT e.*, ROW_NUMBER() OVER (PARTITION BY e.event_id ORDER BY e.received_at_ms) AS copy_no
    FROM events e
    WHERE e.stream = ?
  ) t
  WHERE copy_no = 1 AND type IN ('view_start', 'heartbeat', 'view_end')
),
sessions AS (
  SELECT session_id, COALESCE(MAX(user_id), MAX(anonymous_id)) AS viewer
  FROM deduped
  GROUP BY session_id
)
SELECT CAST(floor(d.at_ms / 60000.0) AS BIGINT) AS epoch_minute, COUNT(DISTINCT s.viewer) AS viewers
FROM deduped d JOIN sessions s ON s.session_id = d.session_id
GROUP BY CAST(floor(d.at_ms / 60000.0) AS BIGINT)
ORDER BY epoch_minute
