// When a plan's last backup ended, from the summary dashboard (its recent backups, oldest first), for
// the schedule preview, which counts from it as the scheduler does.
import type { SummaryDashboardResponse } from "@gen/v1/service_pb";

/** The end (ms) of the plan's last backup; null when it never ran or the dashboard is not loaded. */
export function lastBackupEndMs(dashboard: SummaryDashboardResponse | null, planId: string | undefined): number | null {
  const recent = dashboard?.planSummaries.find((s) => s.id === planId)?.recentBackups;
  const at = recent ? recent.timestampMs.length - 1 : -1;
  if (!recent || at < 0) return null;
  return Number(recent.timestampMs[at] + (recent.durationMs[at] ?? 0n));
}
