import { describe, expect, it } from "vitest";
import { displayUri } from "./uri";

describe("displayUri", () => {
  it("masks the password of a URI with credentials", () => {
    expect(displayUri("rest:https://user:s3cret@backup.example.com:8000/repo")).toBe("rest:https://user:***@backup.example.com:8000/repo");
    expect(displayUri("s3:https://key:secret@minio.local:9000/bucket/restic")).toBe("s3:https://key:***@minio.local:9000/bucket/restic");
    expect(displayUri("sftp://me:pw@host:2222//srv/restic")).toBe("sftp://me:***@host:2222//srv/restic");
    expect(displayUri("rest:http://:token@host/")).toBe("rest:http://:***@host/");
  });

  it("masks a password holding an unencoded '@' or ':' whole", () => {
    expect(displayUri("rest:https://me:p@ss:w@host/repo")).toBe("rest:https://me:***@host/repo");
  });

  it("leaves URIs without a password as written", () => {
    for (const uri of [
      "/mnt/backup/restic",
      "C:\\backup",
      "sftp:user@host:/srv/restic",
      "sftp://user@host//srv/restic",
      "rest:https://backup.example.com:8000/repo@2",
      "s3:s3.us-east-1.amazonaws.com/bucket",
      "rclone:remote:path/to/repo",
      "b2:bucket:path",
      "",
    ]) {
      expect(displayUri(uri), uri).toBe(uri);
    }
  });
});
