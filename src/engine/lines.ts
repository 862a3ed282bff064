/** Line arithmetic on source text. */

/** The whitespace that starts the line holding `at`. */
export function lineIndent(source: string, at: number): string {
  const start = source.lastIndexOf('\n', at - 1) + 1;
  return /^[ \t]*/.exec(source.slice(start, at))?.[0] ?? '';
}
