// The note below the hooks listing what their templates (Go syntax) can use.
export function TemplateHelp() {
  return (
    <div className="template-help field-hint">
      <p>
        Templates (Go syntax, as in Backrest) can use <code>.Event</code>, <code>.Task</code>, <code>.Summary</code>, <code>.Error</code>,{" "}
        <code>.Plan.Id</code>, <code>.Repo.Id</code>, <code>.Repo.Uri</code>, <code>.SnapshotId</code>, <code>.SnapshotStats</code>,{" "}
        <code>.Duration</code> and <code>.CurTime</code>, e.g. <code>{"{{ .Event }} for {{ .Plan.Id }}: {{ .Summary }}"}</code>.
      </p>
      <details>
        <summary>More about templates</summary>
        <ul>
          <li>
            An empty template sends <code>{"{{ .Summary }}"}</code>; <code>{"{{ if .Error }}...{{ else }}...{{ end }}"}</code>,{" "}
            <code>range</code>, <code>with</code> and <code>printf</code> work.
          </li>
          <li>
            <code>.SnapshotStats</code> has <code>FilesNew</code>, <code>FilesChanged</code>, <code>DataAdded</code>,{" "}
            <code>TotalBytesProcessed</code>, ...
          </li>
          <li>
            Helpers: <code>.FormatTime</code>, <code>.FormatDuration</code>, <code>.FormatSizeBytes</code>, <code>.IsError</code>,{" "}
            <code>.ShellEscape</code>, <code>.JsonMarshal</code>, e.g. <code>{"{{ .FormatSizeBytes .SnapshotStats.DataAdded }}"}</code>.
          </li>
          <li>
            <code>.Repo</code> carries no password and no environment, so secrets cannot leak into a notification.
          </li>
        </ul>
      </details>
    </div>
  );
}
