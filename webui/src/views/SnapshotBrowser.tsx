// A snapshot's files as a tree loaded one directory at a time (ListSnapshotFiles), with each entry's
// size, time and mode; any entry can be restored (a dialog with the target) or downloaded as an archive,
// several entries ticked and restored in one operation, and any file's versions across all snapshots
// listed (its history).
import { useCallback, useState } from "react";
import type { ResticSnapshot } from "@gen/v1/restic_pb";
import type { LsEntry } from "@gen/v1/service_pb";
import { backrest } from "../api/client";
import { formatBytes, formatCount, formatTime, shortId } from "../lib/format";
import { isKeyOf } from "../lib/keys";
import { Trans, useTranslation } from "../i18n";
import { RestoreDialog } from "./RestoreDialog";
import { FileHistory } from "./FileHistory";
import { DownloadButtons } from "./OperationDetails";
import { Modal } from "../components/Modal";
import { FileIcon, FolderIcon, LinkIcon } from "../components/Icons";
import { LevelNote } from "../components/LevelNote";
import { useLazyTree } from "../lib/useLazyTree";

interface DirData {
  entries: LsEntry[];
  /** How many entries are drawn; a huge directory is drawn a page at a time. */
  shown: number;
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

/** The entry types ls reports, each with its word in the catalogue; any other is shown as it comes. */
const TYPES = { dir: "browser.types.dir", file: "browser.types.file", symlink: "browser.types.symlink" } as const;

/** Indentation of a tree level, narrower on phones (the --tree-indent CSS variable). */
export function indent(depth: number, extraPx: number) {
  return { paddingLeft: `calc(var(--tree-indent) * ${depth} + ${extraPx}px)` };
}

export function SnapshotBrowser(props: { repoId: string; planId: string; snapshot: ResticSnapshot; indexOpId: bigint }) {
  const [restoring, setRestoring] = useState<string[] | null>(null);
  const [selected, setSelected] = useState<string[]>([]);
  const [downloading, setDownloading] = useState<string | null>(null);
  const [info, setInfo] = useState<LsEntry | null>(null);
  const [history, setHistory] = useState<string | null>(null);
  const { t } = useTranslation("snapshots");

  const fetchDir = useCallback(
    async (path: string): Promise<DirData> => {
      const r = await backrest.listSnapshotFiles({ repoId: props.repoId, snapshotId: props.snapshot.id, path });
      return { entries: sortEntries(path, r.entries), shown: DIR_PAGE };
    },
    [props.repoId, props.snapshot.id],
  );
  const { levels: dirs, open, toggle, update } = useLazyTree(fetchDir);

  const renderDir = (path: string, depth: number) => {
    const st = dirs.get(path);
    if (!st?.entries?.length || st.error) return <LevelNote level={st} style={indent(depth, 24)} empty={t("browser.empty")} />;
    const shown = st.shown ?? DIR_PAGE;
    const rest = st.entries.length - shown;
    return (
      <>
        {st.entries.slice(0, shown).map((e) => renderEntry(e, depth))}
        {rest > 0 && (
          <div className="tree-note" style={indent(depth, 24)}>
            <button type="button" className="link" onClick={() => update(path, { shown: shown + DIR_PAGE })}>
              {t("browser.showMore", { n: formatCount(Math.min(rest, DIR_PAGE)), rest: formatCount(rest) })}
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
          <input
            type="checkbox"
            checked={selected.includes(e.path)}
            aria-label={t("browser.select", { name: e.name })}
            onChange={() => setSelected((s) => (s.includes(e.path) ? s.filter((p) => p !== e.path) : [...s, e.path]))}
          />
          <button
            type="button"
            className="tree-toggle"
            disabled={!isDir}
            aria-label={isDir ? t(isOpen ? "browser.collapse" : "browser.expand", { name: e.name }) : undefined}
            onClick={() => toggle(e.path)}
          >
            {isDir ? (isOpen ? "▾" : "▸") : ""}
          </button>
          <span className={`tree-name${isDir ? " tree-dir" : ""}`} onClick={() => isDir && toggle(e.path)}>
            {isDir ? <FolderIcon /> : e.type === "symlink" ? <LinkIcon /> : <FileIcon />} <span translate="no">{e.name}</span>
          </span>
          <span className="tree-meta small muted">{isDir ? "" : formatBytes(e.size)}</span>
          <span className="tree-meta small muted hide-narrow">{e.mtime ? formatTime(Date.parse(e.mtime)) : ""}</span>
          <span className="tree-actions">
            <button type="button" className="link small" onClick={() => setInfo(e)} aria-label={t("browser.infoAbout", { name: e.name })}>
              {t("browser.info")}
            </button>
            <button
              type="button"
              className="link small"
              onClick={() => setRestoring([e.path])}
              aria-label={t("browser.restoreEntry", { name: e.name })}
            >
              {t("browser.restore")}
            </button>
            <button
              type="button"
              className="link small"
              onClick={() => setDownloading(e.path)}
              aria-label={t("browser.downloadEntry", { name: e.name })}
            >
              {t("browser.download")}
            </button>
            {!isDir && (
              <button
                type="button"
                className="link small"
                onClick={() => setHistory(e.path)}
                aria-label={t("history.of", { name: e.name })}
              >
                {t("history.button")}
              </button>
            )}
          </span>
        </div>
        {isDir && isOpen && renderDir(e.path, depth + 1)}
      </div>
    );
  };

  const roots = props.snapshot.paths.length ? props.snapshot.paths : ["/"];
  return (
    <>
      {selected.length > 0 && (
        <div className="row small" role="toolbar" aria-label={t("browser.selection")}>
          <span role="status">{t("browser.selected", { count: selected.length })}</span>
          <button type="button" className="primary" onClick={() => setRestoring(selected)}>
            {t("browser.restoreSelected")}
          </button>
          <button type="button" onClick={() => setSelected([])}>
            {t("browser.clearSelection")}
          </button>
        </div>
      )}
      <div className="snapshot-browser card" role="tree" aria-label={t("browser.filesOf", { id: shortId(props.snapshot.id) })}>
        {roots.map((root) => {
          const name = root;
          return renderEntry({ name, path: root, type: "dir" } as LsEntry, 0);
        })}
      </div>
      {restoring !== null && (
        <RestoreDialog
          repoId={props.repoId}
          planId={props.planId}
          snapshotId={props.snapshot.id}
          path={restoring[0] ?? "/"}
          morePaths={restoring.slice(1)}
          onClose={() => setRestoring(null)}
        />
      )}
      {downloading !== null && (
        <Modal title={t("browser.download")} onClose={() => setDownloading(null)}>
          <p>
            <Trans
              t={t}
              i18nKey="browser.downloadText"
              components={{ code: <code translate="no" /> }}
              values={{ path: downloading, id: shortId(props.snapshot.id) }}
              shouldUnescape
            />
          </p>
          <DownloadButtons opId={props.indexOpId} filePath={downloading} label={t("browser.download")} />
        </Modal>
      )}
      {info && <EntryInfo entry={info} onClose={() => setInfo(null)} />}
      {history !== null && <FileHistory repoId={props.repoId} planId={props.planId} path={history} onClose={() => setHistory(null)} />}
    </>
  );
}

/** An entry's metadata as ls reports it; the times are shown exactly as restic wrote them. */
function EntryInfo({ entry, onClose }: { entry: LsEntry; onClose: () => void }) {
  const { t } = useTranslation("snapshots");
  return (
    <Modal title={t("browser.infoTitle", { name: entry.name })} onClose={onClose}>
      <dl className="kv small">
        <dt>{t("browser.path")}</dt>
        <dd className="mono" translate="no">
          {entry.path}
        </dd>
        <dt>{t("browser.type")}</dt>
        <dd>{isKeyOf(TYPES, entry.type) ? t(TYPES[entry.type]) : entry.type}</dd>
        <dt>{t("browser.size")}</dt>
        <dd>{formatBytes(entry.size)}</dd>
        <dt>{t("browser.mode")}</dt>
        <dd className="mono" translate="no">
          {modeString(entry.mode ?? 0n, entry.type)}
        </dd>
        <dt>{t("browser.owner")}</dt>
        <dd>{t("browser.ownerIds", { uid: String(entry.uid ?? 0n), gid: String(entry.gid ?? 0n) })}</dd>
        <dt>{t("browser.modified")}</dt>
        <dd translate="no">{entry.mtime || "–"}</dd>
        <dt>{t("browser.accessed")}</dt>
        <dd translate="no">{entry.atime || "–"}</dd>
        <dt>{t("browser.changed")}</dt>
        <dd translate="no">{entry.ctime || "–"}</dd>
      </dl>
    </Modal>
  );
}
