// Errors reported for a form's value (by its own checks or by the server), keyed by field path as the
// server names them (`paths[1]`, `hooks[2].actionCommand.command`, `cairn.historyLimits[0].keepMax`),
// and kept with the value they were reported for. An error is shown only while what it names is as it
// was then: editing a field hides its error, and adding, removing or reordering the rows of a list
// hides every error under the list, since rows are named by position and a message would otherwise
// land on another row. Undoing the edit brings the error back, true again.
import { useCallback, useMemo, useState } from "react";
import type { FieldErrors } from "../api/errors";

type Step = string | number;

/** `hooks[2].actionCommand.command` → ["hooks", 2, "actionCommand", "command"]. */
function steps(key: string): Step[] {
  return [...key.matchAll(/([A-Za-z_]\w*)|\[(\d+)\]/g)].map((m) => (m[2] === undefined ? m[1] : Number(m[2])));
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null;
}

/** A field of a message; a oneof member (`cron` of a schedule, `actionCommand` of a hook) when it is the set case. */
function field(v: unknown, name: string): unknown {
  if (!isRecord(v)) return undefined;
  if (name in v) return v[name];
  for (const x of Object.values(v)) if (isRecord(x) && x.case === name) return x.value;
  return undefined;
}

function step(v: unknown, s: Step): unknown {
  return typeof s === "number" ? (Array.isArray(v) ? (v[s] as unknown) : undefined) : field(v, s);
}

/** Deep equality of plain data (messages, arrays, scalars, bigints). */
export function same(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (!isRecord(a) || !isRecord(b) || Array.isArray(a) !== Array.isArray(b)) return false;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) if (!same(a[k], b[k])) return false;
  return true;
}

/** Whether `b` holds the rows of `a` (as long) in another order. */
function reordered(a: unknown[], b: unknown[]): boolean {
  if (a.every((x, i) => same(x, b[i]))) return false;
  const left = [...a];
  return b.every((y) => {
    const i = left.findIndex((x) => same(x, y));
    if (i >= 0) left.splice(i, 1);
    return i >= 0;
  });
}

/** Whether the error at `key`, reported for `before`, no longer applies to `after`. */
export function isOutdated(key: string, before: unknown, after: unknown): boolean {
  let a = before;
  let b = after;
  for (const s of steps(key)) {
    if (typeof s === "number" && Array.isArray(a) && Array.isArray(b) && (a.length !== b.length || reordered(a, b))) return true;
    a = step(a, s);
    b = step(b, s);
  }
  return !same(a, b);
}

/** The errors reported for `before` that still apply to `after`. */
export function currentErrors(errors: FieldErrors, before: unknown, after: unknown): FieldErrors {
  return Object.fromEntries(Object.entries(errors).filter(([k]) => !isOutdated(k, before, after)));
}

/** A form's errors for its current `value`; `report` sets them as found for the value `at`. */
export function useReportedErrors<T>(value: T): { errors: FieldErrors; report: (errors: FieldErrors, at: T) => void } {
  const [reported, setReported] = useState<{ errors: FieldErrors; at?: T }>({ errors: {} });
  const errors = useMemo(() => currentErrors(reported.errors, reported.at, value), [reported, value]);
  const report = useCallback((errors: FieldErrors, at: T) => setReported({ errors, at }), []);
  return { errors, report };
}
