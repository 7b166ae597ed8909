// Repository URIs as shown on screen: a password written into one (`sftp://user:pass@host/...`, also
// behind restic's backend prefix, as in `rest:https://user:pass@host/repo` or `s3:https://...`) is
// masked as `user:***@`; every other URI is shown as written.

/** Schemes (one or more, e.g. `rest:https:`), `//`, then `user:password@` up to the authority's end. */
const CREDENTIALS = /^((?:[A-Za-z][A-Za-z0-9+.-]*:)+\/\/)([^:@/?#]*):[^/?#]*@/;

export function displayUri(uri: string): string {
  return uri.replace(CREDENTIALS, "$1$2:***@");
}
