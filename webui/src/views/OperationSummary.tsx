// An operation's summary line: its parts joined by " · ", data (paths) marked translate="no" and text the
// server wrote marked data-server-text, so neither is taken for a missing translation.
import { summaryOf } from "../lib/operations";
import type { Operation } from "@gen/v1/operations_pb";

export function OperationSummary(props: { op: Operation; block?: boolean }) {
  const parts = summaryOf(props.op).map((p, i) => (
    <span key={i} translate={p.origin === "data" ? "no" : undefined} data-server-text={p.origin === "server" ? "" : undefined}>
      {i > 0 && " · "}
      {p.text}
    </span>
  ));
  return props.block ? <div className="small muted ellipsis">{parts}</div> : <span className="small muted ellipsis">{parts}</span>;
}
