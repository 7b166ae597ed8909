// Download links: the server signs a relative `./download/<token>/<name>` (a file, which downloads as
// itself) or `<name>.tar.gz` (a directory); the page turns it into an absolute URL under the API's
// base, asking for zip when wanted.
import { apiBase } from "../api/client";

export function downloadLink(signed: string, format?: "zip"): string {
  const url = new URL(signed, apiBase());
  if (format === "zip") {
    url.pathname = url.pathname.replace(/\.tar\.gz$/, ".zip");
    url.searchParams.set("format", "zip");
  }
  return url.href;
}
