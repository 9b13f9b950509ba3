/**
 * The test report: per-group results with steps, failures and attachments
 * (`reports/groups/<group>/`), the landing page `reports/index.html` rebuilt from every group's
 * latest results, the history of the last runs with trends, and the CI job summary.
 */

export type { GroupRecord, HistoryEntry, TestResult } from "./model.ts";
export { type GroupRun, publishGroup, rebuildReport, recordRun } from "./publish.ts";
export { groupDir, pruneStaging, runId, stagingDir } from "./store.ts";
export { renderJobSummary } from "./job_summary.ts";
