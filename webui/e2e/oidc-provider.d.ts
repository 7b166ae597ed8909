// The little of oidc-provider's API the single sign-on test uses (the package ships no types).
declare module "oidc-provider" {
  import type { Server } from "node:http";

  interface Account {
    accountId: string;
    claims: () => Promise<Record<string, unknown>>;
  }

  interface Configuration {
    clients: Record<string, unknown>[];
    claims?: Record<string, string[]>;
    scopes?: string[];
    findAccount: (ctx: unknown, id: string) => Promise<Account | undefined>;
    features?: Record<string, unknown>;
    cookies?: { keys: string[] };
    pkce?: { required: () => boolean };
  }

  export default class Provider {
    constructor(issuer: string, configuration: Configuration);
    listen(port: number, host?: string): Server;
  }
}
