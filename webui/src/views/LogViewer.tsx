// A task's log, streamed from GetLogs and followed while the task still writes: shown as a window of its
// last lines (earlier ones on demand), kept scrolled to the end while the reader is at the end, and
// downloadable whole. Also the log's own page and the button that opens it in a dialog.
import "./tools.css";
import { useCallback, useEffect, useLayoutEffect, useRef, useState, type MouseEvent } from "react";
import { Code, ConnectError } from "@connectrpc/connect";
import { backrest } from "../api/client";
import { errorMessage, isAbort } from "../api/errors";
import { Modal } from "../components/Modal";
import { LineBuffer, earlierStart, hiddenNote, isAtBottom, logFileName, windowStart } from "../lib/logLines";
import { href } from "../lib/router";
import { formatCount } from "../lib/format";
import { i18n, useTranslation } from "../i18n";

type Phase = "following" | "ended" | "failed";

/** Text arriving within this many milliseconds is shown in one render. */
const FLUSH_MS = 60;

/** Why the log stopped, said when shown (not when it failed) so that it follows the language. */
function describeLogError(e: unknown): string {
  if (e instanceof ConnectError && e.code === Code.NotFound) {
    return i18n.t("operations:log.notFound", { message: e.rawMessage });
  }
  return i18n.t("operations:log.readFailed", { message: errorMessage(e) });
}

const PHASE_KEY = { following: "following", ended: "ended", failed: "stopped" } as const satisfies Record<Phase, string>;

export function LogViewer(props: { logRef: string }) {
  const { logRef } = props;
  const { t } = useTranslation("operations");
  const buffer = useRef(new LineBuffer());
  const [, setVersion] = useState(0);
  const [phase, setPhase] = useState<Phase>("following");
  const [error, setError] = useState<{ cause: unknown } | null>(null);
  const [attempt, setAttempt] = useState(0);
  /** The first line shown, when pinned (by scrolling up or "Show earlier lines"); null follows the end. */
  const [pinned, setPinned] = useState<{ start: number; byUser: boolean } | null>(null);
  const box = useRef<HTMLPreElement>(null);
  const atEnd = useRef(true);
  /** Distance from the bottom to restore after earlier lines were added above. */
  const restoreFromBottom = useRef<number | null>(null);
  const downloadUrl = useRef<string | null>(null);

  useEffect(() => {
    const lines = new LineBuffer();
    buffer.current = lines;
    atEnd.current = true;
    setPinned(null);
    setError(null);
    setPhase("following");
    setVersion((v) => v + 1);

    const abort = new AbortController();
    const decoder = new TextDecoder();
    let timer: ReturnType<typeof setTimeout> | null = null;
    const flush = () => {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      setVersion((v) => v + 1);
    };
    const schedule = () => {
      timer ??= setTimeout(flush, FLUSH_MS);
    };

    void (async () => {
      try {
        for await (const chunk of backrest.getLogs({ ref: logRef }, { signal: abort.signal })) {
          lines.append(decoder.decode(chunk.value, { stream: true }));
          schedule();
        }
        lines.append(decoder.decode());
        if (abort.signal.aborted) return;
        setPhase("ended");
      } catch (e) {
        if (abort.signal.aborted || isAbort(e)) return;
        lines.append(decoder.decode());
        setError({ cause: e });
        setPhase("failed");
      }
      flush();
    })();

    return () => {
      abort.abort();
      if (timer !== null) clearTimeout(timer);
    };
  }, [logRef, attempt]);

  useEffect(
    () => () => {
      if (downloadUrl.current) URL.revokeObjectURL(downloadUrl.current);
    },
    [],
  );

  const lines = buffer.current;
  const total = lines.lineCount;
  const start = windowStart(total, pinned?.start ?? null);
  const text = lines.from(start);
  const note = hiddenNote(start);

  // After each render: keep the end in view while the reader is there; keep the reader's place when
  // earlier lines were added above.
  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    if (restoreFromBottom.current !== null) {
      el.scrollTop = el.scrollHeight - restoreFromBottom.current;
      restoreFromBottom.current = null;
    } else if (atEnd.current) {
      el.scrollTop = el.scrollHeight;
    }
  });

  const onScroll = () => {
    const el = box.current;
    if (!el) return;
    const bottom = isAtBottom(el);
    atEnd.current = bottom;
    if (!bottom && pinned === null) setPinned({ start, byUser: false });
    else if (bottom && pinned && !pinned.byUser) setPinned(null);
  };

  const showEarlier = () => {
    const el = box.current;
    if (el) restoreFromBottom.current = el.scrollHeight - el.scrollTop;
    atEnd.current = false;
    setPinned({ start: earlierStart(start), byUser: true });
  };

  const onDownload = (e: MouseEvent<HTMLAnchorElement>) => {
    if (downloadUrl.current) URL.revokeObjectURL(downloadUrl.current);
    const url = URL.createObjectURL(new Blob([buffer.current.text()], { type: "text/plain;charset=utf-8" }));
    downloadUrl.current = url;
    // The click's default action follows the link as it is after this handler.
    e.currentTarget.href = url;
  };

  const empty = total === 0;
  return (
    <div className="logview">
      <div className="logview-bar">
        <span className={`logview-state ${phase}`} role="status">
          {t(`log.${PHASE_KEY[phase]}`)}
        </span>
        <span className="row">
          <span className="muted">{t("log.lines", { count: total, n: formatCount(total) })}</span>
          {!empty && (
            <a className="button" href="#" download={logFileName(logRef)} onClick={onDownload}>
              {t("log.download")}
            </a>
          )}
        </span>
      </div>
      {note && (
        <div className="row">
          <button type="button" className="logview-earlier" onClick={showEarlier}>
            {t("log.showEarlier")}
          </button>
          <span className="muted small">{note}</span>
        </div>
      )}
      <pre
        className="log"
        ref={box}
        onScroll={onScroll}
        tabIndex={0}
        aria-label={t("log.label", { ref: logRef })}
        translate={empty ? undefined : "no"}
      >
        {empty ? <span className="muted">{phase === "following" ? t("log.waiting") : t("log.noOutput")}</span> : text}
      </pre>
      {error && (
        <div className="banner banner-error row" role="alert">
          <span>{describeLogError(error.cause)}</span>
          <button type="button" onClick={() => setAttempt((n) => n + 1)}>
            {t("log.retry")}
          </button>
        </div>
      )}
    </div>
  );
}

/** A log on a page of its own (#/log/<ref>). */
export function LogPage(props: { logRef: string }) {
  const { t } = useTranslation("operations");
  return (
    <div className="stack log-page">
      <h1>{t("log.heading", { ref: props.logRef })}</h1>
      <LogViewer logRef={props.logRef} />
    </div>
  );
}

/** A button opening a log in a dialog, with a link to the log's own page. */
export function LogButton(props: { logRef: string; label?: string }) {
  const { t } = useTranslation("operations");
  const [open, setOpen] = useState(false);
  const close = useCallback(() => setOpen(false), []);
  return (
    <>
      <button type="button" onClick={() => setOpen(true)}>
        {props.label ?? t("log.view")}
      </button>
      {open && (
        <Modal
          title={t("log.title")}
          wide
          onClose={close}
          footer={
            <a href={href({ name: "log", ref: props.logRef })} onClick={close}>
              {t("log.openPage")}
            </a>
          }
        >
          <LogViewer logRef={props.logRef} />
        </Modal>
      )}
    </>
  );
}
