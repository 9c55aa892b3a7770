// A node:test reporter that writes only the totals, as JSON, for test/run-all.mjs.
export default async function* countReporter(source) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    // Count tests, not suites (a suite's pass/fail repeats its children's).
    if (event.data.details?.type === 'suite') continue;
    if (event.type === 'test:fail') failed++;
    else if (event.data.skip !== undefined && event.data.skip !== false) skipped++;
    else passed++;
  }
  yield JSON.stringify({ passed, failed, skipped });
}
