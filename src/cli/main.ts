import { describeError, isDemucsError } from '../core/errors.ts';
import { parseSeparateArgs, USAGE } from './args.ts';

/** Exit codes: 0 all inputs separated, 1 some input failed, 2 bad usage or unusable model. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    process.stdout.write(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === 'convert') return convert(rest);
  if (command !== 'separate') {
    process.stderr.write(`demucs-mixer: unknown command "${command}" (try: demucs-mixer separate --help, demucs-mixer convert --help)\n`);
    return 2;
  }
  try {
    const { runSeparate } = await import('./separate.ts');
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

/** `convert`: 0 when every model was written, 2 otherwise (bad usage, checkpoint or download). */
async function convert(argv: string[]): Promise<number> {
  try {
    const { CONVERT_USAGE, parseConvertArgs, runConvert } = await import('./convert.ts');
    const args = parseConvertArgs(argv);
    if (args === 'help') {
      process.stdout.write(CONVERT_USAGE);
      return 0;
    }
    const bar = process.stderr.isTTY ? new (await import('cli-progress')).default.SingleBar({ format: 'downloading {label} [{bar}] {percentage}% {value}/{total} MB' }) : null;
    let shown = '';
    const report = await runConvert(
      args,
      (line) => (args.json ? undefined : process.stdout.write(`${line}\n`)),
      (label, loaded, total) => {
        if (!bar || !total) return;
        if (shown !== label) {
          if (shown) bar.stop();
          bar.start(Math.round(total / 1e6), 0, { label });
          shown = label;
        }
        bar.update(Math.round(loaded / 1e6), { label });
      },
    );
    bar?.stop();
    if (args.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return 0;
  } catch (error) {
    const code = isDemucsError(error) ? ` [${error.code}]` : '';
    process.stderr.write(`demucs-mixer: ${describeError(error)}${code}\n`);
    return 2;
  }
}

process.exitCode = await main(process.argv.slice(2));
