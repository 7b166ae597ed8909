// A console for one repository: runs a restic command on the server (RunCommand), streams its output
// live, and lists the commands run on the repository before, each with its log.
import "./tools.css";
import { useEffect, useId, useState, type FormEvent } from "react";
import type { Operation } from "@gen/v1/operations_pb";
import { backrest } from "../api/client";
import { errorMessage } from "../api/errors";
import { Field } from "../components/Field";
import { StatusBadge } from "../components/Status";
import { Trans, i18n, useTranslation } from "../i18n";
import { formatBytes, formatTime } from "../lib/format";
import { isActive, logRefOf } from "../lib/operations";
import { useOperations } from "../state/operations";
import { LogButton, LogViewer } from "./LogViewer";

const HISTORY = 200;

const CODE = { code: <code translate="no" /> };

/** Commands the hint gives as examples. */
const EXAMPLES = { first: "snapshots", second: "stats --mode raw-data", third: "ls latest /etc" };

function commandOf(op: Operation): string {
  return op.op.case === "operationRunCommand" ? op.op.value.command : "";
}

/** The newer of two states of one operation. */
function newer(a: Operation | undefined, b: Operation | undefined): Operation | undefined {
  if (!a) return b;
  if (!b) return a;
  return b.modno > a.modno ? b : a;
}

/**
 * Polls one operation until it has finished: quickly until its log exists (the log is created when the
 * command starts), then slower, since the live list usually brings the news first.
 */
function usePolledOperation(id: bigint | null): { op: Operation | undefined; error: string | null } {
  const [state, setState] = useState<{ id: bigint; op?: Operation; error: string | null } | null>(null);
  useEffect(() => {
    if (id === null) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      let op: Operation | undefined;
      try {
        const r = await backrest.getOperations({ selector: { ids: [id] } });
        op = r.operations.find((o) => o.id === id);
        if (stopped) return;
        setState({ id, op, error: op ? null : i18n.t("snapshots:run.notFound") });
      } catch (e) {
        if (stopped) return;
        setState((s) => ({ id, op: s?.id === id ? s.op : undefined, error: errorMessage(e) }));
      }
      if (stopped || (op && !isActive(op))) return;
      timer = setTimeout(() => void tick(), op && logRefOf(op) ? 2000 : 500);
    };
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [id]);
  if (id === null || state?.id !== id) return { op: undefined, error: null };
  return { op: state.op, error: state.error };
}

export function RunCommandConsole(props: { repoId: string; repoGuid: string }) {
  const { repoId, repoGuid } = props;
  const hintId = useId();
  const [command, setCommand] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [current, setCurrent] = useState<{ id: bigint; command: string } | null>(null);
  const live = useOperations(repoGuid ? { repoGuid, kinds: ["run_command"] } : null, HISTORY);
  const polled = usePolledOperation(current?.id ?? null);
  const { t } = useTranslation("snapshots");
  const { t: tc } = useTranslation("common");

  const runs = [...live.ops.values()]
    .filter((op) => op.op.case === "operationRunCommand")
    .sort((a, b) => (a.id === b.id ? 0 : a.id > b.id ? -1 : 1));
  const currentOp = current ? newer(live.ops.get(current.id), polled.op) : undefined;
  const currentLog = currentOp ? logRefOf(currentOp) : null;
  const stillRunning = runs.filter(isActive);
  if (currentOp && isActive(currentOp) && !stillRunning.some((o) => o.id === currentOp.id)) stillRunning.unshift(currentOp);

  const run = async (e: FormEvent) => {
    e.preventDefault();
    const cmd = command.trim();
    if (!cmd || busy) return;
    setBusy(true);
    setError(null);
    try {
      const r = await backrest.runCommand({ repoId, command: cmd });
      setCurrent({ id: r.operationId, command: cmd });
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="stack">
      <form className="stack" onSubmit={run}>
        <div className="runcmd-form">
          <Field label={t("run.command")}>
            <input
              translate="no"
              value={command}
              onChange={(e) => setCommand(e.target.value)}
              placeholder="snapshots"
              autoComplete="off"
              autoCapitalize="off"
              autoCorrect="off"
              spellCheck={false}
              aria-describedby={hintId}
            />
          </Field>
          <button type="submit" className="primary" disabled={busy || !command.trim()}>
            {t("run.run")}
          </button>
        </div>
        <div className="field-hint" id={hintId}>
          <Trans t={t} i18nKey="run.hint" components={CODE} values={EXAMPLES} />
        </div>
      </form>

      {error && (
        <div className="banner banner-error" role="alert">
          {error}
        </div>
      )}

      {stillRunning.length > 0 && <StillRunning ops={stillRunning} />}

      {current && (
        <section className="stack" aria-label={t("run.output")}>
          <div className="spread">
            <h3>
              <Trans t={t} i18nKey="run.outputOf" components={CODE} values={{ command: `restic ${current.command}` }} shouldUnescape />
            </h3>
            {currentOp && <StatusBadge status={currentOp.status} />}
          </div>
          {currentLog ? (
            <LogViewer key={currentLog} logRef={currentLog} />
          ) : currentOp && !isActive(currentOp) ? (
            <p className="muted">{t("run.noOutput")}</p>
          ) : (
            <p className="muted" role="status">
              {t("run.starting")}
            </p>
          )}
          {currentOp?.displayMessage && <pre className="muted small">{currentOp.displayMessage}</pre>}
          {polled.error && !currentOp && <p className="field-error">{polled.error}</p>}
        </section>
      )}

      <section className="stack" aria-label={t("run.earlier")}>
        <h3>{t("run.earlier")}</h3>
        {!repoGuid ? (
          <p className="muted">{t("run.noRepoId")}</p>
        ) : live.loading ? (
          <p className="muted">{tc("loading")}</p>
        ) : runs.length === 0 ? (
          <p className="muted">{t("run.none")}</p>
        ) : (
          <ul className="item-list">
            {runs.map((op) => {
              const ref = logRefOf(op);
              const size = op.op.case === "operationRunCommand" ? op.op.value.outputSizeBytes : 0n;
              return (
                <li key={String(op.id)}>
                  <div className="item-main">
                    <code translate="no">restic {commandOf(op)}</code>
                    <span className="muted small">
                      {op.unixTimeStartMs > 0n ? formatTime(op.unixTimeStartMs) : t("run.notStarted")}
                      {size > 0n && ` · ${t("run.outputSize", { size: formatBytes(size) })}`}
                    </span>
                  </div>
                  <div className="item-actions">
                    <StatusBadge status={op.status} />
                    {ref && <LogButton logRef={ref} />}
                  </div>
                </li>
              );
            })}
          </ul>
        )}
        {live.error && <p className="muted small">{live.error}</p>}
        {repoGuid && live.hasMore && !live.loading && (
          <button type="button" className="link" onClick={() => void live.loadMore()}>
            {t("run.further")}
          </button>
        )}
      </section>
    </div>
  );
}

/** The commands still running on the repository, warned about since a new one runs alongside them. */
function StillRunning({ ops }: { ops: Operation[] }) {
  const { t } = useTranslation("snapshots");
  // Trans keeps a component's own children when they are all elements, so the list is an array of spans.
  const items = ops.map((op, i) => (
    <span key={String(op.id)}>
      {i > 0 && t("run.listSeparator")}
      <code translate="no">restic {commandOf(op)}</code>
    </span>
  ));
  return (
    <div className="banner banner-warn" role="status">
      <Trans t={t} i18nKey="run.stillRunning" count={ops.length} components={{ list: <span>{items}</span> }} />
    </div>
  );
}
