// What is happening on the server, shared by the shell and the dashboard: the operations running now
// (from GetStatus, then kept current by one WatchOperations stream over all operations) and the
// summary dashboard, re-read shortly after any operation finishes and every minute.
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { OperationStatus, type Operation } from "@gen/v1/operations_pb";
import type { SummaryDashboardResponse } from "@gen/v1/service_pb";
import { backrest, cairn } from "../api/client";
import { errorMessage, isAbort } from "../api/errors";
import { useRoute } from "../lib/router";

const DEFERRED_DASHBOARD_MS = 1500;

export interface Activity {
  running: Operation[];
  /** Why the live stream is down (it reconnects by itself), or null while it is up. */
  streamError: string | null;
  dashboard: SummaryDashboardResponse | null;
  dashboardError: string | null;
  refreshDashboard: () => void;
}

const Ctx = createContext<Activity>({
  running: [],
  streamError: null,
  dashboard: null,
  dashboardError: null,
  refreshDashboard: () => undefined,
});

/** Keeps the running set current with one change: running operations enter it, finished ones leave. */
export function trackRunning(
  running: ReadonlyMap<bigint, Operation>,
  ops: Operation[],
  deleted: bigint[],
): { next: Map<bigint, Operation>; finished: boolean } {
  const next = new Map(running);
  let finished = false;
  for (const op of ops) {
    if (op.status === OperationStatus.STATUS_INPROGRESS) next.set(op.id, op);
    else {
      if (op.status !== OperationStatus.STATUS_PENDING) finished = true;
      next.delete(op.id);
    }
  }
  for (const id of deleted) next.delete(id);
  return { next, finished };
}

export function ActivityProvider({ children }: { children: ReactNode }) {
  const [running, setRunning] = useState<Map<bigint, Operation>>(new Map());
  const [dashboard, setDashboard] = useState<SummaryDashboardResponse | null>(null);
  const [dashboardError, setDashboardError] = useState<string | null>(null);
  const [streamError, setStreamError] = useState<string | null>(null);
  const runningRef = useRef<Map<bigint, Operation>>(new Map());
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const loadDashboard = useCallback(() => {
    backrest
      .getSummaryDashboard({})
      .then((d) => {
        setDashboard(d);
        setDashboardError(null);
      })
      .catch((e: unknown) => setDashboardError(errorMessage(e)));
  }, []);

  const refreshDashboard = useCallback(() => {
    if (timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      loadDashboard();
    }, 1500);
  }, [loadDashboard]);

  // The dashboard is the costliest read on a large history: outside the dashboard view (where only
  // the sidebar's status dots use it) it is read after the page's own data.
  const onDashboard = useRoute().name === "dashboard";
  const first = useRef(true);
  useEffect(() => {
    // On the dashboard: now. Elsewhere: shortly after the first page load, then only every minute.
    const delay = onDashboard ? 0 : first.current ? DEFERRED_DASHBOARD_MS : null;
    first.current = false;
    const start = delay === null ? undefined : setTimeout(loadDashboard, delay);
    const every = setInterval(loadDashboard, 60_000);
    return () => {
      clearTimeout(start);
      clearInterval(every);
    };
  }, [loadDashboard, onDashboard]);

  useEffect(() => {
    const abort = new AbortController();
    const setAll = (next: Map<bigint, Operation>) => {
      runningRef.current = next;
      setRunning(next);
    };
    const run = async () => {
      let modno: bigint | undefined;
      while (!abort.signal.aborted) {
        try {
          if (modno === undefined) {
            const st = await cairn.getStatus({}, { signal: abort.signal });
            modno = st.modno;
            setAll(new Map(st.runningOperations.map((o) => [o.id, o])));
          }
          setStreamError(null);
          for await (const ch of cairn.watchOperations({ resumeAfterModno: modno }, { signal: abort.signal })) {
            if (ch.reload) {
              modno = undefined;
              break;
            }
            if (ch.upserted.length || ch.deleted.length) {
              const r = trackRunning(runningRef.current, ch.upserted, ch.deleted);
              setAll(r.next);
              if (r.finished || ch.deleted.length) refreshDashboard();
            }
            modno = ch.modno;
          }
        } catch (e) {
          if (abort.signal.aborted || isAbort(e)) return;
          setStreamError(errorMessage(e));
        }
        await new Promise((r) => setTimeout(r, 2000));
      }
    };
    void run();
    return () => abort.abort();
  }, [refreshDashboard]);

  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );

  const value = useMemo(
    () => ({ running: [...running.values()], streamError, dashboard, dashboardError, refreshDashboard }),
    [running, streamError, dashboard, dashboardError, refreshDashboard],
  );
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useActivity(): Activity {
  return useContext(Ctx);
}
