// What a plan or repository page shows when its id is no longer configured.
import { href } from "../lib/router";

export function Missing({ what, id }: { what: string; id: string }) {
  return (
    <div className="card">
      <h1>
        No {what} “{id}”
      </h1>
      <p>
        It may have been removed. <a href={href({ name: "dashboard" })}>Back to the dashboard</a>.
      </p>
    </div>
  );
}
