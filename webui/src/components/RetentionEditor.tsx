// Edits a RetentionPolicy: keep the last N snapshots, keep some per time period (restic's --keep-hourly
// ... --keep-yearly plus --keep-last), or keep everything.
//
// Error keys: `errors` is keyed relative to the object that holds the policy (a plan, a forget policy),
// so this editor reads `retention`, `retention.policyKeepLastN`, `retention.policyKeepAll`,
// `retention.policyTimeBucketed` and `retention.policyTimeBucketed.<hourly|daily|...|keepLastN>`.
import { useRef } from "react";
import { create } from "@bufbuild/protobuf";
import {
  RetentionPolicySchema,
  RetentionPolicy_TimeBucketedCountsSchema,
  type RetentionPolicy,
  type RetentionPolicy_TimeBucketedCounts,
} from "@gen/v1/config_pb";
import { Field } from "./Field";
import { NumberInput } from "./FormKit";
import "../views/forms.css";

type Mode = "unset" | "time" | "last" | "all";
type Bucket = "hourly" | "daily" | "weekly" | "monthly" | "yearly" | "keepLastN";

const BUCKETS: { key: Bucket; label: string }[] = [
  { key: "hourly", label: "Hourly" },
  { key: "daily", label: "Daily" },
  { key: "weekly", label: "Weekly" },
  { key: "monthly", label: "Monthly" },
  { key: "yearly", label: "Yearly" },
  { key: "keepLastN", label: "Keep last" },
];

/** Backrest's default for a new plan: 24 hourly, 30 daily, 12 monthly. */
export function defaultRetention(): RetentionPolicy {
  return create(RetentionPolicySchema, {
    policy: {
      case: "policyTimeBucketed",
      value: create(RetentionPolicy_TimeBucketedCountsSchema, { hourly: 24, daily: 30, monthly: 12 }),
    },
  });
}

/** The policy in a few words: "24 hourly, 30 daily, 12 monthly", "last 10", "all snapshots". */
export function describeRetention(r: RetentionPolicy | undefined): string {
  const p = r?.policy;
  switch (p?.case) {
    case "policyKeepLastN":
      return `Keep the last ${p.value} snapshot${p.value === 1 ? "" : "s"}`;
    case "policyKeepAll":
      return "Keep all snapshots";
    case "policyTimeBucketed": {
      const parts = BUCKETS.filter((b) => p.value[b.key] > 0).map((b) =>
        b.key === "keepLastN" ? `the last ${p.value[b.key]}` : `${p.value[b.key]} ${b.label.toLowerCase()}`,
      );
      return parts.length ? `Keep ${parts.join(", ")}` : "Keep nothing";
    }
    default:
      return "No retention policy: nothing is forgotten";
  }
}

function modeOf(r: RetentionPolicy | undefined): Mode {
  switch (r?.policy.case) {
    case "policyTimeBucketed":
      return "time";
    case "policyKeepLastN":
      return "last";
    case "policyKeepAll":
      return "all";
    default:
      return "unset";
  }
}

export function RetentionEditor(props: {
  value: RetentionPolicy | undefined;
  onChange: (r: RetentionPolicy) => void;
  errors?: Record<string, string>;
}) {
  const { value, onChange, errors = {} } = props;
  const mode = modeOf(value);
  // The counts of the other modes, so switching back and forth keeps what was typed.
  const memory = useRef<{ last: number; buckets: RetentionPolicy_TimeBucketedCounts } | null>(null);
  const remembered = () =>
    (memory.current ??= {
      last: value?.policy.case === "policyKeepLastN" ? value.policy.value : 30,
      buckets:
        value?.policy.case === "policyTimeBucketed"
          ? value.policy.value
          : (defaultRetention().policy.value as RetentionPolicy_TimeBucketedCounts),
    });

  const emit = (policy: RetentionPolicy["policy"]) => {
    const m = remembered();
    if (policy.case === "policyKeepLastN") m.last = policy.value;
    if (policy.case === "policyTimeBucketed") m.buckets = policy.value;
    onChange(create(RetentionPolicySchema, { policy }));
  };

  const setMode = (m: Mode) => {
    const r = remembered();
    if (m === "time") emit({ case: "policyTimeBucketed", value: r.buckets });
    if (m === "last") emit({ case: "policyKeepLastN", value: r.last });
    if (m === "all") emit({ case: "policyKeepAll", value: true });
  };

  const ownKeys = (k: string) => k === "retention.policyKeepLastN" || k.startsWith("retention.policyTimeBucketed.");
  const selectError =
    Object.entries(errors)
      .filter(([k]) => (k === "retention" || k.startsWith("retention.")) && !ownKeys(k))
      .map(([, v]) => v)
      .join("; ") || undefined;

  return (
    <div className="retention-editor stack">
      <Field
        label="Retention"
        error={selectError}
        hint="Which snapshots forget keeps after each backup; prune later frees the space of the others."
      >
        <select value={mode} onChange={(e) => setMode(e.target.value as Mode)}>
          {mode === "unset" && <option value="unset">Not set (nothing is forgotten)</option>}
          <option value="time">By time period</option>
          <option value="last">Keep the last N snapshots</option>
          <option value="all">Keep all snapshots</option>
        </select>
      </Field>

      {value?.policy.case === "policyKeepLastN" && (
        <Field label="Keep last" error={errors["retention.policyKeepLastN"]} hint="The N newest snapshots are kept.">
          <NumberInput value={value.policy.value} min={1} onChange={(n) => emit({ case: "policyKeepLastN", value: Math.trunc(n) })} />
        </Field>
      )}

      {value?.policy.case === "policyTimeBucketed" && (
        <TimeBuckets
          counts={value.policy.value}
          errors={errors}
          onChange={(counts) => emit({ case: "policyTimeBucketed", value: counts })}
        />
      )}

      {mode === "all" && (
        <div className="banner banner-warn" role="note">
          No snapshot is ever forgotten, so the repository only grows and prune has nothing to free. Choose this only if you remove
          snapshots some other way.
        </div>
      )}
      {mode !== "unset" && <div className="field-hint">{describeRetention(value)}.</div>}
    </div>
  );
}

function TimeBuckets(props: {
  counts: RetentionPolicy_TimeBucketedCounts;
  errors: Record<string, string>;
  onChange: (c: RetentionPolicy_TimeBucketedCounts) => void;
}) {
  const { counts, errors, onChange } = props;
  const allZero = BUCKETS.every((b) => counts[b.key] <= 0);
  return (
    <>
      <div className="bucket-grid">
        {BUCKETS.map((b) => (
          <Field key={b.key} label={b.label} error={errors[`retention.policyTimeBucketed.${b.key}`]}>
            <NumberInput value={counts[b.key]} min={0} onChange={(n) => onChange({ ...counts, [b.key]: Math.max(0, Math.trunc(n)) })} />
          </Field>
        ))}
      </div>
      <div className="field-hint">
        Each count keeps the newest snapshot of that many hours, days, weeks, months or years; 0 keeps none for that period. A snapshot kept
        by several periods counts once.
      </div>
      {allZero && (
        <div className="banner banner-warn" role="note">
          Every count is 0, which would forget every snapshot. Set at least one.
        </div>
      )}
    </>
  );
}
