// Every multihost peer's session state (GetPeerSyncStatesStream, subscribed), by key id, kept current
// while a view needs it; the stream reconnects by itself after an error.
import { useEffect, useState } from "react";
import type { PeerState } from "@gen/v1sync/syncservice_pb";
import { syncState } from "../api/client";
import { errorMessage, isAbort } from "../api/errors";

export interface PeerStates {
  /** By peer key id. */
  states: ReadonlyMap<string, PeerState>;
  /** Why the stream is down (it reconnects by itself), or null. */
  error: string | null;
}

export function usePeerStates(): PeerStates {
  const [states, setStates] = useState<ReadonlyMap<string, PeerState>>(new Map());
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const abort = new AbortController();
    const run = async () => {
      while (!abort.signal.aborted) {
        try {
          for await (const s of syncState.getPeerSyncStatesStream({ subscribe: true }, { signal: abort.signal })) {
            setError(null);
            setStates((prev) => new Map(prev).set(s.peerKeyid, s));
          }
        } catch (e) {
          if (abort.signal.aborted || isAbort(e)) return;
          setError(errorMessage(e));
        }
        await new Promise((r) => setTimeout(r, 2000));
      }
    };
    void run();
    return () => abort.abort();
  }, []);
  return { states, error };
}
