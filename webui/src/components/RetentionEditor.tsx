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
import { i18n, useTranslation } from "../i18n";
import { Field } from "./Field";
import { NumberInput } from "./FormKit";
import "../views/forms.css";

type Mode = "unset" | "time" | "last" | "all";
type Bucket = "hourly" | "daily" | "weekly" | "monthly" | "yearly" | "keepLastN";

const BUCKETS: readonly Bucket[] = ["hourly", "daily", "weekly", "monthly", "yearly", "keepLastN"];

/** Backrest's default for a new plan: 24 hourly, 30 daily, 12 monthly. */
export function defaultRetention(): RetentionPolicy {
  return create(RetentionPolicySchema, {
    policy: {
      case: "policyTimeBucketed",
      value: create(RetentionPolicy_TimeBucketedCountsSchema, { hourly: 24, daily: 30, monthly: 12 }),
    },
  });
}

/** The time-bucketed counts in words: "Keep 24 hourly, 30 daily, 12 monthly, the last 5". */
function describeBuckets(counts: RetentionPolicy_TimeBucketedCounts): string {
  const parts = BUCKETS.filter((b) => counts[b] > 0).map((b) => i18n.t(`plans:retention.parts.${b}`, { count: counts[b] }));
  if (parts.length === 0) return i18n.t("plans:retention.describe.nothing");
  return i18n.t("plans:retention.describe.buckets", { list: parts.join(i18n.t("plans:retention.describe.separator")) });
}

/** The policy in a few words, in the language shown: "Keep 24 hourly, 30 daily, 12 monthly", "Keep all snapshots". */
export function describeRetention(r: RetentionPolicy | undefined): string {
  const p = r?.policy;
  switch (p?.case) {
    case "policyKeepLastN":
      return i18n.t("plans:retention.describe.last", { count: p.value });
    case "policyKeepAll":
      return i18n.t("plans:retention.describe.all");
    case "policyTimeBucketed":
      return describeBuckets(p.value);
    default:
      return i18n.t("plans:retention.describe.unset");
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
  const { t } = useTranslation("plans");
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
      <Field label={t("retention.label")} error={selectError} hint={t("retention.hint")}>
        <select value={mode} onChange={(e) => setMode(e.target.value as Mode)}>
          {mode === "unset" && <option value="unset">{t("retention.modes.unset")}</option>}
          <option value="time">{t("retention.modes.time")}</option>
          <option value="last">{t("retention.modes.last")}</option>
          <option value="all">{t("retention.modes.all")}</option>
        </select>
      </Field>

      {value?.policy.case === "policyKeepLastN" && (
        <Field label={t("retention.buckets.keepLastN")} error={errors["retention.policyKeepLastN"]} hint={t("retention.keepLastHint")}>
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
          {t("retention.keepAllWarning")}
        </div>
      )}
      {mode !== "unset" && <div className="field-hint">{t("retention.summary", { text: describeRetention(value) })}</div>}
    </div>
  );
}

function TimeBuckets(props: {
  counts: RetentionPolicy_TimeBucketedCounts;
  errors: Record<string, string>;
  onChange: (c: RetentionPolicy_TimeBucketedCounts) => void;
}) {
  const { counts, errors, onChange } = props;
  const { t } = useTranslation("plans");
  const allZero = BUCKETS.every((b) => counts[b] <= 0);
  return (
    <>
      <div className="bucket-grid">
        {BUCKETS.map((b) => (
          <Field key={b} label={t(`retention.buckets.${b}`)} error={errors[`retention.policyTimeBucketed.${b}`]}>
            <NumberInput value={counts[b]} min={0} onChange={(n) => onChange({ ...counts, [b]: Math.max(0, Math.trunc(n)) })} />
          </Field>
        ))}
      </div>
      <div className="field-hint">{t("retention.bucketsHint")}</div>
      {allZero && (
        <div className="banner banner-warn" role="note">
          {t("retention.allZeroWarning")}
        </div>
      )}
    </>
  );
}
