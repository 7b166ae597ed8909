// The Connect clients for cairn's services (Backrest's, its authentication and peer-state ones, and cairn's own), over one binary-protobuf transport that sends the
// session token kept in localStorage. A call refused as unauthenticated tells the app to show login.
import { Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { Backrest } from "@gen/v1/service_pb";
import { Authentication } from "@gen/v1/authentication_pb";
import { Cairn } from "@gen/cairn/v1/cairn_pb";
import { BackrestSyncStateService } from "@gen/v1sync/syncservice_pb";

const TOKEN_KEY = "cairn.token";

export function getToken(): string | null {
  try {
    return localStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function setToken(token: string | null): void {
  if (token) localStorage.setItem(TOKEN_KEY, token);
  else localStorage.removeItem(TOKEN_KEY);
}

type Listener = () => void;
const unauthenticatedListeners = new Set<Listener>();

/** Calls `fn` whenever the server refuses a call for want of a valid session. */
export function onUnauthenticated(fn: Listener): () => void {
  unauthenticatedListeners.add(fn);
  return () => unauthenticatedListeners.delete(fn);
}

const auth: Interceptor = (next) => async (req) => {
  const token = getToken();
  if (token) req.header.set("Authorization", `Bearer ${token}`);
  try {
    return await next(req);
  } catch (e) {
    if (e instanceof ConnectError && e.code === Code.Unauthenticated && !req.url.endsWith("/Login")) {
      unauthenticatedListeners.forEach((l) => l());
    }
    throw e;
  }
};

/** The API's base: the folder the page was served from, so cairn works behind a path prefix. */
export function apiBase(): string {
  return new URL(".", window.location.href).href;
}

const transport = createConnectTransport({
  baseUrl: apiBase(),
  useBinaryFormat: true,
  interceptors: [auth],
});

export const backrest = createClient(Backrest, transport);
export const authentication = createClient(Authentication, transport);
export const cairn = createClient(Cairn, transport);
export const syncState = createClient(BackrestSyncStateService, transport);
