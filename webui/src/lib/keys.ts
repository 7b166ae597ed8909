// Narrowing a value the server sends to a key of a lookup table (e.g. the catalogue key of each marker
// or type), so a value the table does not know is shown as it comes instead of failing a lookup.

/** True if `key` is one of `table`'s own keys. */
export function isKeyOf<T extends object>(table: T, key: PropertyKey): key is keyof T {
  return Object.hasOwn(table, key);
}
