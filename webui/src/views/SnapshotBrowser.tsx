// A snapshot's files as a tree loaded one directory at a time (ListSnapshotFiles), with each entry's
// size, time and mode; any entry can be restored (a dialog with the target) or downloaded as an archive.
import { useCallback, useState } from "react";
import type { ResticSnapshot } from "@gen/v1/restic_pb";
import type { LsEntry } from "@gen/v1/service_pb";
import { backrest } from "../api/client";
import { errorMessage } from "../api/errors";
import { formatBytes, shortId } from "../lib/format";
import { RestoreDialog } from "./RestoreDialog";
import { DownloadButtons } from "./OperationDetails";
import { Modal } from "../components/Modal";
import { FileIcon, FolderIcon, LinkIcon } from "../components/Icons";

interface DirState {
  loading: boolean;
  error?: string;
  entries?: LsEntry[];
  /** How many entries are drawn; a huge directory is drawn a page at a time. */
  shown?: number;
}

/** Entries drawn at once per directory. */
export const DIR_PAGE = 500;

/** Sorts a listing: directories first, then by name; drops the listed directory itself. */
export function sortEntries(dir: string, entries: LsEntry[]): LsEntry[] {
  return entries
    .filter((e) => e.path !== dir && e.path !== dir.replace(/\/$/, ""))
    .sort((a, b) => Number(b.type === "dir") - Number(a.type === "dir") || a.name.localeCompare(b.name));
}

/** `-rw-r--r--` from a Go file mode (permission bits and the directory/symlink type bits). */
export function modeString(mode: bigint, type: string): string {
  const m = Number(mode & 0o777n);
  const kind = type === "dir" ? "d" : type === "symlink" ? "l" : "-";
  const bits = "rwxrwxrwx";
  return kind + [...bits].map((c, i) => (m & (1 << (8 - i)) ? c : "-")).join("");
}

/** Indentation of a tree level, narrower on phones (the --tree-indent CSS variable). */
function indent(depth: number, extraPx: number) {
  return { paddingLeft: `calc(var(--tree-indent) * ${depth} + ${extraPx}px)` };
}

export function SnapshotBrowser(props: { repoId: string; planId: string; snapshot: ResticSnapshot; indexOpId: bigint }) {
  const [dirs, setDirs] = useState<Map<string, DirState>>(new Map());
  const [open, setOpen] = useState<Set<string>>(new Set());
  const [restoring, setRestoring] = useState<string | null>(null);
  const [downloading, setDownloading] = useState<string | null>(null);
  const [info, setInfo] = useState<LsEntry | null>(null);

  const load = useCallback(
    async (path: string) => {
      setDirs((m) => new Map(m).set(path, { loading: true }));
      try {
        const r = await backrest.listSnapshotFiles({ repoId: props.repoId, snapshotId: props.snapshot.id, path });
        setDirs((m) => new Map(m).set(path, { loading: false, entries: sortEntries(path, r.entries), shown: DIR_PAGE }));
      } catch (e) {
        setDirs((m) => new Map(m).set(path, { loading: false, error: errorMessage(e) }));
      }
    },
    [props.repoId, props.snapshot.id],
  );

  const toggle = (path: string) => {
    const next = new Set(open);
    if (next.has(path)) next.delete(path);
    else {
      next.add(path);
      if (!dirs.has(path)) void load(path);
    }
    setOpen(next);
  };

  const renderDir = (path: string, depth: number) => {
    const st = dirs.get(path);
    if (!st || st.loading)
      return (
        <div className="tree-note muted" style={indent(depth, 24)}>
          Loading…
        </div>
      );
    if (st.error)
      return (
        <div className="tree-note field-error" style={indent(depth, 24)} role="alert">
          {st.error}
        </div>
      );
    if (!st.entries?.length)
      return (
        <div className="tree-note muted" style={indent(depth, 24)}>
          Empty
        </div>
      );
    const shown = st.shown ?? DIR_PAGE;
    const rest = st.entries.length - shown;
    return (
      <>
        {st.entries.slice(0, shown).map((e) => renderEntry(e, depth))}
        {rest > 0 && (
          <div className="tree-note" style={indent(depth, 24)}>
            <button type="button" className="link" onClick={() => setDirs((m) => new Map(m).set(path, { ...st, shown: shown + DIR_PAGE }))}>
              Show {Math.min(rest, DIR_PAGE)} more of {rest} remaining
            </button>
          </div>
        )}
      </>
    );
  };

  const renderEntry = (e: LsEntry, depth: number) => {
    const isDir = e.type === "dir";
    const isOpen = open.has(e.path);
    return (
      <div key={e.path} role="treeitem" aria-expanded={isDir ? isOpen : undefined} aria-label={e.name}>
        <div className="tree-entry" style={indent(depth, 0)}>
          <button
            type="button"
            className="tree-toggle"
            disabled={!isDir}
            aria-label={isDir ? (isOpen ? `Collapse ${e.name}` : `Expand ${e.name}`) : undefined}
            onClick={() => toggle(e.path)}
          >
            {isDir ? (isOpen ? "▾" : "▸") : ""}
          </button>
          <span className={`tree-name${isDir ? " tree-dir" : ""}`} onClick={() => isDir && toggle(e.path)}>
            {isDir ? <FolderIcon /> : e.type === "symlink" ? <LinkIcon /> : <FileIcon />} {e.name}
          </span>
          <span className="tree-meta small muted">{isDir ? "" : formatBytes(e.size)}</span>
          <span className="tree-meta small muted hide-narrow">{e.mtime ? new Date(e.mtime).toLocaleString() : ""}</span>
          <span className="tree-actions">
            <button type="button" className="link small" onClick={() => setInfo(e)} aria-label={`Info about ${e.name}`}>
              Info
            </button>
            <button type="button" className="link small" onClick={() => setRestoring(e.path)} aria-label={`Restore ${e.name}`}>
              Restore
            </button>
            <button type="button" className="link small" onClick={() => setDownloading(e.path)} aria-label={`Download ${e.name}`}>
              Download
            </button>
          </span>
        </div>
        {isDir && isOpen && renderDir(e.path, depth + 1)}
      </div>
    );
  };

  const roots = props.snapshot.paths.length ? props.snapshot.paths : ["/"];
  return (
    <div className="snapshot-browser card" role="tree" aria-label={`Files of snapshot ${shortId(props.snapshot.id)}`}>
      {roots.map((root) => {
        const name = root;
        return renderEntry({ name, path: root, type: "dir" } as LsEntry, 0);
      })}
      {restoring !== null && (
        <RestoreDialog
          repoId={props.repoId}
          planId={props.planId}
          snapshotId={props.snapshot.id}
          path={restoring}
          onClose={() => setRestoring(null)}
        />
      )}
      {downloading !== null && (
        <Modal title="Download" onClose={() => setDownloading(null)}>
          <p>
            <code>{downloading}</code> from snapshot {shortId(props.snapshot.id)}, as an archive made on the fly.
          </p>
          <DownloadButtons opId={props.indexOpId} filePath={downloading} label="Download" />
        </Modal>
      )}
      {info && (
        <Modal title={`Info: ${info.name}`} onClose={() => setInfo(null)}>
          <dl className="kv small">
            <dt>Path</dt>
            <dd className="mono">{info.path}</dd>
            <dt>Type</dt>
            <dd>{info.type}</dd>
            <dt>Size</dt>
            <dd>{formatBytes(info.size)}</dd>
            <dt>Mode</dt>
            <dd className="mono">{modeString(info.mode ?? 0n, info.type)}</dd>
            <dt>Owner</dt>
            <dd>
              uid {String(info.uid ?? 0n)}, gid {String(info.gid ?? 0n)}
            </dd>
            <dt>Modified</dt>
            <dd>{info.mtime || "–"}</dd>
            <dt>Accessed</dt>
            <dd>{info.atime || "–"}</dd>
            <dt>Changed</dt>
            <dd>{info.ctime || "–"}</dd>
          </dl>
        </Modal>
      )}
    </div>
  );
}
