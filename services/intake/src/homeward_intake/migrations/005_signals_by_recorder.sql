-- Issue 18: an intake officer lists her own recent signals (GET /signals, mine=true by
-- default), newest first, paged by a keyset cursor (received_at, signal_id) and never by
-- OFFSET. recorded_by has been NOT NULL since 001 (the actor, "role:user id"), so no row
-- lacks it. The first index serves her own list; the second the team's (mine=false). The
-- status and source filters are applied to the rows these indexes return in order.
CREATE INDEX signals_by_recorder
    ON intake.signals (recorded_by, received_at DESC, signal_id DESC);
CREATE INDEX signals_newest_first
    ON intake.signals (received_at DESC, signal_id DESC);
