// A growing log held as lines, so that a huge log is shown as a window of its last lines (with earlier
// lines added on demand) instead of one giant text node that freezes the page.
import { i18n } from "../i18n";
import { formatCount } from "./format";

/** Lines shown at first, and added by each "Show earlier lines". */
export const LOG_WINDOW = 5000;

export class LineBuffer {
  private lines: string[] = [];
  /** The text after the last newline: a line still being written. */
  private partial = "";

  /** Adds decoded text; lines may be split anywhere across calls. */
  append(text: string): void {
    if (!text) return;
    const parts = (this.partial + text).split("\n");
    this.partial = parts.pop() ?? "";
    // A loop, not push(...parts): spreading a huge array overflows the call stack.
    for (const p of parts) this.lines.push(p.endsWith("\r") ? p.slice(0, -1) : p);
  }

  /** Lines so far, counting a last line without its newline yet. */
  get lineCount(): number {
    return this.lines.length + (this.partial ? 1 : 0);
  }

  /** The lines from index `start` on (the last one possibly without its newline yet), as one text. */
  from(start: number): string {
    const s = Math.max(0, start);
    const out = this.lines.slice(Math.min(s, this.lines.length));
    if (this.partial && s <= this.lines.length) out.push(this.partial);
    return out.join("\n");
  }

  /** The whole text as received (line ends normalised to \n). */
  text(): string {
    const body = this.lines.join("\n");
    if (this.lines.length === 0) return this.partial;
    return this.partial ? `${body}\n${this.partial}` : `${body}\n`;
  }
}

/**
 * The index of the first line shown. Unpinned (null), the window follows the end: the last `size`
 * lines. Pinned, it starts where it was pinned, so lines arriving below do not shift what is read.
 */
export function windowStart(total: number, pinned: number | null, size = LOG_WINDOW): number {
  if (pinned === null) return Math.max(0, total - size);
  return Math.max(0, Math.min(pinned, total));
}

/** Where the window starts after "Show earlier lines": one window further back. */
export function earlierStart(start: number, size = LOG_WINDOW): number {
  return Math.max(0, start - size);
}

/** What the line above the window says about the lines before it, or null when none is hidden. */
export function hiddenNote(hidden: number): string | null {
  if (hidden <= 0) return null;
  return i18n.t("operations:log.hidden", { count: hidden, n: formatCount(hidden) });
}

/** Whether a scrolled box is at (or within `slack` pixels of) its bottom. */
export function isAtBottom(el: { scrollTop: number; scrollHeight: number; clientHeight: number }, slack = 24): boolean {
  return el.scrollHeight - el.scrollTop - el.clientHeight <= slack;
}

/** A file name for a downloaded log: the ref with anything unsafe in a file name replaced. */
export function logFileName(ref: string): string {
  const safe = ref.replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^[._]+/, "");
  return `${safe || "log"}.txt`;
}
