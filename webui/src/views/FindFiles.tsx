// Finding files by name across every snapshot of a repository (cairn's FindFiles), from the search
// index the index task keeps: each matching path with its versions (size, modification time and the
// snapshots holding each); any version can be restored, and a path's full history opened.
import { useState, type FormEvent } from "react";
import type { FoundFiles, FoundPath, FoundVersion } from "@gen/cairn/v1/cairn_pb";
import { cairn } from "../api/client";
import { errorMessage } from "../api/errors";
import { formatBytes, formatTime, shortId } from "../lib/format";
import { useTranslation } from "../i18n";
import { ErrorBanner } from "../components/Status";
import { FileHistory } from "./FileHistory";
import { RestoreDialog } from "./RestoreDialog";

const MIB = 1024 * 1024;

/** Bytes from a number of MiB typed; nothing for an empty, negative or unreadable value. */
export function bytesOf(mib: string): bigint | undefined {
  const n = Number(mib) * MIB;
  return mib.trim() && Number.isFinite(n) && n >= 0 ? BigInt(Math.round(n)) : undefined;
}

/** Milliseconds at local midnight of a date input's value, or undefined when it is empty. */
function dayStart(value: string, endOfDay = false): bigint | undefined {
  if (!value) return undefined;
  const [y, m, d] = value.split("-").map(Number);
  const at = new Date(y ?? 1970, (m ?? 1) - 1, d ?? 1);
  if (endOfDay) at.setHours(23, 59, 59, 999);
  return BigInt(at.getTime());
}

export function FindFiles({ repoId }: { repoId: string }) {
  const { t } = useTranslation("snapshots");
  const [pattern, setPattern] = useState("");
  const [minMib, setMinMib] = useState("");
  const [after, setAfter] = useState("");
  const [before, setBefore] = useState("");
  const [found, setFound] = useState<FoundFiles | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const search = (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    cairn
      .findFiles({
        repoId,
        pattern,
        minSize: bytesOf(minMib),
        modifiedAfterMs: dayStart(after),
        modifiedBeforeMs: dayStart(before, true),
        limit: 0,
      })
      .then(setFound)
      .catch((err: unknown) => {
        setFound(null);
        setError(errorMessage(err));
      })
      .finally(() => setBusy(false));
  };
  return (
    <div className="stack">
      <form className="row wrap" role="search" onSubmit={search}>
        <label>
          {t("find.pattern")}
          <input value={pattern} required placeholder={t("find.placeholder")} onChange={(e) => setPattern(e.target.value)} />
        </label>
        <label>
          {t("find.minSize")}
          <input type="number" min="0" step="any" value={minMib} onChange={(e) => setMinMib(e.target.value)} />
        </label>
        <label>
          {t("find.after")}
          <input type="date" value={after} onChange={(e) => setAfter(e.target.value)} />
        </label>
        <label>
          {t("find.before")}
          <input type="date" value={before} onChange={(e) => setBefore(e.target.value)} />
        </label>
        <button type="submit" className="primary" disabled={busy || !pattern}>
          {t("find.search")}
        </button>
      </form>
      {error && <ErrorBanner error={error} />}
      {found && <Results repoId={repoId} found={found} />}
    </div>
  );
}

function Results({ repoId, found }: { repoId: string; found: FoundFiles }) {
  const { t } = useTranslation("snapshots");
  const [history, setHistory] = useState<string | null>(null);
  const [restoring, setRestoring] = useState<{ path: string; snapshotId: string } | null>(null);
  return (
    <div className="stack">
      <p className="muted" role="status">
        {t("find.summary", { count: found.paths.length })} {t("find.searched", { count: found.snapshotsIndexed })}
        {found.truncated && ` ${t("find.truncated")}`}
        {found.snapshotsPending > 0 && ` ${t("find.pending", { count: found.snapshotsPending })}`}
      </p>
      {found.paths.length > 0 && (
        <div className="scroll-x">
          <table aria-label={t("find.results")}>
            <thead>
              <tr>
                <th>{t("find.path")}</th>
                <th>{t("history.size")}</th>
                <th>{t("find.modified")}</th>
                <th>{t("find.held")}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {found.paths.map((p) => (
                <PathRows
                  key={p.path}
                  path={p}
                  onHistory={() => setHistory(p.path)}
                  onRestore={(snapshotId) => setRestoring({ path: p.path, snapshotId })}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {history !== null && <FileHistory repoId={repoId} planId="" path={history} onClose={() => setHistory(null)} />}
      {restoring && (
        <RestoreDialog
          repoId={repoId}
          planId=""
          snapshotId={restoring.snapshotId}
          path={restoring.path}
          onClose={() => setRestoring(null)}
        />
      )}
    </div>
  );
}

/** A path's row, then one row per version; a version restores from the newest snapshot holding it. */
function PathRows(props: { path: FoundPath; onHistory: () => void; onRestore: (snapshotId: string) => void }) {
  const { t } = useTranslation("snapshots");
  const { path } = props;
  return (
    <>
      <tr>
        <td colSpan={4} className="mono" translate="no">
          {path.path}
        </td>
        <td>
          <button type="button" className="link small" onClick={props.onHistory} aria-label={t("history.of", { name: path.path })}>
            {t("history.button")}
          </button>
        </td>
      </tr>
      {path.versions.map((v) => (
        <VersionRow key={`${v.firstTimeMs}-${v.mtimeMs}-${v.size}`} version={v} onRestore={props.onRestore} />
      ))}
    </>
  );
}

function VersionRow({ version: v, onRestore }: { version: FoundVersion; onRestore: (snapshotId: string) => void }) {
  const { t } = useTranslation("snapshots");
  const newest = v.snapshotIds.at(-1) ?? "";
  return (
    <tr className="small">
      <td className="muted">{t("find.version", { type: v.type })}</td>
      <td>{formatBytes(v.size)}</td>
      <td>{formatTime(v.mtimeMs)}</td>
      <td>{t("find.snapshots", { count: v.snapshotIds.length, first: formatTime(v.firstTimeMs), last: formatTime(v.lastTimeMs) })}</td>
      <td>
        <button
          type="button"
          className="link small"
          onClick={() => onRestore(newest)}
          aria-label={t("history.restoreOf", { id: shortId(newest) })}
        >
          {t("history.restore")}
        </button>
      </td>
    </tr>
  );
}
