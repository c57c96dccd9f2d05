// How a field of the lab file is named in messages: links[3].b.node, and
// anycast.records["www.lab."] for keys that are not plain identifiers.
export type FieldPath = (string | number)[];

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

export function formatPath(path: FieldPath, key?: string): string {
  let out = '';
  for (const seg of key === undefined ? path : [...path, key]) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (!PLAIN_KEY.test(seg)) out += `[${JSON.stringify(seg)}]`;
    else out += out ? `.${seg}` : seg;
  }
  return out;
}
