// Saves one change to the multihost settings (known hosts, authorised clients, pairing tokens) as a
// whole config, read fresh first, so a token consumed or a peer paired meanwhile is not written over.
import { useCallback } from "react";
import { clone, create } from "@bufbuild/protobuf";
import { ConfigSchema, MultihostSchema, type Multihost } from "@gen/v1/config_pb";
import { errorMessage } from "../../api/errors";
import { notify } from "../../components/Toasts";
import { useConfig } from "../../state/config";

export function useSaveMultihost(): (edit: (mh: Multihost) => void, done: string) => Promise<boolean> {
  const { reload, save } = useConfig();
  return useCallback(
    async (edit, done) => {
      const fresh = await reload();
      if (!fresh) return false;
      const next = clone(ConfigSchema, fresh);
      next.multihost ??= create(MultihostSchema);
      edit(next.multihost);
      try {
        await save(next);
        notify(done);
        return true;
      } catch (e) {
        notify(errorMessage(e), "err");
        return false;
      }
    },
    [reload, save],
  );
}
