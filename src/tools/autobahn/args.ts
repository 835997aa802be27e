/**
 * Argument parsing shared by the Autobahn drivers: `--name value`,
 * `--flag`, and positionals, with a clear error for anything unknown.
 */

export interface ParsedArgs {
  readonly options: Map<string, string | true>;
  readonly positionals: string[];
}

/** Parse `argv`; `valued` and `flags` list the accepted option names (without `--`). */
export function parseDriverArgs(argv: readonly string[], valued: readonly string[], flags: readonly string[]): ParsedArgs {
  const options = new Map<string, string | true>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
    if (flags.includes(name)) {
      options.set(name, true);
    } else if (valued.includes(name)) {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new Error(`--${name} needs a value`);
      options.set(name, value);
    } else {
      throw new Error(`unknown option --${name}`);
    }
  }
  return { options, positionals };
}
