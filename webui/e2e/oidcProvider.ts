// A real, certified OpenID provider for the single sign-on test: panva's oidc-provider (locked in
// package-lock.json) on a free loopback port, with its development login and consent pages, one
// confidential client (cairn) and two people: alice in the backup-admins group, mallory outside it.
import type { Server } from "node:http";
import Provider from "oidc-provider";
import { freePort } from "./support";

export const CLIENT_ID = "cairn";
export const CLIENT_SECRET = "a client secret: with spaces+symbols";

const PEOPLE: Record<string, Record<string, unknown>> = {
  alice: { preferred_username: "alice", email: "alice@example.com", email_verified: true, groups: ["backup-admins"] },
  mallory: { preferred_username: "mallory", email: "mallory@elsewhere.test", email_verified: true, groups: ["visitors"] },
};

export interface IdentityProvider {
  issuer: string;
  stop: () => Promise<void>;
}

export async function startProvider(redirectUri: string): Promise<IdentityProvider> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        redirect_uris: [redirectUri],
        grant_types: ["authorization_code"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_basic",
      },
    ],
    claims: {
      openid: ["sub"],
      profile: ["preferred_username"],
      email: ["email", "email_verified"],
      groups: ["groups"],
    },
    findAccount: (_ctx, id) => {
      const person = PEOPLE[id];
      return Promise.resolve(person && { accountId: id, claims: () => Promise.resolve({ sub: `sub-${id}`, ...person }) });
    },
    features: { devInteractions: { enabled: true } },
    cookies: { keys: ["e2e cookie signing key"] },
    pkce: { required: () => true },
  });
  const server: Server = provider.listen(port, "127.0.0.1");
  await new Promise<void>((ok) => server.once("listening", () => ok()));
  return {
    issuer,
    stop: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}
