/**
 * The one way to put outside text into a filter string: every value and key a program splices
 * into a filter goes through these, so no name (a study called `runs\rf` or `it's`) can change
 * what the filter means.
 */

/** A string literal for any text: `'` doubled and `\` escaped, as the tokenizer reads them back. */
export function quoteFilterValue(value: string): string {
  return `'${String(value).replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}

/** A key in backticks (a backtick inside doubled), for keys with dots, spaces or odd characters. */
export function quoteFilterKey(key: string): string {
  return `\`${String(key).replaceAll('`', '``')}\``;
}
