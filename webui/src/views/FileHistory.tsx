// One path's versions across a repository's snapshots (cairn's FileHistory), oldest first: when it
// appeared, changed, stayed the same, was gone and came back. Any version can be restored or downloaded.
import { useEffect, useState } from "react";
import type { FileVersion } from "@gen/cairn/v1/cairn_pb";
import { cairn } from "../api/client";
import { errorMessage } from "../api/errors";
import { formatBytes, formatTime, shortId } from "../lib/format";
import { isKeyOf } from "../lib/keys";
import { useTranslation } from "../i18n";
import { Modal } from "../components/Modal";
import { ErrorBanner } from "../components/Status";
import { RestoreDialog } from "./RestoreDialog";
import { DownloadButtons } from "./OperationDetails";

/** The catalogue key of each change marker the server sends. */
const CHANGES = {
  "+": "history.changes.added",
  M: "history.changes.content",
  "": "history.changes.same",
  "-": "history.changes.removed",
} as const;

export function FileHistory(props: { repoId: string; planId: string; path: string; onClose: () => void }) {
  const { t } = useTranslation("snapshots");
  const { t: tc } = useTranslation("common");
  const [versions, setVersions] = useState<FileVersion[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [restoring, setRestoring] = useState<string | null>(null);
  const [downloading, setDownloading] = useState<FileVersion | null>(null);
  useEffect(() => {
    let live = true;
    cairn
      .fileHistory({ repoId: props.repoId, path: props.path })
      .then((r) => live && setVersions(r.versions))
      .catch((e: unknown) => live && setError(errorMessage(e)));
    return () => {
      live = false;
    };
  }, [props.repoId, props.path]);
  if (restoring)
    return (
      <RestoreDialog
        repoId={props.repoId}
        planId={props.planId}
        snapshotId={restoring}
        path={props.path}
        onClose={() => setRestoring(null)}
      />
    );
  if (downloading)
    return (
      <Modal title={t("history.downloadOf", { id: shortId(downloading.snapshotId) })} onClose={() => setDownloading(null)}>
        <p className="mono small" translate="no">
          {props.path}
        </p>
        <DownloadButtons opId={downloading.indexOpId} filePath={props.path} label={t("history.download")} />
      </Modal>
    );
  return (
    <Modal title={t("history.title")} onClose={props.onClose} wide>
      <p className="mono small" translate="no">
        {props.path}
      </p>
      {error && <ErrorBanner error={error} />}
      {!versions && !error && <p className="muted">{tc("loading")}</p>}
      {versions && (
        <div className="scroll-x">
          <table aria-label={t("history.title")}>
            <thead>
              <tr>
                <th>{t("history.snapshot")}</th>
                <th>{t("history.taken")}</th>
                <th>{t("history.change")}</th>
                <th>{t("history.size")}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {versions.map((v) => (
                <tr key={v.snapshotId}>
                  <td className="mono" translate="no">
                    {shortId(v.snapshotId)}
                  </td>
                  <td>{formatTime(v.snapshotTimeMs)}</td>
                  <td>{isKeyOf(CHANGES, v.change) ? t(CHANGES[v.change]) : v.change}</td>
                  <td>{v.entry ? formatBytes(v.entry.size) : ""}</td>
                  <td>
                    {v.entry && (
                      <button
                        type="button"
                        className="link small"
                        onClick={() => setRestoring(v.snapshotId)}
                        aria-label={t("history.restoreOf", { id: shortId(v.snapshotId) })}
                      >
                        {t("history.restore")}
                      </button>
                    )}{" "}
                    {v.entry && v.indexOpId !== 0n && (
                      <button
                        type="button"
                        className="link small"
                        onClick={() => setDownloading(v)}
                        aria-label={t("history.downloadOf", { id: shortId(v.snapshotId) })}
                      >
                        {t("history.download")}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Modal>
  );
}
