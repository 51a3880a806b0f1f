-- Per product of one stream: the sessions that saw its card (product_impression, sent once per
-- product and session) and the sessions that clicked it (opened it, bid or bought). Parameter 1: the stream id.
WITH deduped AS (
  SELECT event_id, type, session_id, product_id
  FROM (
    SELECT e.*, ROW_NUMBER() OVER (PARTITION BY e.event_id ORDER BY e.received_at_ms) AS copy_no
    FROM events e
    WHERE e.stream = ?
  ) t
  WHERE copy_no = 1 AND type IN ('product_impression', 'product_click') AND product_id IS NOT NULL
)
SELECT product_id,
  COUNT(DISTINCT CASE WHEN type = 'product_impression' THEN session_id END) AS impressions,
  COUNT(DISTINCT CASE WHEN type = 'product_click' THEN session_id END) AS clicks
FROM deduped
GROUP BY product_id
ORDER BY product_id
