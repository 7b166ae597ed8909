// The hint under the repository URI: what the typed scheme means, and examples for each kind of storage.
import { BACKENDS } from "../repoUri";

export function UriHint(props: { scheme: string | null }) {
  const b = BACKENDS.find((x) => x.scheme === props.scheme);
  return (
    <>
      {b ? (
        <>
          {b.name}: {b.text} Example: <code>{b.example}</code>
        </>
      ) : props.scheme === null ? (
        "A directory on this machine, or a remote location written as scheme:..."
      ) : (
        `"${props.scheme}:" is not a scheme cairn knows; restic receives it as written.`
      )}
      <details>
        <summary>Examples for each kind of storage</summary>
        <ul className="uri-examples">
          {BACKENDS.map((x) => (
            <li key={x.scheme}>
              {x.name}: <code>{x.example}</code>
            </li>
          ))}
        </ul>
      </details>
    </>
  );
}
