// Hash routing: the page is one file, so every view lives behind `#/...` and reloads land where they were.
import { useSyncExternalStore } from "react";

export type Route =
  | { name: "dashboard" }
  | { name: "plan"; id: string }
  | { name: "repo"; id: string }
  | { name: "settings" }
  | { name: "log"; ref: string }
  | { name: "fleet" }
  | { name: "peers" }
  | { name: "instance"; keyid: string }
  | { name: "notFound"; path: string };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, "") || "/";
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0) return { name: "dashboard" };
  if (parts[0] === "plan" && parts.length === 2) return { name: "plan", id: parts[1] };
  if (parts[0] === "repo" && parts.length === 2) return { name: "repo", id: parts[1] };
  if (parts[0] === "settings" && parts.length === 1) return { name: "settings" };
  if (parts[0] === "log" && parts.length === 2) return { name: "log", ref: parts[1] };
  if (parts[0] === "fleet" && parts.length === 1) return { name: "fleet" };
  if (parts[0] === "peers" && parts.length === 1) return { name: "peers" };
  if (parts[0] === "instance" && parts.length === 2) return { name: "instance", keyid: parts[1] };
  return { name: "notFound", path };
}

export function href(route: Route): string {
  switch (route.name) {
    case "dashboard":
      return "#/";
    case "plan":
      return `#/plan/${encodeURIComponent(route.id)}`;
    case "repo":
      return `#/repo/${encodeURIComponent(route.id)}`;
    case "settings":
      return "#/settings";
    case "log":
      return `#/log/${encodeURIComponent(route.ref)}`;
    case "fleet":
      return "#/fleet";
    case "peers":
      return "#/peers";
    case "instance":
      return `#/instance/${encodeURIComponent(route.keyid)}`;
    case "notFound":
      return `#${route.path}`;
  }
}

function subscribe(fn: () => void): () => void {
  window.addEventListener("hashchange", fn);
  return () => window.removeEventListener("hashchange", fn);
}

export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribe, () => window.location.hash);
  return parseRoute(hash);
}
