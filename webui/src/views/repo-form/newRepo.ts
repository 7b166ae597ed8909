// A new repository as Backrest starts one: a monthly prune (of up to 10% unused space) and a monthly
// structure check.
import { create } from "@bufbuild/protobuf";
import {
  CheckPolicySchema,
  CommandPrefixSchema,
  PrunePolicySchema,
  RepoSchema,
  ScheduleSchema,
  Schedule_Clock,
  type Repo,
  type Schedule,
} from "@gen/v1/config_pb";

function monthly(): Schedule {
  return create(ScheduleSchema, { schedule: { case: "cron", value: "0 0 1 * *" }, clock: Schedule_Clock.LAST_RUN_TIME });
}

export function newRepo(): Repo {
  return create(RepoSchema, {
    autoInitialize: false,
    prunePolicy: create(PrunePolicySchema, { schedule: monthly(), maxUnusedPercent: 10 }),
    checkPolicy: create(CheckPolicySchema, { schedule: monthly(), mode: { case: "structureOnly", value: true } }),
    commandPrefix: create(CommandPrefixSchema),
  });
}
