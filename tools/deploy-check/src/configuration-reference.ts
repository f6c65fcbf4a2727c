// Reads docs/configuration.md (generated from the configuration classes, kept current by the
// config-reference test): a tool may not import apps, so this is how it learns each app class's
// variables, which ones are required, and what a valid value is.
import { isUrlWithScheme } from '@stockflow/platform';

/** One row of a class's table. */
export interface DocumentedVariable {
  readonly name: string;
  readonly secret: boolean;
  /** The default as written (`'info'`, `60_000`, `JSON.stringify(…)`); null when unset or required. */
  readonly defaultValue: string | null;
  readonly required: boolean;
  /** "a valid value", e.g. `an integer from 1 to 64`. */
  readonly expected: string;
}

export interface DocumentedClass {
  readonly name: string;
  /** The processes it configures (the heading's `— \`orders\``). */
  readonly processes: readonly string[];
  readonly parent: string | null;
  /** `Its own defaults:` — inherited variables this class gives another default. */
  readonly ownDefaults: ReadonlyMap<string, string>;
  readonly variables: readonly DocumentedVariable[];
}

const unquote = (text: string): string => text.replace(/^`|`$/g, '');

/** Every class section of the reference. */
export function parseConfigurationReference(markdown: string): Map<string, DocumentedClass> {
  const classes = new Map<string, DocumentedClass>();
  const sections = markdown.split(/^## /m).slice(1);
  for (const section of sections) {
    const lines = section.split('\n');
    const heading = /^(\w+)(?: — (.*))?$/.exec(lines[0]!.trim());
    if (!heading) throw new Error(`docs/configuration.md: cannot read the heading "## ${lines[0]}"`);
    const processes = [...(heading[2] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
    const parent = /^Also reads every variable of \[(\w+)\]/m.exec(section)?.[1] ?? null;
    const ownDefaults = new Map<string, string>();
    const defaultsLine = /^Its own defaults: (.*)\.$/m.exec(section)?.[1];
    for (const m of defaultsLine?.matchAll(/`(\w+)` = `([^`]*)`/g) ?? []) ownDefaults.set(m[1]!, m[2]!);
    const variables: DocumentedVariable[] = [];
    for (const line of lines) {
      if (!line.startsWith('| `')) continue;
      // Cells are separated by `|`; a `|` inside a cell is written `\|`.
      const cells = line.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim().replace(/\\\|/g, '|'));
      const [variable, defaultCell, expected] = cells as [string, string, string];
      const name = /^`(\w+)`/.exec(variable)?.[1];
      if (!name) throw new Error(`docs/configuration.md: cannot read the row "${line}"`);
      const required = defaultCell === '**required**';
      variables.push({ name, secret: variable.includes('🔒'), required, defaultValue: required || defaultCell === 'unset' ? null : unquote(defaultCell), expected });
    }
    classes.set(heading[1]!, { name: heading[1]!, processes, parent, ownDefaults, variables });
  }
  return classes;
}

/** The class that configures `process`, and its ancestors, nearest first. */
export function classChainOf(classes: ReadonlyMap<string, DocumentedClass>, process: string): DocumentedClass[] {
  const own = [...classes.values()].find((c) => c.processes.includes(process));
  if (!own) throw new Error(`docs/configuration.md names no configuration class for the process "${process}"`);
  const chain = [own];
  for (let parent = own.parent; parent !== null; ) {
    const next = classes.get(parent);
    if (!next) throw new Error(`docs/configuration.md: ${chain.at(-1)!.name} extends ${parent}, which has no section`);
    chain.push(next);
    parent = next.parent;
  }
  return chain;
}

/** A literal default as a process would read it from the environment (`'orders'` → orders, `60_000` → 60000); null when computed. */
export function literalOf(initializer: string): string | null {
  const quoted = /^(['"])(.*)\1$/.exec(initializer);
  if (quoted) return quoted[2]!;
  if (/^\d[\d_]*$/.test(initializer)) return initializer.replace(/_/g, '');
  return /^(true|false)$/.test(initializer) ? initializer : null;
}

/**
 * Why `value` is not what `expected` (the reference's "a valid value") describes, or null when it is.
 * The kinds the reference derives from the decorators are checked as the decorators would; a free-form
 * description (an `EnvString` pattern described in words) only asks for a non-empty value.
 */
export function valueProblem(expected: string, value: string): string | null {
  const fail = `must be ${expected} (got ${JSON.stringify(value)})`;
  if (value.trim() === '') return fail;
  if (expected === 'a TCP port') return /^\d+$/.test(value) && Number(value) >= 1 && Number(value) <= 65535 ? null : fail;
  if (expected === '`true` or `false`') return /^(true|false)$/.test(value) ? null : fail;
  const integer = /^an integer(?: from (-?\d+) to (-?\d+)| of at least (-?\d+)| of at most (-?\d+))?$/.exec(expected);
  if (integer) {
    if (!/^-?\d+$/.test(value)) return fail;
    const n = Number(value);
    const min = integer[1] ?? integer[3];
    const max = integer[2] ?? integer[4];
    return (min === undefined || n >= Number(min)) && (max === undefined || n <= Number(max)) ? null : fail;
  }
  if (expected.startsWith('one of `')) {
    const allowed = [...expected.matchAll(/`([^`]*)`/g)].map((m) => m[1]);
    return allowed.includes(value) ? null : fail;
  }
  const url = /^a (comma-separated list of )?(.+?) URLs?$/.exec(expected);
  if (url && url[2]!.includes('://')) {
    const schemes = [...url[2]!.matchAll(/(\w+):\/\//g)].map((m) => m[1]!);
    const parts = url[1] ? value.split(',') : [value];
    return parts.every((part) => isUrlWithScheme(part.trim(), schemes)) ? null : fail;
  }
  if (expected.startsWith('a JSON ')) {
    try {
      const parsed: unknown = JSON.parse(value);
      const shape = expected.startsWith('a JSON array') ? Array.isArray(parsed) : typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
      return shape ? null : fail;
    } catch {
      return fail;
    }
  }
  return null;
}
