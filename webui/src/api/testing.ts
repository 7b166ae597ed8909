// For unit tests: a server refusal as the Connect client receives it, a message with a
// google.rpc.BadRequest detail naming each refused field.
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { BadRequestSchema } from "@gen/google/rpc/error_details_pb";

export function refusal(message: string, fields: [string, string][] = []): ConnectError {
  const detail = create(BadRequestSchema, { fieldViolations: fields.map(([field, description]) => ({ field, description })) });
  return new ConnectError(message, Code.InvalidArgument, undefined, fields.length ? [{ desc: BadRequestSchema, value: detail }] : []);
}

/** A refusal whose message lists the fields as `path: message` lines, as the server writes it. */
export function refusalOf(lead: string, fields: [string, string][]): ConnectError {
  return refusal([lead, ...fields.map(([f, d]) => `${f}: ${d}`)].join("\n"), fields);
}
