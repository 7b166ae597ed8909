// The status line at the bottom of the repository form: a save or test under way, or the last test's
// outcome, brought into view whenever it changes.
import { useEffect, useRef } from "react";
import { useTranslation } from "../../i18n";
import type { TestResult } from "./connectionTest";
import type { Busy } from "./useRepoForm";

export function RepoFormStatus(props: { busy: Busy; test: TestResult | null }) {
  const { busy, test } = props;
  const { t } = useTranslation("repos");
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (test || busy) ref.current?.scrollIntoView?.({ block: "nearest" });
  }, [test, busy]);
  return (
    <div ref={ref}>
      {busy === "save" && (
        <div className="banner banner-info test-result" role="status">
          {t("status.saving")}
        </div>
      )}
      {busy === "test" && (
        <div className="banner banner-info test-result" role="status">
          {t("status.testing")}
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
