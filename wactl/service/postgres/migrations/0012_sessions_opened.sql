-- /api/analytics/response-times reads a shop's sessions by the day they opened: without
-- this index it would read every session the shop ever had.
CREATE INDEX sessions_by_opening ON sessions (shop_id, opened_at);
