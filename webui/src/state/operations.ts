// Live operations for one selector: the newest page from GetOperations, older pages on demand
// (cairn's before_id), and every later change from cairn's WatchOperations stream, resumed from the
// last modno after a dropped connection so nothing is missed and nothing is loaded twice.
import { useCallback, useEffect, useRef, useState } from "react";
import { create } from "@bufbuild/protobuf";
import type { Operation } from "@gen/v1/operations_pb";
import { OpSelectorSchema, type OpSelector } from "@gen/v1/service_pb";
import { backrest, cairn } from "../api/client";
import { errorMessage, isAbort } from "../api/errors";

export interface SelectorInit {
  planId?: string;
  repoGuid?: string;
  flowId?: bigint;
  ids?: bigint[];
  snapshotId?: string;
  /** cairn's kinds filter: backup, index_snapshot, forget, prune, restore, stats, hook, check, run_command. */
  kinds?: string[];
}

export interface LiveOperations {
  /** Operations by id. A new Map on every change. */
  ops: Map<bigint, Operation>;
  loading: boolean;
  error: string | null;
  /** More history exists before the oldest loaded operation. */
  hasMore: boolean;
  loadMore: () => Promise<void>;
}

/** Applies one change set to a map of operations; returns the same map when nothing changed. */
export function applyChanges(ops: Map<bigint, Operation>, upserted: Operation[], deleted: bigint[]): Map<bigint, Operation> {
  if (upserted.length === 0 && deleted.length === 0) return ops;
  const next = new Map(ops);
  for (const op of upserted) {
    const had = next.get(op.id);
    if (!had || had.modno <= op.modno) next.set(op.id, op);
  }
  for (const id of deleted) next.delete(id);
  return next;
}

function toSelector(s: SelectorInit): OpSelector {
  return create(OpSelectorSchema, s);
}

const RECONNECT_MS = 2000;

export function useOperations(selector: SelectorInit | null, pageSize = 500): LiveOperations {
  const [ops, setOps] = useState<Map<bigint, Operation>>(new Map());
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [hasMore, setHasMore] = useState(false);
  const oldest = useRef<bigint>(0n);
  const key = selector ? JSON.stringify(selector, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v)) : "";

  useEffect(() => {
    if (!selector) return;
    const sel = toSelector(selector);
    const abort = new AbortController();
    let modno: bigint | undefined;

    const loadFirstPage = async () => {
      const status = await cairn.getStatus({}, { signal: abort.signal });
      modno = status.modno;
      const list = await backrest.getOperations({ selector: sel, lastN: BigInt(pageSize) }, { signal: abort.signal });
      const fresh = new Map<bigint, Operation>();
      for (const op of list.operations) fresh.set(op.id, op);
      oldest.current = list.operations[0]?.id ?? 0n;
      setHasMore(list.operations.length >= pageSize);
      setOps(fresh);
      setLoading(false);
      setError(null);
    };

    const follow = async () => {
      for (;;) {
        try {
          const stream = cairn.watchOperations({ selector: sel, resumeAfterModno: modno }, { signal: abort.signal });
          for await (const ch of stream) {
            if (ch.reload) {
              await loadFirstPage();
            } else if (ch.upserted.length || ch.deleted.length) {
              setOps((m) => applyChanges(m, ch.upserted, ch.deleted));
            }
            modno = ch.modno;
            setError(null);
          }
        } catch (e) {
          if (abort.signal.aborted || isAbort(e)) return;
          setError(`live updates interrupted (${errorMessage(e)}); reconnecting`);
        }
        await new Promise((r) => setTimeout(r, RECONNECT_MS));
        if (abort.signal.aborted) return;
      }
    };

    setLoading(true);
    setOps(new Map());
    loadFirstPage()
      .then(follow)
      .catch((e: unknown) => {
        if (!abort.signal.aborted && !isAbort(e)) {
          setError(errorMessage(e));
          setLoading(false);
        }
      });
    return () => abort.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- `key` is the selector's value
  }, [key, pageSize]);

  const loadMore = useCallback(async () => {
    if (!selector || oldest.current === 0n) return;
    try {
      const list = await backrest.getOperations({
        selector: toSelector(selector),
        lastN: BigInt(pageSize),
        beforeId: oldest.current,
      });
      if (list.operations.length) oldest.current = list.operations[0].id;
      setHasMore(list.operations.length >= pageSize);
      setOps((m) => applyChanges(m, list.operations, []));
    } catch (e) {
      setError(errorMessage(e));
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps -- `key` is the selector's value
  }, [key, pageSize]);

  return { ops, loading, error, hasMore, loadMore };
}
