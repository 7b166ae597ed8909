// Small SVG charts that need no library: a 30-day status strip, paired bars (bytes added and scanned
// per day) and a line over time (repository stats).
import type { SummaryDashboardResponse_DayStatusBucket as Day } from "@gen/v1/service_pb";
import { OperationStatus } from "@gen/v1/operations_pb";
import { worstStatus, statusLabel, statusTone } from "../lib/operations";
import { formatBytes, formatCount, formatDay, formatTime } from "../lib/format";
import { i18n, intlLocale, useTranslation } from "../i18n";

/** The tone of one day: the worst status that day, "overdue", or nothing ran. */
export function dayTone(d: Day): string {
  const st = worstStatus(d.statusCounts.filter((c) => c.count > 0n).map((c) => c.status));
  if (st !== OperationStatus.STATUS_UNKNOWN) return statusTone(st);
  return d.overdue ? "overdue" : "idle";
}

/** What ran on one day: "Mon, Nov 3, 2025: 2 success, 1 error; 12 MiB added". */
export function dayTitle(d: Day): string {
  const counts = d.statusCounts
    .filter((c) => c.count > 0n)
    .map((c) => i18n.t("activity:charts.statusCount", { n: formatCount(c.count), status: statusLabel(c.status) }));
  const what = counts.length ? counts.join(", ") : i18n.t(d.overdue ? "activity:charts.overdue" : "activity:charts.noBackup");
  const day = formatDay(d.timestampMs);
  if (d.bytesAdded > 0n) return i18n.t("activity:charts.dayAdded", { day, what, added: formatBytes(d.bytesAdded) });
  return i18n.t("activity:charts.day", { day, what });
}

export function HistoryStrip({ days, label }: { days: Day[]; label: string }) {
  return (
    <div className="strip" role="img" aria-label={label}>
      {days.map((d) => (
        <span key={String(d.timestampMs)} className={`strip-cell strip-${dayTone(d)}`} title={dayTitle(d)} />
      ))}
    </div>
  );
}

/** Bytes added (solid) and scanned (light) per day. */
export function BytesChart({ days, label }: { days: Day[]; label: string }) {
  const { t } = useTranslation("activity");
  const max = Math.max(1, ...days.map((d) => Number(d.bytesScanned)), ...days.map((d) => Number(d.bytesAdded)));
  const w = 300;
  const h = 70;
  const bw = w / Math.max(1, days.length);
  return (
    <figure className="bytes-chart">
      <svg className="chart" viewBox={`0 0 ${w} ${h + 2}`} role="img" aria-label={label} preserveAspectRatio="none">
        {days.map((d, i) => {
          const scanned = (Number(d.bytesScanned) / max) * h;
          const added = (Number(d.bytesAdded) / max) * h;
          return (
            <g key={String(d.timestampMs)}>
              <title>
                {t("charts.bar", { day: formatDay(d.timestampMs), added: formatBytes(d.bytesAdded), scanned: formatBytes(d.bytesScanned) })}
              </title>
              <rect x={i * bw + 1} y={h - scanned} width={bw - 2} height={scanned} className="bar-scanned" />
              <rect x={i * bw + 1} y={h - added} width={bw - 2} height={added} className="bar-added" />
              <rect x={i * bw} y={0} width={bw} height={h} fill="transparent" />
            </g>
          );
        })}
        <line x1={0} x2={w} y1={h + 1} y2={h + 1} className="axis" />
      </svg>
      <figcaption className="legend small muted">
        <span>
          <i className="swatch bar-added" /> {t("charts.added")}
        </span>
        <span>
          <i className="swatch bar-scanned" /> {t("charts.scanned")}
        </span>
        <span>{t("charts.perDay", { max: formatBytes(max) })}</span>
      </figcaption>
    </figure>
  );
}

export interface Point {
  x: number;
  y: number;
}

/** A line chart over time with its last value and range written beside it. */
export function LineChart(props: { points: Point[]; label: string; format: (y: number) => string }) {
  const { t } = useTranslation("activity");
  const { points, label, format } = props;
  if (points.length === 0) return <p className="muted">{t("charts.noData")}</p>;
  const w = 320;
  const h = 90;
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const [y0, y1] = [Math.min(0, ...ys), Math.max(...ys)];
  const sx = (x: number) => (x1 === x0 ? w / 2 : ((x - x0) / (x1 - x0)) * (w - 8) + 4);
  const sy = (y: number) => (y1 === y0 ? h / 2 : h - 4 - ((y - y0) / (y1 - y0)) * (h - 8));
  const d = points.map((p, i) => `${i ? "L" : "M"}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(" ");
  const last = points[points.length - 1];
  return (
    <figure className="line-chart">
      <figcaption className="spread">
        <span>{label}</span>
        <strong>{format(last.y)}</strong>
      </figcaption>
      <svg className="chart" viewBox={`0 0 ${w} ${h}`} role="img" aria-label={label} preserveAspectRatio="none">
        <path d={d} className="line" />
        {points.map((p) => (
          <circle key={p.x} cx={sx(p.x)} cy={sy(p.y)} r={2.5} className="line-point">
            <title>{t("charts.point", { at: formatTime(p.x), value: format(p.y) })}</title>
          </circle>
        ))}
      </svg>
      <div className="spread muted small">
        <span>{new Date(x0).toLocaleDateString(intlLocale())}</span>
        <span>{t("charts.range", { min: format(Math.min(...ys)), max: format(y1) })}</span>
        <span>{new Date(x1).toLocaleDateString(intlLocale())}</span>
      </div>
    </figure>
  );
}
