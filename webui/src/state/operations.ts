// Live operations for one selector: the newest page from GetOperations, older pages on demand
// (cairn's before_id), and every later change from cairn's WatchOperations stream, resumed from the
// last modno after a dropped connection so nothing is missed and nothing is loaded twice. Changes
// are gathered and applied to a FlowIndex about ten times a second, so a busy server does not
// re-render the page on every progress tick.
import { useCallback, useEffect, useRef, useState } from "react";
import { create } from "@bufbuild/protobuf";
import type { Operation } from "@gen/v1/operations_pb";
import { OpSelectorSchema, type OpSelector } from "@gen/v1/service_pb";
import { backrest, cairn } from "../api/client";
import { errorMessage, isAbort } from "../api/errors";
import { i18n } from "../i18n";
import { FlowIndex } from "../lib/flowIndex";
import type { Flow } from "../lib/flows";

export interface SelectorInit {
  planId?: string;
  repoGuid?: string;
  flowId?: bigint;
  ids?: bigint[];
  snapshotId?: string;
  /** Only the operations a fleet client synced to this hub, by its key id. */
  originalInstanceKeyid?: string;
  /** cairn's kinds filter: backup, index_snapshot, forget, prune, restore, stats, hook, check, run_command. */
  kinds?: string[];
}

export interface LiveOperations {
  /** Operations by id; read it during render (it changes in place; `version` says when). */
  ops: ReadonlyMap<bigint, Operation>;
  /** The tree's flows, newest first. */
  flows: Flow[];
  flowOf: (opId: bigint) => Flow | undefined;
  /** Grows with every applied change. */
  version: number;
  loading: boolean;
  error: string | null;
  /** More history exists before the oldest loaded operation. */
  hasMore: boolean;
  loadingMore: boolean;
  loadMore: () => Promise<void>;
}

const RECONNECT_MS = 2000;
const RETRY_FIRST_PAGE_MS = 5000;
const FLUSH_MS = 100;

function toSelector(s: SelectorInit): OpSelector {
  return create(OpSelectorSchema, s);
}

function keyOf(selector: SelectorInit | null): string {
  return selector ? JSON.stringify(selector, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v)) : "";
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function useOperations(selector: SelectorInit | null, pageSize = 500): LiveOperations {
  const key = keyOf(selector);
  const index = useRef(new FlowIndex());
  const abortRef = useRef<AbortController | null>(null);
  const [version, setVersion] = useState(0);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [hasMore, setHasMore] = useState(false);
  const [loadingMore, setLoadingMore] = useState(false);

  useEffect(() => {
    if (!selector) return;
    const sel = toSelector(selector);
    const abort = new AbortController();
    abortRef.current = abort;
    const { signal } = abort;
    let modno: bigint | undefined;
    let queued: { up: Operation[]; del: bigint[] } = { up: [], del: [] };
    let timer: ReturnType<typeof setTimeout> | null = null;
    const bump = () => setVersion((v) => v + 1);
    const flush = () => {
      timer = null;
      const { up, del } = queued;
      queued = { up: [], del: [] };
      if (index.current.apply(up, del)) bump();
    };

    const loadFirstPage = async () => {
      const status = await cairn.getStatus({}, { signal });
      modno = status.modno;
      const list = await backrest.getOperations({ selector: sel, lastN: BigInt(pageSize) }, { signal });
      index.current = new FlowIndex();
      index.current.apply(list.operations, [], true);
      setHasMore(list.operations.length >= pageSize);
      setLoading(false);
      setError(null);
      bump();
    };

    const follow = async () => {
      while (!signal.aborted) {
        try {
          for await (const ch of cairn.watchOperations({ selector: sel, resumeAfterModno: modno }, { signal })) {
            if (ch.reload) await loadFirstPage();
            else if (ch.upserted.length || ch.deleted.length) {
              queued.up.push(...ch.upserted);
              queued.del.push(...ch.deleted);
              timer ??= setTimeout(flush, FLUSH_MS);
            }
            modno = ch.modno;
            setError(null);
          }
        } catch (e) {
          if (signal.aborted || isAbort(e)) return;
          setError(i18n.t("activity:live.interrupted", { error: errorMessage(e) }));
        }
        await sleep(RECONNECT_MS);
      }
    };

    const run = async () => {
      while (!signal.aborted) {
        try {
          await loadFirstPage();
          break;
        } catch (e) {
          if (signal.aborted || isAbort(e)) return;
          setError(i18n.t("activity:live.retrying", { error: errorMessage(e) }));
          setLoading(false);
          await sleep(RETRY_FIRST_PAGE_MS);
        }
      }
      await follow();
    };

    index.current = new FlowIndex();
    setLoading(true);
    setHasMore(false);
    bump();
    void run();
    return () => {
      abort.abort();
      if (timer) clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- `key` is the selector's value
  }, [key, pageSize]);

  const loadMore = useCallback(async () => {
    const oldest = index.current.oldestPaged;
    const abort = abortRef.current;
    if (!selector || oldest === null || !abort || loadingMore) return;
    const target = index.current;
    setLoadingMore(true);
    try {
      const list = await backrest.getOperations(
        { selector: toSelector(selector), lastN: BigInt(pageSize), beforeId: oldest },
        { signal: abort.signal },
      );
      if (index.current !== target) return;
      target.apply(list.operations, [], true);
      setHasMore(list.operations.length >= pageSize);
      setVersion((v) => v + 1);
    } catch (e) {
      if (!isAbort(e)) setError(errorMessage(e));
    } finally {
      setLoadingMore(false);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps -- `key` is the selector's value
  }, [key, pageSize, loadingMore]);

  const flowOf = useCallback((id: bigint) => index.current.flowOf(id), []);
  return {
    ops: index.current.ops,
    flows: index.current.flowsNewestFirst(),
    flowOf,
    version,
    loading,
    error,
    hasMore,
    loadingMore,
    loadMore,
  };
}
