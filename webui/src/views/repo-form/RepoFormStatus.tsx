// The status line at the bottom of the repository form: a save or test under way, or the last test's
// outcome, brought into view whenever it changes.
import { useEffect, useRef } from "react";
import type { TestResult } from "./connectionTest";
import type { Busy } from "./useRepoForm";

export function RepoFormStatus(props: { busy: Busy; test: TestResult | null }) {
  const { busy, test } = props;
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (test || busy) ref.current?.scrollIntoView?.({ block: "nearest" });
  }, [test, busy]);
  return (
    <div ref={ref}>
      {busy === "save" && (
        <div className="banner banner-info test-result" role="status">
          Saving: cairn opens the repository (or creates it), which can take a while on remote storage.
        </div>
      )}
      {busy === "test" && (
        <div className="banner banner-info test-result" role="status">
          Testing the connection…
        </div>
      )}
      {test && busy === null && (
        <div className={`banner test-result ${test.tone === "error" ? "banner-error" : "banner-info"} banner-lines`} role="status">
          {test.text}
        </div>
      )}
    </div>
  );
}
