// /proc/<pid>/stat, read the one safe way: the command name (field 2) may hold
// spaces and parentheses, so the fields are counted from the last ')'.

/** Fields 3 onwards (state, ppid, …): field N of proc(5) is at index N − 3. */
export function procStatFields(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}
