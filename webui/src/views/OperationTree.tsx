// The history of a plan or repository as a tree: days, then flows (one run each), then the flow's
// operations; live as operations change. Rows are virtualised and older history loads page by page,
// so a history of 100,000 operations stays smooth. Selecting a row shows its details beside the tree.
import { memo, useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useVirtualizer } from "@tanstack/react-virtual";
import type { Operation } from "@gen/v1/operations_pb";
import { useOperations, type SelectorInit } from "../state/operations";
import { treeRows, type Flow, type TreeRow } from "../lib/flows";
import { isRunning, kindLabel, progressOf } from "../lib/operations";
import { OperationSummary } from "./OperationSummary";
import { formatCount, formatDay } from "../lib/format";
import { intlLocale, useTranslation } from "../i18n";
import { ErrorBanner, ProgressBar, StatusBadge, StatusDot } from "../components/Status";
import { OperationDetails } from "./OperationDetails";

const AUTO_EXPANDED = 5;

function timeOf(ms: number): string {
  return new Date(ms).toLocaleTimeString(intlLocale(), { hour: "2-digit", minute: "2-digit" });
}

export function OperationTree(props: { selector: SelectorInit; showPlan?: boolean; emptyText?: string }) {
  const { t, i18n } = useTranslation("operations");
  const live = useOperations(props.selector);
  const flows = live.flows;
  const [toggled, setToggled] = useState<Map<bigint, boolean>>(new Map());
  const [selected, setSelected] = useState<bigint | null>(null);
  const expanded = useMemo(() => {
    const s = new Set<bigint>();
    flows.forEach((f, i) => {
      const t = toggled.get(f.id);
      if (t ?? i < AUTO_EXPANDED) s.add(f.id);
    });
    return s;
  }, [flows, toggled]);
  // Rows keep their identity while their flow or operation is unchanged, so memoised rows skip
  // re-rendering when something else in the history changes.
  const rowCache = useRef(new Map<string, TreeRow>());
  // Day labels are written in the language shown: a switch of language rebuilds them.
  const language = i18n.language;
  const rows = useMemo(
    () => reuseRows(treeRows(flows, expanded, formatDay), rowCache.current),
    // eslint-disable-next-line react-hooks/exhaustive-deps -- `language` is read by formatDay and treeRows through i18n
    [flows, expanded, language],
  );

  const parent = useRef<HTMLDivElement>(null);
  const details = useRef<HTMLDivElement>(null);
  // On narrow screens the details sit below the list: bring them into view when something is picked.
  useEffect(() => {
    if (selected !== null && window.matchMedia?.("(max-width: 1000px)").matches) {
      details.current?.scrollIntoView({ behavior: "smooth", block: "start" });
    }
  }, [selected]);
  const virtual = useVirtualizer({
    count: rows.length,
    getScrollElement: () => parent.current,
    // Rows have fixed heights (views.css), so nothing is measured while scrolling.
    estimateSize: (i) => ROW_HEIGHT[rows[i].kind],
    overscan: 12,
    getItemKey: (i) => rows[i].key,
  });

  const selectedOp = selected === null ? null : (live.ops.get(selected) ?? null);
  const selectedFlow = selectedOp ? live.flowOf(selectedOp.id) : undefined;

  const expandedRef = useRef(expanded);
  expandedRef.current = expanded;
  const toggle = useCallback((f: Flow) => {
    setToggled((m) => new Map(m).set(f.id, !expandedRef.current.has(f.id)));
    setSelected(f.head.id);
  }, []);

  return (
    <div className="optree">
      <ErrorBanner error={live.error} />
      <div className="optree-split">
        <div className="optree-list" ref={parent} role="tree" aria-label={t("tree.label")}>
          {live.loading && <div className="muted pad">{t("tree.loading")}</div>}
          {!live.loading && rows.length === 0 && <div className="muted pad">{props.emptyText ?? t("tree.empty")}</div>}
          <div style={{ height: virtual.getTotalSize(), position: "relative" }}>
            {virtual.getVirtualItems().map((v) => {
              const row = rows[v.index];
              return (
                <div
                  key={v.key}
                  className="optree-row-wrap"
                  style={{ position: "absolute", top: 0, left: 0, right: 0, transform: `translateY(${v.start}px)` }}
                >
                  <Row
                    row={row}
                    expanded={row.kind === "flow" && expanded.has(row.flow.id)}
                    selected={isSelected(row, selected)}
                    showPlan={props.showPlan}
                    onToggle={toggle}
                    onSelect={setSelected}
                  />
                </div>
              );
            })}
          </div>
          {live.hasMore && (
            <div className="pad">
              <button type="button" disabled={live.loadingMore} onClick={() => void live.loadMore()}>
                {live.loadingMore ? t("tree.loadingMore") : t("tree.loadMore")}
              </button>
            </div>
          )}
        </div>
        <div className="optree-details" ref={details}>
          {selectedOp && selectedFlow ? (
            <FlowPane flow={selectedFlow} focus={selectedOp} onSelect={setSelected} />
          ) : (
            <p className="muted pad">{t("tree.selectHint")}</p>
          )}
        </div>
      </div>
    </div>
  );
}

const ROW_HEIGHT: Record<TreeRow["kind"], number> = { day: 30, flow: 56, op: 34 };

function isSelected(row: TreeRow, selected: bigint | null): boolean {
  if (selected === null || row.kind === "day") return false;
  return row.kind === "op" ? row.op.id === selected : row.flow.ops.some((o) => o.id === selected);
}

/** `next` with each row replaced by the cached one of the same key when it shows the same data. */
function reuseRows(next: TreeRow[], cache: Map<string, TreeRow>): TreeRow[] {
  const out = next.map((r) => {
    const old = cache.get(r.key);
    if (!old || old.kind !== r.kind) return r;
    if (r.kind === "flow" && old.kind === "flow" && old.flow === r.flow) return old;
    if (r.kind === "op" && old.kind === "op" && old.op === r.op && old.flow === r.flow) return old;
    if (r.kind === "day" && old.kind === "day" && old.label === r.label && old.count === r.count) return old;
    return r;
  });
  cache.clear();
  out.forEach((r) => cache.set(r.key, r));
  return out;
}

const Row = memo(function Row(props: {
  row: TreeRow;
  expanded: boolean;
  selected: boolean;
  showPlan?: boolean;
  onToggle: (f: Flow) => void;
  onSelect: (id: bigint) => void;
}) {
  const { row } = props;
  // Rows are memoised: the hook re-renders them when the language changes.
  const { t } = useTranslation("operations");
  if (row.kind === "day") {
    return (
      <div className="optree-day">
        {row.label} <span className="muted">({formatCount(row.count)})</span>
      </div>
    );
  }
  if (row.kind === "flow") {
    const f = row.flow;
    const running = f.ops.find(isRunning);
    const progress = running ? progressOf(running) : null;
    const main = f.ops.find((o) => o.op.case !== "operationRunHook") ?? f.head;
    const isSel = props.selected;
    return (
      <div
        className={`optree-flow${isSel ? " selected" : ""}`}
        data-flow-id={String(f.id)}
        data-status={f.status}
        role="treeitem"
        aria-expanded={props.expanded}
        aria-selected={isSel}
        tabIndex={0}
        onClick={() => props.onToggle(f)}
        onKeyDown={(e) => {
          if (e.key !== "Enter" && e.key !== " ") return;
          e.preventDefault();
          props.onToggle(f);
        }}
      >
        <span className="chevron">{props.expanded ? "▾" : "▸"}</span>
        <StatusDot status={f.status} />
        <div className="optree-main">
          <div className="spread">
            <span>
              <strong>{kindLabel(main)}</strong>
              {props.showPlan && main.planId ? (
                <span className="muted" translate="no">
                  {" "}
                  · {main.planId}
                </span>
              ) : null}
              <span className="muted"> · {timeOf(f.startMs)}</span>
            </span>
            <StatusBadge status={f.status} />
          </div>
          {progress ? (
            <div className="row nowrap">
              <ProgressBar fraction={progress.fraction} label={t("tree.progress", { kind: kindLabel(main) })} />
              <span className="small muted ellipsis">{progress.text}</span>
            </div>
          ) : (
            <OperationSummary op={main} block />
          )}
        </div>
      </div>
    );
  }
  const op = row.op;
  return (
    <div
      className={`optree-op${props.selected ? " selected" : ""}`}
      role="treeitem"
      aria-selected={props.selected}
      tabIndex={0}
      onClick={() => props.onSelect(op.id)}
      onKeyDown={(e) => e.key === "Enter" && props.onSelect(op.id)}
    >
      <StatusDot status={op.status} />
      <span>{kindLabel(op)}</span>
      <OperationSummary op={op} />
    </div>
  );
});

function FlowPane(props: { flow: Flow; focus: Operation; onSelect: (id: bigint) => void }) {
  const { flow, focus } = props;
  const { t } = useTranslation("operations");
  return (
    <div className="stack pad">
      {flow.ops.length > 1 && (
        <div className="tabs" role="tablist" aria-label={t("tree.runTabs")}>
          {flow.ops.map((o) => (
            <button key={String(o.id)} type="button" role="tab" aria-selected={o.id === focus.id} onClick={() => props.onSelect(o.id)}>
              <StatusDot status={o.status} /> {kindLabel(o)}
            </button>
          ))}
        </div>
      )}
      <div role="tabpanel" aria-label={kindLabel(focus)}>
        <OperationDetails op={focus} />
      </div>
    </div>
  );
}
