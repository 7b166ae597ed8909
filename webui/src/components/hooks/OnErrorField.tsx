// What a failure of the hook does to its task: the choices, each with its explanation shown as the
// field's hint.
import { Hook_OnError } from "@gen/v1/config_pb";
import { Field } from "../Field";

const ON_ERROR: { value: Hook_OnError; label: string; hint: string }[] = [
  { value: Hook_OnError.IGNORE, label: "Ignore", hint: "The hook is marked failed; the task and later hooks go on." },
  {
    value: Hook_OnError.CANCEL,
    label: "Cancel the task",
    hint: "Later hooks are skipped and the task ends as cancelled: on a start condition, a way to skip a run.",
  },
  { value: Hook_OnError.FATAL, label: "Fail the task", hint: "Later hooks are skipped and the task fails, naming this hook." },
  {
    value: Hook_OnError.RETRY_1MINUTE,
    label: "Retry in 1 minute",
    hint: "The task runs again a minute later, at most 10 times.",
  },
  {
    value: Hook_OnError.RETRY_10MINUTES,
    label: "Retry in 10 minutes",
    hint: "The task runs again 10 minutes later, at most 10 times.",
  },
  {
    value: Hook_OnError.RETRY_EXPONENTIAL_BACKOFF,
    label: "Retry with backoff",
    hint: "The task runs again after 10 s, doubling each time up to an hour, at most 10 times.",
  },
];

export function OnErrorField(props: { value: Hook_OnError; error?: string; onChange: (v: Hook_OnError) => void }) {
  const { value } = props;
  const chosen = ON_ERROR.find((o) => o.value === value);
  return (
    <Field label="On error" error={props.error} hint={chosen?.hint}>
      <select value={value} onChange={(e) => props.onChange(Number(e.target.value) as Hook_OnError)}>
        {ON_ERROR.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
        {!chosen && <option value={value}>Unknown ({value})</option>}
      </select>
    </Field>
  );
}
