// Two snapshots of a repository compared one directory at a time (cairn's DiffSnapshots): what was
// added, removed, changed or retyped, each directory with the number of changes inside it, and the
// totals of the whole comparison. Either snapshot can be switched to compare any pair.
import { useCallback, useEffect, useState } from "react";
import type { ResticSnapshot } from "@gen/v1/restic_pb";
import type { DiffEntry, DiffTotals } from "@gen/cairn/v1/cairn_pb";
import { cairn } from "../api/client";
import { formatBytes, formatCount, formatTime, shortId } from "../lib/format";
import { isKeyOf } from "../lib/keys";
import { indent } from "./SnapshotBrowser";
import { useTranslation } from "../i18n";
import { FileIcon, FolderIcon, LinkIcon } from "../components/Icons";
import { LevelNote } from "../components/LevelNote";
import { useLazyTree } from "../lib/useLazyTree";

interface LevelData {
  entries: DiffEntry[];
  totals?: DiffTotals;
  truncated: boolean;
}

/** The catalogue key of each change marker the server sends. */
const CHANGES = {
  "+": "diff.changes.added",
  "-": "diff.changes.removed",
  M: "diff.changes.content",
  T: "diff.changes.type",
  U: "diff.changes.metadata",
  "": "diff.changes.inside",
} as const;

const TONES: Record<string, string> = { "+": "tone-ok", "-": "tone-err", M: "tone-warn", T: "tone-warn" };

/** How many entries differ below a directory. */
export function changesInside(t?: DiffTotals): number {
  if (!t) return 0;
  const parts = [
    t.filesAdded,
    t.filesRemoved,
    t.filesChanged,
    t.dirsAdded,
    t.dirsRemoved,
    t.othersAdded,
    t.othersRemoved,
    t.metadataChanged,
  ];
  return parts.reduce((sum, n) => sum + Number(n), 0);
}

/** The entry's last path component. */
function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1) || path;
}

export function SnapshotDiff(props: { repoId: string; snapshots: ResticSnapshot[]; a: string; b: string }) {
  const { t } = useTranslation("snapshots");
  const [a, setA] = useState(props.a);
  const [b, setB] = useState(props.b);
  const fetchLevel = useCallback(
    async (path: string): Promise<LevelData> => {
      const r = await cairn.diffSnapshots({ repoId: props.repoId, snapshotA: a, snapshotB: b, path, recursive: false });
      return { entries: r.entries, totals: r.totals, truncated: r.truncated };
    },
    [props.repoId, a, b],
  );
  const { levels, open, load, toggle, reset } = useLazyTree(fetchLevel);

  useEffect(() => {
    reset();
    void load("/");
  }, [load, reset]);

  const renderLevel = (path: string, depth: number) => {
    const level = levels.get(path);
    if (!level?.entries?.length || level.error) return <LevelNote level={level} style={indent(depth, 0)} empty={t("diff.none")} />;
    return (
      <>
        {level.entries.map((e) => renderEntry(e, depth))}
        {level.truncated && (
          <div className="tree-note muted" style={indent(depth, 0)}>
            {t("diff.truncated", { n: formatCount(level.entries.length) })}
          </div>
        )}
      </>
    );
  };

  const renderEntry = (e: DiffEntry, depth: number) => {
    const now = e.after ?? e.before;
    const inside = changesInside(e.inside);
    const expandable = inside > 0;
    const isOpen = open.has(e.path);
    const name = baseName(e.path);
    const icon = now?.type === "dir" ? <FolderIcon /> : now?.type === "symlink" ? <LinkIcon /> : <FileIcon />;
    return (
      <div key={e.path} role="treeitem" aria-expanded={expandable ? isOpen : undefined} aria-label={name}>
        <div className="tree-entry" style={indent(depth, 0)}>
          <button
            type="button"
            className="tree-toggle"
            disabled={!expandable}
            aria-label={expandable ? t(isOpen ? "browser.collapse" : "browser.expand", { name }) : undefined}
            onClick={() => toggle(e.path)}
          >
            {expandable ? (isOpen ? "▾" : "▸") : ""}
          </button>
          <span className={`tree-name${expandable ? " tree-dir" : ""}`} onClick={() => expandable && toggle(e.path)}>
            {icon} <span translate="no">{name}</span>
          </span>
          <span className={`badge small ${TONES[e.change] ?? "tone-off"}`}>
            {isKeyOf(CHANGES, e.change) ? t(CHANGES[e.change]) : e.change}
          </span>
          <span className="tree-meta small muted">
            {expandable ? t("diff.inside", { count: inside, n: formatCount(inside) }) : sizes(e)}
          </span>
        </div>
        {expandable && isOpen && renderLevel(e.path, depth + 1)}
      </div>
    );
  };

  const totals = levels.get("/")?.totals;
  return (
    <section className="card stack" aria-label={t("diff.title", { a: shortId(a), b: shortId(b) })}>
      <div className="row">
        <SnapshotPick label={t("diff.from")} value={a} snapshots={props.snapshots} onChange={setA} />
        <SnapshotPick label={t("diff.to")} value={b} snapshots={props.snapshots} onChange={setB} />
      </div>
      {totals && (
        <p className="small" role="status">
          {t("diff.summary", {
            filesAdded: formatCount(totals.filesAdded),
            filesRemoved: formatCount(totals.filesRemoved),
            filesChanged: formatCount(totals.filesChanged),
            dirsAdded: formatCount(totals.dirsAdded),
            dirsRemoved: formatCount(totals.dirsRemoved),
            bytesAdded: formatBytes(totals.bytesAdded),
            bytesRemoved: formatBytes(totals.bytesRemoved),
          })}
        </p>
      )}
      <div className="snapshot-browser" role="tree" aria-label={t("diff.title", { a: shortId(a), b: shortId(b) })}>
        {renderLevel("/", 0)}
      </div>
    </section>
  );
}

/** A file's size before and after, as "1 KiB → 2 KiB" when it changed. */
function sizes(e: DiffEntry): string {
  const before = e.before?.type === "file" ? formatBytes(e.before.size) : "";
  const after = e.after?.type === "file" ? formatBytes(e.after.size) : "";
  if (before && after && before !== after) return `${before} → ${after}`;
  return after || before;
}

function SnapshotPick(props: { label: string; value: string; snapshots: ResticSnapshot[]; onChange: (id: string) => void }) {
  return (
    <label className="field">
      <span>{props.label}</span>
      <select value={props.value} onChange={(e) => props.onChange(e.target.value)} translate="no">
        {props.snapshots.map((s) => (
          <option key={s.id} value={s.id}>
            {`${shortId(s.id)} · ${formatTime(s.unixTimeMs)}`}
          </option>
        ))}
      </select>
    </label>
  );
}
