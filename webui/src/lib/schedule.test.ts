import { describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { ScheduleSchema, Schedule_Clock, type Schedule } from "@gen/v1/config_pb";
import { cronError, describeSchedule, expandCron, nextRuns, type NoPreview } from "./schedule";

const H = 3_600_000;
const cron = (expr: string, clock = Schedule_Clock.LOCAL): Schedule =>
  create(ScheduleSchema, { schedule: { case: "cron", value: expr }, clock });
const hours = (n: number): Schedule => create(ScheduleSchema, { schedule: { case: "maxFrequencyHours", value: n } });
const days = (n: number): Schedule => create(ScheduleSchema, { schedule: { case: "maxFrequencyDays", value: n } });
const iso = (r: Date[] | { error: string } | NoPreview) => {
  if (!Array.isArray(r)) throw new Error("error" in r ? r.error : r.note);
  return r.map((d) => d.toISOString());
};

describe("describeSchedule", () => {
  it("names disabled and interval schedules", () => {
    expect(describeSchedule(undefined)).toBe("Disabled");
    expect(describeSchedule(create(ScheduleSchema, {}))).toBe("Disabled");
    expect(describeSchedule(create(ScheduleSchema, { schedule: { case: "disabled", value: true } }))).toBe("Disabled");
    expect(describeSchedule(hours(6))).toBe("Every 6 hours");
    expect(describeSchedule(hours(1))).toBe("Every hour");
    expect(describeSchedule(days(2))).toBe("Every 2 days");
    expect(describeSchedule(days(1))).toBe("Every day");
  });

  it("describes cron in words with its clock", () => {
    expect(describeSchedule(cron("0 3 * * *"))).toBe("At 03:00 every day (local time)");
    expect(describeSchedule(cron("0 3 * * *", Schedule_Clock.UTC))).toBe("At 03:00 every day (UTC)");
    expect(describeSchedule(cron("0 * * * *"))).toBe("Every hour (local time)");
    expect(describeSchedule(cron("@daily"))).toBe("At 00:00 every day (local time)");
    expect(describeSchedule(cron("30 2 * * 0"))).toBe("At 02:30, only on Sunday (local time)");
  });

  it("marks an invalid cron", () => {
    expect(describeSchedule(cron("61 * * * *"))).toBe('Cron "61 * * * *" (invalid)');
  });
});

describe("cron checks", () => {
  it("accepts what cairn's parser accepts", () => {
    for (const ok of ["0 * * * *", "*/15 2-4 * * 1-5", "0 3 1 * *", "@daily", "@HOURLY", "30 2 * * SUN"]) {
      expect(cronError(ok), ok).toBeNull();
    }
    expect(expandCron("  0   3 * * * ")).toBe("0 3 * * *");
  });

  it("explains what is wrong", () => {
    expect(cronError("* * *")).toContain("has 3 field(s)");
    expect(cronError("0 0 0 * * * * *")).toContain("has 8 field(s)");
    // Backrest's forms with a year: the server checks them; no local error, no preview.
    expect(cronError("0 0 * * * 2030")).toBeNull();
    expect(cronError("0 0 0 * * * *")).toBeNull();
    const schedule = create(ScheduleSchema, { schedule: { case: "cron", value: "0 4 * * * 2030" } });
    expect(nextRuns(schedule, 3, null, Date.now())).toHaveProperty("note");
    expect(cronError("0 0 * * 7")).toContain("use 0 for Sunday");
    expect(cronError("0 0 * * 5-7")).toContain("use 0 for Sunday");
    expect(cronError("61 * * * *")).toContain("not a valid cron expression");
    expect(cronError("")).toContain("empty");
    expect(cronError("0 0 31 2 *")).toContain("never fires");
  });
});

describe("nextRuns", () => {
  const now = Date.parse("2024-05-10T12:00:00Z");

  it("has no runs for a disabled or unset schedule", () => {
    expect(nextRuns(undefined, 5, null, now)).toEqual([]);
    expect(nextRuns(create(ScheduleSchema, { schedule: { case: "disabled", value: true } }), 5, null, now)).toEqual([]);
  });

  it("counts an interval from now when the task never ran", () => {
    expect(iso(nextRuns(hours(6), 3, null, now))).toEqual([
      "2024-05-10T18:00:00.000Z",
      "2024-05-11T00:00:00.000Z",
      "2024-05-11T06:00:00.000Z",
    ]);
  });

  it("counts an interval from the last run", () => {
    expect(iso(nextRuns(days(2), 2, now - 12 * H, now))).toEqual(["2024-05-12T00:00:00.000Z", "2024-05-14T00:00:00.000Z"]);
  });

  it("runs a missed interval once, now, and counts on from there", () => {
    expect(iso(nextRuns(hours(1), 3, now - 7 * H, now))).toEqual([
      "2024-05-10T12:00:00.000Z",
      "2024-05-10T13:00:00.000Z",
      "2024-05-10T14:00:00.000Z",
    ]);
  });

  it("treats a last run in the future as now", () => {
    expect(iso(nextRuns(hours(2), 1, now + 100 * H, now))).toEqual(["2024-05-10T14:00:00.000Z"]);
  });

  it("refuses an interval below 1", () => {
    expect(nextRuns(hours(0), 3, null, now)).toEqual({ error: expect.stringContaining("at least 1") });
  });

  it("fires a UTC cron after the last run", () => {
    const s = cron("0 3 * * *", Schedule_Clock.UTC);
    expect(iso(nextRuns(s, 3, null, now))).toEqual(["2024-05-11T03:00:00.000Z", "2024-05-12T03:00:00.000Z", "2024-05-13T03:00:00.000Z"]);
    // Last run an hour ago, after today's fire: the next is tomorrow's.
    expect(iso(nextRuns(s, 1, now - H, now))).toEqual(["2024-05-11T03:00:00.000Z"]);
  });

  it("catches up a missed cron run once, now", () => {
    const s = cron("0 3 * * *", Schedule_Clock.UTC);
    // Last ran three days ago: three fires were missed, one run now, then the next fire.
    expect(iso(nextRuns(s, 2, now - 72 * H, now))).toEqual(["2024-05-10T12:00:00.000Z", "2024-05-11T03:00:00.000Z"]);
  });

  it("evaluates cron in local time on the local clock", () => {
    const localNow = new Date(2024, 4, 10, 12, 0).getTime();
    const runs = nextRuns(cron("30 3 * * *", Schedule_Clock.LOCAL), 2, null, localNow);
    expect(Array.isArray(runs) && runs.map((d) => [d.getDate(), d.getHours(), d.getMinutes()])).toEqual([
      [11, 3, 30],
      [12, 3, 30],
    ]);
  });

  it("reports an invalid cron", () => {
    expect(nextRuns(cron("0 0 * * 7"), 5, null, now)).toEqual({ error: expect.stringContaining("use 0 for Sunday") });
    expect(nextRuns(cron("0 0 31 2 *"), 5, null, now)).toEqual({ error: expect.stringContaining("never fires") });
  });
});

describe("nextRuns in a given time zone", () => {
  const now = Date.parse("2024-05-10T12:00:00Z");

  it("fires cron on the local clocks in that zone", () => {
    const tokyo = nextRuns(cron("30 3 * * *", Schedule_Clock.LOCAL), 2, null, now, "Asia/Tokyo");
    // 03:30 in Tokyo (UTC+9) is 18:30 UTC the day before.
    expect(iso(tokyo)).toEqual(["2024-05-10T18:30:00.000Z", "2024-05-11T18:30:00.000Z"]);
    const lastRun = nextRuns(cron("0 3 * * *", Schedule_Clock.LAST_RUN_TIME), 1, now - H, now, "America/New_York");
    expect(iso(lastRun)).toEqual(["2024-05-11T07:00:00.000Z"]);
  });

  it("keeps UTC cron in UTC whatever the zone", () => {
    expect(iso(nextRuns(cron("0 3 * * *", Schedule_Clock.UTC), 1, null, now, "Asia/Tokyo"))).toEqual(["2024-05-11T03:00:00.000Z"]);
  });
});
