// The server's IANA time zone (GetStatus's time_zone), in which cron schedules on the local clocks
// fire. Asked once and shared by every schedule preview; asked again on the next use after a failure.
import { useEffect, useState } from "react";
import { cairn } from "../api/client";

/** The answer once there is one: the zone, or null when the server does not say. */
let known: string | null | undefined;
let asking: Promise<string | null> | null = null;

function ask(): Promise<string | null> {
  asking ??= Promise.resolve()
    .then(() => cairn.getStatus({}))
    .then((s) => (known = s.timeZone || null))
    .catch(() => {
      asking = null;
      return null;
    });
  return asking;
}

/** The server's time zone; null when it does not say (or cannot be asked), undefined until it answers. */
export function useServerTimeZone(): string | null | undefined {
  const [zone, setZone] = useState(known);
  useEffect(() => {
    if (zone !== undefined) return;
    let live = true;
    void ask().then((z) => live && setZone(z));
    return () => {
      live = false;
    };
  }, [zone]);
  return zone;
}
