// A titled card of the settings page, named by its title for assistive technology.
import type { ReactNode } from "react";

export function Section(props: { title: string; children: ReactNode }) {
  return (
    <section className="card stack" aria-label={props.title}>
      <h2>{props.title}</h2>
      {props.children}
    </section>
  );
}
