import { describeError, isDemucsError } from '../core/errors.ts';
import { parseSeparateArgs, USAGE } from './args.ts';
import { runSeparate } from './separate.ts';

/** Exit codes: 0 all inputs separated, 1 some input failed, 2 bad usage or unusable model. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    process.stdout.write(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command !== 'separate') {
    process.stderr.write(`demucs-mixer: unknown command "${command}" (try: demucs-mixer separate --help)\n`);
    return 2;
  }
  try {
    const args = parseSeparateArgs(rest);
    if (args === 'help') {
      process.stdout.write(USAGE);
      return 0;
    }
    const report = await runSeparate(args, (line) => process.stdout.write(`${line}\n`));
    if (args.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return report.inputs.every((r) => r.ok) ? 0 : 1;
  } catch (error) {
    const code = isDemucsError(error) ? ` [${error.code}]` : '';
    process.stderr.write(`demucs-mixer: ${describeError(error)}${code}\n`);
    return 2;
  }
}

process.exitCode = await main(process.argv.slice(2));
