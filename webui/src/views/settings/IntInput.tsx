// A whole-number input that lets its text be empty or half-typed while the value stays a number.
import { useState } from "react";
import { useFieldId } from "../../components/Field";
import { parseCount } from "../../lib/historyLimits";

export function IntInput(props: {
  value: number;
  onChange: (n: number) => void;
  /** Show 0 as an empty field (0 means "the default"). */
  blankZero?: boolean;
  min?: number;
  max?: number;
  placeholder?: string;
}) {
  const { value, onChange, blankZero } = props;
  const show = (n: number) => (blankZero && n === 0 ? "" : String(n));
  const [text, setText] = useState(show(value));
  const [prev, setPrev] = useState(value);
  if (value !== prev) {
    setPrev(value);
    if (parseCount(text) !== value) setText(show(value));
  }
  const id = useFieldId();
  return (
    <input
      id={id}
      type="number"
      inputMode="numeric"
      step={1}
      min={props.min}
      max={props.max}
      placeholder={props.placeholder}
      value={text}
      onChange={(e) => {
        setText(e.target.value);
        onChange(parseCount(e.target.value));
      }}
    />
  );
}
