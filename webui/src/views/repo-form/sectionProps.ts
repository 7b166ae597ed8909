// What each section of the repository form gets: the repository being edited, the errors keyed
// relative to it, and a way to change some of its fields.
import type { Repo } from "@gen/v1/config_pb";
import type { FieldErrors } from "../../api/errors";

export interface RepoSectionProps {
  repo: Repo;
  errors: FieldErrors;
  patch: (p: Partial<Repo>) => void;
}
