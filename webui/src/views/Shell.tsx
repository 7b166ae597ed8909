// The signed-in frame: a header with current activity, theme and logout; a sidebar listing plans and
// repositories with their last status; and the routed view.
import { useEffect, useState } from "react";
import { OperationStatus } from "@gen/v1/operations_pb";
import { href, useRoute, type Route } from "../lib/router";
import { displayUri } from "../lib/uri";
import { useConfig } from "../state/config";
import { ActivityProvider, useActivity } from "../state/activity";
import { useTheme, type ThemeChoice } from "../state/theme";
import { StatusDot, ErrorBanner } from "../components/Status";
import { ServerNotices } from "../components/ServerNotices";
import { kindLabel } from "../lib/operations";
import { formatDuration } from "../lib/format";
import { Dashboard } from "./Dashboard";
import { PlanView } from "./PlanView";
import { RepoView } from "./RepoView";
import { SettingsView } from "./Settings";
import { LogPage } from "./LogViewer";
import { PlanForm } from "./PlanForm";
import { RepoForm } from "./RepoForm";

export function Shell({ onLogout }: { onLogout: (() => void) | null }) {
  return (
    <ActivityProvider>
      <Frame onLogout={onLogout} />
    </ActivityProvider>
  );
}

function Frame({ onLogout }: { onLogout: (() => void) | null }) {
  const route = useRoute();
  const { error } = useConfig();
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => setMenuOpen(false), [route]);
  return (
    <div className="shell">
      <header className="topbar">
        <button
          type="button"
          className="icon-button menu-toggle"
          aria-label="Menu"
          aria-expanded={menuOpen}
          onClick={() => setMenuOpen((o) => !o)}
        >
          ☰
        </button>
        <a className="brand" href={href({ name: "dashboard" })}>
          cairn
        </a>
        <ActivityBar />
        <div className="topbar-end">
          <ThemeSelect />
          {onLogout && (
            <button type="button" onClick={onLogout}>
              Log out
            </button>
          )}
        </div>
      </header>
      <nav className={`sidebar${menuOpen ? " open" : ""}`} aria-label="Main">
        <Sidebar />
      </nav>
      <main className="content">
        <ErrorBanner error={error} />
        <ServerNotices />
        {route.name === "dashboard" && <Dashboard />}
        {route.name === "plan" && <PlanView key={route.id} planId={route.id} />}
        {route.name === "repo" && <RepoView key={route.id} repoId={route.id} />}
        {route.name === "settings" && <SettingsView />}
        {route.name === "log" && <LogPage logRef={route.ref} />}
        {route.name === "notFound" && (
          <div className="card">
            <h1>Not found</h1>
            <p>
              Nothing lives at <code>{route.path}</code>. <a href={href({ name: "dashboard" })}>Go to the dashboard</a>.
            </p>
          </div>
        )}
      </main>
    </div>
  );
}

function ActivityBar() {
  const { running, streamError } = useActivity();
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!running.length) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [running.length]);
  if (streamError)
    return (
      <div className="activity small tone-warn" role="status" title={streamError}>
        <span className="dot tone-warn" /> reconnecting to cairn…
      </div>
    );
  if (!running.length) return <div className="activity muted small">idle</div>;
  return (
    <div className="activity small" aria-live="polite">
      <span className="activity-count">
        <span className="dot tone-run" /> {running.length} running
      </span>
      {running.slice(0, 3).map((op) => (
        <span key={String(op.id)} className="activity-item">
          <span className="dot tone-run" /> {kindLabel(op)} {op.planId ? `of ${op.planId}` : ""} to {op.repoId} for{" "}
          {formatDuration(now - Number(op.unixTimeStartMs))}
        </span>
      ))}
      {running.length > 3 && <span className="muted">and {running.length - 3} more</span>}
    </div>
  );
}

function ThemeSelect() {
  const { theme, setTheme } = useTheme();
  return (
    <select aria-label="Theme" className="theme-select" value={theme} onChange={(e) => setTheme(e.target.value as ThemeChoice)}>
      <option value="system">System theme</option>
      <option value="light">Light</option>
      <option value="dark">Dark</option>
    </select>
  );
}

function Sidebar() {
  const { config } = useConfig();
  const { dashboard, running } = useActivity();
  const route = useRoute();
  const [adding, setAdding] = useState<"plan" | "repo" | null>(null);
  const lastStatus = (id: string, kind: "plan" | "repo") => {
    if (running.some((o) => (kind === "plan" ? o.planId === id : o.repoId === id))) return OperationStatus.STATUS_INPROGRESS;
    const list = kind === "plan" ? dashboard?.planSummaries : dashboard?.repoSummaries;
    const st = list?.find((s) => s.id === id)?.recentBackups?.status;
    return st?.length ? st[st.length - 1] : OperationStatus.STATUS_UNKNOWN;
  };
  const active = (name: string, id?: string) =>
    route.name === name && (id === undefined || ("id" in route && route.id === id)) ? "active" : undefined;
  return (
    <>
      <a className={active("dashboard")} href={href({ name: "dashboard" })}>
        Dashboard
      </a>
      <NavGroup
        title="Plans"
        addLabel="+ Add plan"
        empty="No plans yet"
        onAdd={() => setAdding("plan")}
        items={config?.plans.map((p) => ({ id: p.id, route: { name: "plan", id: p.id } as const })) ?? null}
        isActive={(id) => active("plan", id)}
        status={(id) => lastStatus(id, "plan")}
      />
      <NavGroup
        title="Repositories"
        addLabel="+ Add repository"
        empty="No repositories yet"
        onAdd={() => setAdding("repo")}
        items={config?.repos.map((r) => ({ id: r.id, route: { name: "repo", id: r.id } as const, title: displayUri(r.uri) })) ?? null}
        isActive={(id) => active("repo", id)}
        status={(id) => lastStatus(id, "repo")}
      />
      <a className={active("settings")} href={href({ name: "settings" })}>
        Settings
      </a>
      {adding === "plan" && (
        <PlanForm onClose={() => setAdding(null)} onSaved={(id) => (window.location.hash = href({ name: "plan", id }))} />
      )}
      {adding === "repo" && (
        <RepoForm onClose={() => setAdding(null)} onSaved={(id) => (window.location.hash = href({ name: "repo", id }))} />
      )}
    </>
  );
}

/** A titled list of plans or repositories in the sidebar, each with its last status, and an add button. */
function NavGroup(props: {
  title: string;
  addLabel: string;
  empty: string;
  onAdd: () => void;
  items: { id: string; route: Route; title?: string }[] | null;
  isActive: (id: string) => string | undefined;
  status: (id: string) => OperationStatus;
}) {
  return (
    <div className="nav-group">
      <div className="spread nav-head">
        <span>{props.title}</span>
        <button type="button" className="link" onClick={props.onAdd}>
          {props.addLabel}
        </button>
      </div>
      {props.items?.map((item) => (
        <a key={item.id} className={props.isActive(item.id)} href={href(item.route)} title={item.title}>
          <StatusDot status={props.status(item.id)} /> {item.id}
        </a>
      ))}
      {props.items && !props.items.length && <div className="muted small nav-empty">{props.empty}</div>}
    </div>
  );
}
