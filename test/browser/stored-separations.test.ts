/**
 * Separations kept between visits (OPFS sessions): a song separated before reopens without a
 * run, one stopped mid-way resumes where it stopped and ends with the stems of a whole run,
 * a full disk keeps what was separated and the rest in memory within its budget, stored() and
 * forget() manage them.
 */
import type { DemucsMixer } from '../../components/demucs-mixer.ts';
import { deepEqual, equal, ok } from './assert.ts';
import { MODELS, nextEvent, sleep, stereoSignal, wavFile } from './helpers.ts';
import { testMixer } from './mixer-helpers.ts';

const WAVE4 = `${MODELS}/wave4.onnx`;
/** Songs of this run only (the browser's storage is shared by the test files). */
const unique = Date.now() % 100000;

async function stemBytes(el: DemucsMixer): Promise<Uint8Array[]> {
  const stems = await el.exportStems('f32');
  return Promise.all(el.stems.map(async (s) => new Uint8Array(await stems[s]!.arrayBuffer())));
}

function sameBytes(a: Uint8Array, b: Uint8Array, what: string): void {
  equal(a.length, b.length, `${what}: length`);
  const at = a.findIndex((x, i) => x !== b[i]);
  equal(at, -1, `${what}: first differing byte`);
}

/** A mixer as on a new page: the last one's workers ended as a reload ends them. */
async function afterReload(last: DemucsMixer): Promise<DemucsMixer> {
  last._endWorkersForTests();
  last.remove();
  return testMixer(WAVE4);
}

describe('stored separations', function () {
  this.timeout(240000);
  const mixers: DemucsMixer[] = [];
  const mixer = async (model?: string) => {
    const el = await testMixer(model);
    mixers.push(el);
    return el;
  };
  afterEach(() => {
    for (const el of mixers.splice(0)) el.remove();
  });

  it('a song separated before reopens after a reload: no network run, the same stems, played from disk', async () => {
    const [left, right] = stereoSignal(20 * 44100, unique + 1);
    const file = wavFile(left, right, 'reopen.wav');
    const first = await mixer();
    await first.loadModel(WAVE4);
    await first.load(file);
    const id = first.session!.id;
    equal(first.session!.restoredSeconds, 0, 'separated, not restored');
    ok(first.separationStats!.runs > 0, 'the first time runs the model');
    const before = await stemBytes(first);
    const views = (el: DemucsMixer) => el.shadowRoot!.querySelector('demucs-timeline')!.views!;
    await views(first).showSpectra();
    const firstViews = { fine: views(first).fine.map((f) => f.slice()), spectra: views(first).spectra.map((s) => s.data.slice()) };
    const listed = (await first.stored()).find((s) => s.id === id);
    ok(listed?.complete, 'listed as complete');
    ok(listed!.bytes >= 4 * 8 * 20 * 44100, `${listed!.bytes} bytes on disk`);
    equal(listed!.name, 'reopen.wav');

    const second = await afterReload(first);
    mixers.push(second);
    await second.load(file);
    equal(second.session?.id, id, 'the same session');
    equal(second.session!.restoredSeconds, 20, 'all of it from storage');
    equal(second.separationStats!.runs, 0, 'no network run');
    equal(second.separatedSeconds, 20);
    const after = await stemBytes(second);
    before.forEach((b, s) => sameBytes(after[s]!, b, `stem ${s}`));
    // The timeline's peaks and spectrograms, read back from disk in the background: as when separated.
    const reopened = views(second);
    await reopened.showSpectra();
    reopened.fine.forEach((f, s) => deepEqual(Array.from(f), Array.from(firstViews.fine[s]!), `fine peaks of stem ${s}`));
    reopened.spectra.forEach((sp, s) => deepEqual(Array.from(sp.data), Array.from(firstViews.spectra[s]!), `spectrogram of stem ${s}`));
    await second.play();
    await sleep(400);
    ok(second.playState === 'playing' && second.currentTime > 0.15, `${second.playState} at ${second.currentTime} s`);
    second.pause();
  });

  it('a full disk mid-separation: STORAGE_FULL, what was kept plays and exports; after a reload the song resumes there and ends with the stems of a whole run', async () => {
    const seconds = 60;
    const [left, right] = stereoSignal(seconds * 44100, unique + 2);
    const file = wavFile(left, right, 'resume.wav');
    const el = await mixer();
    await el.loadModel(WAVE4);
    // No memory for what the disk refuses: the separation stops there.
    await el._failStorageAfterForTests(2, 0);
    const error = nextEvent<CustomEvent<{ code: string }>>(el, 'demucs-error');
    const failed = await el.load(file).then(
      () => null,
      (e: { code: string }) => e,
    );
    equal(failed?.code, 'STORAGE_FULL');
    equal((await error).detail.code, 'STORAGE_FULL');
    const kept = el.separatedSeconds;
    ok(kept > 0 && kept < seconds, `${kept} s kept`);
    const partial = await stemBytes(el);
    equal(partial[0]!.length, 44 + Math.round(kept * 44100) * 8, 'exports hold what was kept');
    const listed = (await el.stored()).find((s) => s.id === el.session!.id)!;
    ok(!listed.complete && Math.abs(listed.separatedSeconds - kept) < 1e-9, `stored ${listed.separatedSeconds} s of ${kept}`);

    await el._failStorageAfterForTests(null);
    const resumed = await afterReload(el);
    mixers.push(resumed);
    const regions: number[] = [];
    resumed.addEventListener('demucs-progress', (e) => regions.push(e.detail.separatedSeconds));
    await resumed.load(file);
    equal(resumed.session!.restoredSeconds, kept, 'resumed where it stopped');
    ok(regions[0]! >= kept, `the first progress is at ${regions[0]} s`);
    const whole = await stemBytes(resumed);
    const runs = resumed.separationStats!.runs;

    // Against a separation from scratch (no shifts: the same stems every time).
    ok(await resumed.forget(resumed.session!.id), 'forgotten');
    const fresh = await mixer(WAVE4);
    await fresh.load(file);
    equal(fresh.session!.restoredSeconds, 0);
    ok(runs < fresh.separationStats!.runs, `resumed with ${runs} runs, from scratch ${fresh.separationStats!.runs}`);
    const reference = await stemBytes(fresh);
    reference.forEach((r, s) => {
      sameBytes(whole[s]!, r, `stem ${s}, resumed`);
      sameBytes(partial[s]!.subarray(44), r.subarray(44, partial[s]!.length), `stem ${s}, the part kept before the disk filled`);
    });
  });

  it("a full disk mid-separation (as a private window's storage): the rest is kept in memory, the status line says so; the song completes with the stems of a whole run and plays and exports from disk and memory", async () => {
    const seconds = 60;
    const [left, right] = stereoSignal(seconds * 44100, unique + 5);
    const file = wavFile(left, right, 'private.wav');
    const el = await mixer(WAVE4);
    await el._failStorageAfterForTests(2);
    await el.load(file);
    equal(el.separatedSeconds, seconds, 'separated to the end');
    const memory = el.stemsInMemory!;
    ok(memory && memory.fromSeconds > 0 && memory.fromSeconds < seconds / 2, `in memory from ${memory?.fromSeconds} s`);
    equal(memory.bytes, Math.round((seconds - memory.fromSeconds) * 44100) * 4 * 8, 'the bytes of the stems past the disk');
    equal(memory.budgetBytes, 2 ** 30);
    const status = el.shadowRoot!.querySelector('demucs-status')!.querySelector('.memory')?.textContent ?? '';
    ok(/storage is full \(a private window\?\): stems past \d+ s are kept in memory, \d+ of 1074 MB/.test(status), status);
    const listed = (await el.stored()).find((s) => s.id === el.session!.id)!;
    ok(!listed.complete && Math.abs(listed.separatedSeconds - memory.fromSeconds) < 1e-9, `stored ${listed.separatedSeconds} s: what is on disk`);
    const kept = await stemBytes(el);
    // Played from memory, near the end.
    el.seek(seconds - 3);
    await el.play();
    await sleep(500);
    ok(el.playState === 'playing' && el.currentTime > seconds - 2.9, `${el.playState} at ${el.currentTime} s`);
    el.pause();

    await el._failStorageAfterForTests(null);
    ok(await el.forget(el.session!.id), 'forgotten');
    const fresh = await mixer(WAVE4);
    await fresh.load(file);
    equal(fresh.stemsInMemory, null, 'all on disk');
    const reference = await stemBytes(fresh);
    reference.forEach((r, s) => sameBytes(kept[s]!, r, `stem ${s}, kept on disk then in memory`));
  });

  it('past the memory budget: STORAGE_FULL says what happened (a private window or a full disk) and what to do; what was kept on disk and in memory plays and exports', async () => {
    const seconds = 60;
    const [left, right] = stereoSignal(seconds * 44100, unique + 6);
    const file = wavFile(left, right, 'budget.wav');
    const el = await mixer(WAVE4);
    const budget = 10 * 44100 * 4 * 8;
    await el._failStorageAfterForTests(2, budget);
    const failed = await el.load(file).then(
      () => null,
      (e: { code: string; message: string }) => e,
    );
    equal(failed?.code, 'STORAGE_FULL');
    ok(/refused the stems past [\d.]+ s \(in a private window .*\); those up to [\d.]+ s were kept in memory, its budget of 14 MB is used up\. What was separated plays and exports; for the whole song, open the mixer in a normal window or free disk space/.test(failed!.message), failed!.message);
    const memory = el.stemsInMemory!;
    const kept = el.separatedSeconds;
    ok(kept > memory.fromSeconds + 5 && kept <= memory.fromSeconds + 10, `${kept} s kept, ${memory.fromSeconds} s of it on disk`);
    const partial = await stemBytes(el);
    equal(partial[0]!.length, 44 + Math.round(kept * 44100) * 8, 'exports hold what was kept');
    el.seek(kept - 2);
    await el.play();
    await sleep(500);
    ok(el.playState === 'playing' && el.currentTime > kept - 1.9, `${el.playState} at ${el.currentTime} s`);
    el.pause();

    await el._failStorageAfterForTests(null);
    ok(await el.forget(el.session!.id), 'forgotten');
    const fresh = await mixer(WAVE4);
    await fresh.load(file);
    const reference = await stemBytes(fresh);
    reference.forEach((r, s) => sameBytes(partial[s]!.subarray(44), r.subarray(44, partial[s]!.length), `stem ${s}, what was kept`));
  });

  it('other settings or another model are another separation; stored() lists them with sizes; forget(id) deletes one and unloads it', async () => {
    const [left, right] = stereoSignal(8 * 44100, unique + 3);
    const file = wavFile(left, right, 'settings.wav');
    const el = await mixer(WAVE4);
    await el.load(file);
    const plain = el.session!.id;
    el.overlap = 0.5;
    await el.load(file);
    const overlapped = el.session!.id;
    ok(overlapped !== plain, 'another overlap, another session');
    equal(el.session!.restoredSeconds, 0, 'separated anew');
    await el.loadModel(`${MODELS}/mixed4.onnx`);
    await el.load(file);
    ok(el.session!.id !== overlapped, 'another model, another session');
    const stored = await el.stored();
    for (const id of [plain, overlapped, el.session!.id]) {
      const entry = stored.find((s) => s.id === id);
      ok(entry && entry.bytes > 4 * 8 * 8 * 44100 && entry.duration === 8, `${id} listed with its size`);
    }
    const current = el.session!.id;
    ok(await el.forget(current), 'forget says it deleted one');
    equal(el.duration, 0, 'the loaded song was that one: unloaded');
    equal(el.session, null);
    ok(!(await el.stored()).some((s) => s.id === current), 'no longer listed');
    ok(!(await el.forget(current)), 'nothing left to forget');
    el.overlap = 0.25;
    await el.loadModel(WAVE4);
    await el.load(file);
    equal(el.session!.id, plain);
    equal(el.separationStats!.runs, 0, 'the first settings reopen');
  });

  it('the same bytes under another name reopen by their sha256; another file of the same name, size and date is separated for what it is', async () => {
    const [left, right] = stereoSignal(8 * 44100, unique + 5);
    const lastModified = 1_700_000_000_000;
    const original = new File([await wavFile(left, right).arrayBuffer()], 'signature.wav', { lastModified });
    const el = await mixer(WAVE4);
    await el.load(original);
    const id = el.session!.id;
    const stems = await stemBytes(el);

    const renamed = new File([await original.arrayBuffer()], 'renamed.wav', { lastModified: lastModified + 1 });
    await el.load(renamed);
    equal(el.session?.id, id, 'the same separation');
    equal(el.session!.restoredSeconds, 8, 'found by its sha256 once decoded, all of it from storage');
    equal(el.separationStats!.runs, 0, 'no network run');

    const [otherLeft, otherRight] = stereoSignal(8 * 44100, unique + 6);
    const impostor = new File([await wavFile(otherLeft, otherRight).arrayBuffer()], 'signature.wav', { lastModified });
    equal(impostor.size, original.size);
    await el.load(impostor);
    // The stored separation of the first file plays at first; its sha256 then tells them apart.
    const separatedAnew = () => el.session !== null && el.session.id !== id && (el.separationStats?.runs ?? 0) > 0 && el.separatedSeconds === 8;
    for (let i = 0; i < 300 && !separatedAnew(); i++) await sleep(100);
    ok(el.session && el.session.id !== id, 'another separation');
    ok(el.separationStats!.runs > 0, 'separated');
    const other = await stemBytes(el);
    ok(other.some((b, s) => b.some((x, i) => x !== stems[s]![i])), 'other stems');
  });

  it('the same song open in another tab: separated again here, not kept (the other tab keeps its files)', async () => {
    const [left, right] = stereoSignal(8 * 44100, unique + 4);
    const file = wavFile(left, right, 'two-tabs.wav');
    const one = await mixer(WAVE4);
    await one.load(file);
    const two = await mixer(WAVE4);
    await two.load(file);
    equal(two.session, null, 'not kept here');
    ok(two.stemsOnDisk && two.separationStats!.runs > 0, 'separated on disk, unkept');
    const a = await stemBytes(one);
    const b = await stemBytes(two);
    a.forEach((x, s) => sameBytes(b[s]!, x, `stem ${s}`));
  });
});
