// Small status pieces: a coloured badge for an operation status, a progress bar, an error banner.
import type { OperationStatus } from "@gen/v1/operations_pb";
import { statusLabel, statusTone } from "../lib/operations";

export function StatusBadge({ status }: { status: OperationStatus }) {
  return <span className={`badge tone-${statusTone(status)}`}>{statusLabel(status)}</span>;
}

export function StatusDot({ status, title }: { status: OperationStatus; title?: string }) {
  const label = statusLabel(status);
  return <span className={`dot tone-${statusTone(status)}`} role="img" title={title ?? label} aria-label={label} />;
}

export function ProgressBar({ fraction, label }: { fraction: number | null; label: string }) {
  const pct = fraction === null ? null : Math.max(0, Math.min(100, fraction * 100));
  return (
    <div
      className={`progress${pct === null ? " progress-unknown" : ""}`}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={pct === null ? undefined : Math.round(pct)}
    >
      <div className="progress-fill" style={{ width: pct === null ? "30%" : `${pct}%` }} />
    </div>
  );
}

export function ErrorBanner({ error }: { error: string | null | undefined }) {
  if (!error) return null;
  return (
    <div className="banner banner-error" role="alert">
      {error}
    </div>
  );
}
