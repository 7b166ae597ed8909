import { describe, expect, it } from "vitest";
import { Schedule_Clock } from "@gen/v1/config_pb";
import { knownZone, previewZone } from "./previewZone";

describe("previewZone", () => {
  it("uses UTC on the UTC clock", () => {
    expect(previewZone(Schedule_Clock.UTC, "Europe/Berlin", "America/New_York")).toEqual({ zone: "UTC", text: "in UTC" });
  });

  it("uses the server's zone on the local clocks and names it", () => {
    for (const clock of [Schedule_Clock.LOCAL, Schedule_Clock.DEFAULT, Schedule_Clock.LAST_RUN_TIME]) {
      expect(previewZone(clock, "Asia/Tokyo", "Europe/Paris")).toEqual({
        zone: "Asia/Tokyo",
        text: "in the server's time zone (Asia/Tokyo)",
      });
    }
  });

  it("falls back to the browser's zone with a note", () => {
    expect(previewZone(Schedule_Clock.LOCAL, null, "Europe/Paris")).toEqual({
      zone: "Europe/Paris",
      text: "in this browser's time zone (Europe/Paris): the server did not say its own, so the times may be off if the two differ",
    });
    expect(previewZone(Schedule_Clock.LOCAL, "Mars/Olympus", "Europe/Paris").text).toContain(
      "does not know the server's time zone, Mars/Olympus",
    );
    // While the server is being asked: the browser's zone, no note yet.
    expect(previewZone(Schedule_Clock.LOCAL, undefined, "Europe/Paris")).toEqual({
      zone: "Europe/Paris",
      text: "in this browser's time zone (Europe/Paris)",
    });
  });

  it("tells known zones", () => {
    expect(knownZone("Europe/Berlin")).toBe(true);
    expect(knownZone("UTC")).toBe(true);
    expect(knownZone("Mars/Olympus")).toBe(false);
  });
});
