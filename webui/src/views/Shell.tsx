// The signed-in frame: a header with current activity, theme and logout; a sidebar listing plans and
// repositories with their last status; and the routed view.
import { useEffect, useState } from "react";
import { OperationStatus, type Operation } from "@gen/v1/operations_pb";
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
import { FleetDashboardPage } from "./fleet/FleetDashboard";
import { PeersPage } from "./fleet/Peers";
import { InstanceView } from "./fleet/InstanceView";
import { i18n, Trans, useTranslation } from "../i18n";

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
  const { t } = useTranslation("shell");
  // Keyed by the route's address: useRoute gives a new object at every render, which would close the menu at once.
  const at = href(route);
  useEffect(() => setMenuOpen(false), [at]);
  return (
    <div className="shell">
      <header className="topbar">
        <button
          type="button"
          className="icon-button menu-toggle"
          aria-label={t("frame.menu")}
          aria-expanded={menuOpen}
          onClick={() => setMenuOpen((o) => !o)}
        >
          ☰
        </button>
        <a className="brand" href={href({ name: "dashboard" })} translate="no">
          cairn
        </a>
        <ActivityBar />
        <div className="topbar-end">
          <ThemeSelect />
          {onLogout && (
            <button type="button" onClick={onLogout}>
              {t("frame.logOut")}
            </button>
          )}
        </div>
      </header>
      <nav className={`sidebar${menuOpen ? " open" : ""}`} aria-label={t("frame.mainNav")}>
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
        {route.name === "fleet" && <FleetDashboardPage />}
        {route.name === "peers" && <PeersPage />}
        {route.name === "instance" && <InstanceView key={route.keyid} keyid={route.keyid} />}
        {route.name === "notFound" && (
          <div className="card">
            <h1>{t("frame.notFound")}</h1>
            <p>
              <Trans
                t={t}
                i18nKey="frame.nothingHere"
                components={{ path: <code translate="no">{route.path}</code>, home: <a href={href({ name: "dashboard" })} /> }}
              />
            </p>
          </div>
        )}
      </main>
    </div>
  );
}

function ActivityBar() {
  const { running, streamError } = useActivity();
  const { t } = useTranslation("shell");
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!running.length) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [running.length]);
  if (streamError)
    return (
      <div className="activity small tone-warn" role="status" title={streamError}>
        <span className="dot tone-warn" /> {t("activity.reconnecting")}
      </div>
    );
  if (!running.length) return <div className="activity muted small">{t("activity.idle")}</div>;
  return (
    <div className="activity small" aria-live="polite">
      <span className="activity-count">
        <span className="dot tone-run" /> {t("activity.running", { count: running.length })}
      </span>
      {running.slice(0, 3).map((op) => (
        <span key={String(op.id)} className="activity-item">
          <span className="dot tone-run" /> {runningText(op, now)}
        </span>
      ))}
      {running.length > 3 && <span className="muted">{t("activity.more", { n: running.length - 3 })}</span>}
    </div>
  );
}

/** One running operation, as "Backup of docs to nas for 2m 5s". */
function runningText(op: Operation, now: number): string {
  const values = { kind: kindLabel(op), plan: op.planId, repo: op.repoId, duration: formatDuration(now - Number(op.unixTimeStartMs)) };
  return op.planId ? i18n.t("shell:activity.ofPlan", values) : i18n.t("shell:activity.noPlan", values);
}

function ThemeSelect() {
  const { theme, setTheme } = useTheme();
  const { t } = useTranslation("shell");
  return (
    <select aria-label={t("theme.label")} className="theme-select" value={theme} onChange={(e) => setTheme(e.target.value as ThemeChoice)}>
      <option value="system">{t("theme.system")}</option>
      <option value="light">{t("theme.light")}</option>
      <option value="dark">{t("theme.dark")}</option>
    </select>
  );
}

function Sidebar() {
  const { config } = useConfig();
  const { dashboard, running } = useActivity();
  const route = useRoute();
  const [adding, setAdding] = useState<"plan" | "repo" | null>(null);
  const { t } = useTranslation("shell");
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
        {t("nav.dashboard")}
      </a>
      <NavGroup
        title={t("nav.plans")}
        addLabel={t("nav.addPlan")}
        empty={t("nav.noPlans")}
        onAdd={() => setAdding("plan")}
        items={config?.plans.map((p) => ({ id: p.id, route: { name: "plan", id: p.id } as const })) ?? null}
        isActive={(id) => active("plan", id)}
        status={(id) => lastStatus(id, "plan")}
      />
      <NavGroup
        title={t("nav.repos")}
        addLabel={t("nav.addRepo")}
        empty={t("nav.noRepos")}
        onAdd={() => setAdding("repo")}
        items={config?.repos.map((r) => ({ id: r.id, route: { name: "repo", id: r.id } as const, title: displayUri(r.uri) })) ?? null}
        isActive={(id) => active("repo", id)}
        status={(id) => lastStatus(id, "repo")}
      />
      <a className={active("fleet")} href={href({ name: "fleet" })}>
        {t("nav.fleet")}
      </a>
      <a className={active("peers")} href={href({ name: "peers" })}>
        {t("nav.peers")}
      </a>
      <a className={active("settings")} href={href({ name: "settings" })}>
        {t("nav.settings")}
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
          <StatusDot status={props.status(item.id)} /> <span translate="no">{item.id}</span>
        </a>
      ))}
      {props.items && !props.items.length && <div className="muted small nav-empty">{props.empty}</div>}
    </div>
  );
}
