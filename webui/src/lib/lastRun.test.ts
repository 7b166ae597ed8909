import { describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { SummaryDashboardResponseSchema } from "@gen/v1/service_pb";
import { lastBackupEndMs } from "./lastRun";

const dashboard = create(SummaryDashboardResponseSchema, {
  planSummaries: [
    { id: "docs", recentBackups: { timestampMs: [1_000n, 5_000n], durationMs: [10n, 250n] } },
    { id: "new", recentBackups: { timestampMs: [], durationMs: [] } },
    { id: "odd", recentBackups: { timestampMs: [7_000n], durationMs: [] } },
  ],
});

describe("lastBackupEndMs", () => {
  it("is the end of the plan's newest backup", () => {
    expect(lastBackupEndMs(dashboard, "docs")).toBe(5_250);
    expect(lastBackupEndMs(dashboard, "odd")).toBe(7_000);
  });

  it("is null for a plan that never ran, an unknown or new plan, or no dashboard", () => {
    expect(lastBackupEndMs(dashboard, "new")).toBeNull();
    expect(lastBackupEndMs(dashboard, "gone")).toBeNull();
    expect(lastBackupEndMs(dashboard, undefined)).toBeNull();
    expect(lastBackupEndMs(null, "docs")).toBeNull();
  });
});
