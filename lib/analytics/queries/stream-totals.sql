-- Headline figures of one stream. Parameter 1: the stream id (partition `stream`).
-- Kept to the SQL that Athena (Trino) and DuckDB both run: docs/analytics.md.
-- Each event counts once (Firehose and the tracker deliver at least once): the first copy of an event_id.
WITH deduped AS (
  SELECT event_id, type, session_id, user_id, anonymous_id, at_ms
  FROM (
    SELECT e.*, ROW_NUMBER() OVER (PARTITION BY e.event_id ORDER BY e.received_at_ms) AS copy_no
    FROM events e
    WHERE e.stream = ?
  ) t
  WHERE copy_no = 1
),
-- A session is one watch-page view; its viewer is the signed-in user, otherwise the browser's anonymous id.
sessions AS (
  SELECT session_id, COALESCE(MAX(user_id), MAX(anonymous_id)) AS viewer
  FROM deduped
  WHERE type IN ('view_start', 'heartbeat', 'view_end')
  GROUP BY session_id
),
presence AS (
  SELECT d.session_id, s.viewer, d.type, d.at_ms,
    LAG(d.at_ms) OVER (PARTITION BY d.session_id ORDER BY d.at_ms, d.event_id) AS prev_at,
    LAG(d.type) OVER (PARTITION BY d.session_id ORDER BY d.at_ms, d.event_id) AS prev_type
  FROM deduped d JOIN sessions s ON s.session_id = d.session_id
  WHERE d.type IN ('view_start', 'heartbeat', 'view_end')
),
-- Watching: the time between two events of a session at most 45 s apart (a heartbeat period plus
-- slack), never after a view_end. Longer gaps are a background tab or a lost connection.
spans AS (
  SELECT viewer, prev_at AS span_start, at_ms AS span_end
  FROM presence
  WHERE prev_at IS NOT NULL AND prev_type <> 'view_end' AND at_ms - prev_at <= 45000
),
-- A viewer watching in two tabs at once watches once: overlapping spans of a viewer are merged.
ordered AS (
  SELECT viewer, span_start, span_end,
    MAX(span_end) OVER (PARTITION BY viewer ORDER BY span_start, span_end ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reach
  FROM spans
),
islands AS (
  SELECT viewer, span_start, span_end,
    SUM(CASE WHEN reach IS NULL OR span_start > reach THEN 1 ELSE 0 END)
      OVER (PARTITION BY viewer ORDER BY span_start, span_end ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS island
  FROM ordered
),
watch AS (
  SELECT COALESCE(SUM(island_ms), 0) AS watch_ms
  FROM (SELECT viewer, island, MAX(span_end) - MIN(span_start) AS island_ms FROM islands GROUP BY viewer, island) w
)
SELECT
  (SELECT COUNT(*) FROM sessions) AS views,
  (SELECT COUNT(DISTINCT viewer) FROM sessions) AS unique_viewers,
  (SELECT watch_ms FROM watch) AS watch_ms,
  (SELECT COUNT(*) FROM deduped WHERE type = 'like') AS likes,
  (SELECT COUNT(*) FROM deduped WHERE type = 'share') AS shares
