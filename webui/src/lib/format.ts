// How numbers, sizes, times and durations are written throughout the UI, in the language shown now:
// numbers and dates by Intl in that language's locale, units and phrasing from the common catalogue.
import { i18n, intlLocale } from "../i18n";

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"] as const;

/** A number in the current locale, with at most `digits` fraction digits. */
export function formatNumber(n: number, digits = 0): string {
  return new Intl.NumberFormat(intlLocale(), { maximumFractionDigits: digits, minimumFractionDigits: digits }).format(n);
}

export function formatBytes(n: bigint | number | undefined): string {
  const v = Number(n ?? 0);
  if (!Number.isFinite(v) || v <= 0) return `${formatNumber(0)} ${i18n.t("units.B")}`;
  const i = Math.min(UNITS.length - 1, Math.floor(Math.log(v) / Math.log(1024)));
  const x = v / 1024 ** i;
  return `${formatNumber(x, x >= 100 || i === 0 ? 0 : 1)} ${i18n.t(`units.${UNITS[i]}`)}`;
}

export function formatCount(n: bigint | number | undefined): string {
  return formatNumber(Number(n ?? 0));
}

const pad = (n: number) => String(n).padStart(2, "0");

/** A duration in milliseconds as "850 ms", "42 s", "3m 05s", "2h 10m" or "3d 4h" (in English). */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return i18n.t("duration.none");
  if (ms < 1000) return i18n.t("duration.ms", { n: formatNumber(Math.round(ms)) });
  const s = Math.round(ms / 1000);
  if (s < 60) return i18n.t("duration.s", { n: s });
  const m = Math.floor(s / 60);
  if (m < 60) return i18n.t("duration.ms2", { m, s: pad(s % 60) });
  const h = Math.floor(m / 60);
  if (h < 48) return i18n.t("duration.hm", { h, m: pad(m % 60) });
  return i18n.t("duration.dh", { d: formatNumber(Math.floor(h / 24)), h: h % 24 });
}

export function formatTime(ms: bigint | number): string {
  return new Date(Number(ms)).toLocaleString(intlLocale(), {
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  });
}

export function formatDay(ms: bigint | number): string {
  return new Date(Number(ms)).toLocaleDateString(intlLocale(), {
    weekday: "short",
    year: "numeric",
    month: "short",
    day: "numeric",
  });
}

/** "in 5m 00s", "3h 02m ago", relative to `now`. */
export function formatRelative(ms: bigint | number, now = Date.now()): string {
  const delta = Number(ms) - now;
  if (Math.abs(delta) < 1000) return i18n.t("relative.now");
  return delta > 0 ? i18n.t("relative.future", { d: formatDuration(delta) }) : i18n.t("relative.past", { d: formatDuration(-delta) });
}

export function shortId(id: string): string {
  return id.slice(0, 8);
}
