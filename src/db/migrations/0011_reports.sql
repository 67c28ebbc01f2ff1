-- 0011: the statistics report (docs/reports.md) finds the dossiers that were
-- still open at the start of a period by when they ended: their result was
-- ready (finished_ms) or they were closed without one (closed_ms). Open
-- dossiers (NULL) are found through the same index; received_ms rides along
-- so "received before the period" is checked from the index alone.
-- src/reports/query.c spells the expression exactly so.
CREATE INDEX dossier_report_end ON dossier ((COALESCE(finished_ms, closed_ms)), received_ms);
