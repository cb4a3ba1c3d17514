/**
 * Markdown from run records: the summary table (printed and written to `latest.md`), the
 * comparison against a previous run, and the figures section of `benchmarks/README.md`.
 */
import { BENCH_GROUPS } from './discover.js';
import type { BenchRecord, MachineInfo, RunRecord } from './record.js';

export const README_START = '<!-- bench:figures:start -->';
export const README_END = '<!-- bench:figures:end -->';

export const NOISE_NOTE =
  'These machines are noisy (shared cores, other work running): absolute times differ from run to run ' +
  'and do not count; ratios measured within one run (tunekit vs a peer, 1 vs 2 workers) do. ' +
  'Across runs, read changes within about ±20% as noise; min is steadier than median.';

const PEER_LEGEND =
  'Every peer figure is measured in this run, on the same machine and data, by the peer benchmark named in ' +
  "the table above; '(each time ÷ X)': the ratio of the two times, each divided by its figure X first (e.g. per boosting round).";

/** 5 significant digits (enough for an RMSE like 6.3185), no exponent for everyday magnitudes. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value) && Math.abs(value) < 1e9) return value.toLocaleString('en-US');
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString('en-US');
  if (abs >= 0.001 || abs === 0) return String(Number(value.toPrecision(5)));
  return value.toExponential(2);
}

export function formatSeconds(seconds: number): string {
  if (seconds >= 100) return `${seconds.toFixed(0)}`;
  if (seconds >= 10) return seconds.toFixed(1);
  if (seconds >= 1) return seconds.toFixed(2);
  if (seconds >= 0.01) return seconds.toFixed(3);
  return seconds.toPrecision(2);
}

export function formatMiB(bytes: number): string {
  return `${Math.round(bytes / 2 ** 20).toLocaleString('en-US')} MiB`;
}

export function formatRatio(ratio: number): string {
  return ratio >= 10 ? `${ratio.toFixed(0)}×` : `${ratio.toFixed(2)}×`;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function figuresText(figures: Readonly<Record<string, number>>): string {
  return Object.entries(figures)
    .map(([k, v]) => `${k} ${formatNumber(v)}`)
    .join(', ');
}

export function machineLine(m: MachineInfo): string {
  const busy = (m.loadAverage[0] ?? 0) > m.cores ? ' — busy with other work: expect noisy times' : '';
  return (
    `${m.cpuModel}, ${m.cores} cores (${m.availableParallelism} usable), ` +
    `${formatMiB(m.memoryBytes).replace(' MiB', '')} MiB RAM, Node ${m.node}, ${m.os}, ` +
    `load average ${m.loadAverage.join(' / ')} at start${busy}`
  );
}

function byGroup(benchmarks: readonly BenchRecord[]): BenchRecord[] {
  const order = (b: BenchRecord) => {
    const i = BENCH_GROUPS.indexOf(b.group);
    return i < 0 ? BENCH_GROUPS.length : i;
  };
  return [...benchmarks].sort((a, b) => order(a) - order(b));
}

function peerCell(b: BenchRecord): string {
  const p = b.peer;
  if (!p) return '';
  if (p.seconds === undefined) return `${p.tool}: ${p.missing ?? 'no figure'}`;
  const quality = p.figures ? `; ${figuresText(p.figures)}` : '';
  return `${p.tool}: ${formatSeconds(p.seconds)} s${quality}`;
}

function ratioCell(b: BenchRecord): string {
  if (b.peerRatio === undefined) return '';
  return `${formatRatio(b.peerRatio)}${b.peer?.per ? ` (each time ÷ ${b.peer.per})` : ''}`;
}

/** The one table both the summary and the README use. */
export function resultsTable(benchmarks: readonly BenchRecord[]): string {
  const lines = [
    '| group | benchmark | median s | min – max s | peak RSS | figures (last run) | peer | peer / ours |',
    '|---|---|---:|---:|---:|---|---|---:|',
  ];
  for (const b of byGroup(benchmarks)) {
    if (b.status === 'skipped') {
      lines.push(`| ${b.group} | ${cell(b.name)} | skipped | | | ${cell(b.skipped ?? '')} | | |`);
      continue;
    }
    if (b.status === 'failed' || !b.seconds) {
      lines.push(`| ${b.group} | ${cell(b.name)} | FAILED | | | ${cell(b.error ?? '')} | ${cell(peerCell(b))} | |`);
      continue;
    }
    const s = b.seconds;
    const rss = b.rss ? formatMiB(b.rss.peakRun) : '';
    const ratio = ratioCell(b);
    lines.push(
      `| ${b.group} | ${cell(b.name)} | ${formatSeconds(s.median)} | ${formatSeconds(s.min)} – ${formatSeconds(s.max)} | ` +
        `${rss} | ${cell(figuresText(b.figures))} | ${cell(peerCell(b))} | ${ratio} |`,
    );
  }
  return lines.join('\n');
}

function descriptions(benchmarks: readonly BenchRecord[]): string {
  return byGroup(benchmarks)
    .map((b) => {
      const runs = `${b.repeat} timed run${b.repeat === 1 ? '' : 's'}${b.warmup > 0 ? ` after ${b.warmup} warm-up` : ', no warm-up'}`;
      return `- \`${b.name}\` (${runs}): ${b.description}`;
    })
    .join('\n');
}

function failures(run: RunRecord): string {
  const lines: string[] = [];
  for (const e of run.loadErrors) lines.push(`- suite \`${e.suite}\` did not load${e.counted ? '' : ' (not selected)'}: ${e.message}`);
  for (const b of run.benchmarks) if (b.status === 'failed') lines.push(`- \`${b.name}\` failed: ${b.error}`);
  return lines.join('\n');
}

function skips(run: RunRecord): string {
  return run.benchmarks
    .filter((b) => b.status === 'skipped')
    .map((b) => `- \`${b.name}\` skipped: ${b.skipped}`)
    .join('\n');
}

/** Where the run's time went, per suite (what to trim when the whole run gets too long). */
export function suiteTimes(run: RunRecord): string {
  if (!run.benchmarks.some((b) => b.wallSeconds !== undefined)) return 'not recorded';
  const bySuite = new Map<string, number>();
  for (const b of run.benchmarks) bySuite.set(b.suite, (bySuite.get(b.suite) ?? 0) + (b.wallSeconds ?? 0));
  return [...bySuite.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([suite, seconds]) => `${suite} ${formatSeconds(seconds)} s`)
    .join(', ');
}

export function summaryMarkdown(run: RunRecord): string {
  const scope = [run.quick ? 'quick smoke pass (tiny data, not representative)' : 'full run', run.only ? `only ${run.only.join(', ')}` : 'all suites'];
  const parts = [
    `# tunekit benchmarks — ${run.date}`,
    '',
    `- Machine: ${machineLine(run.machine)}`,
    `- Commit: ${run.git ? `${run.git.commit.slice(0, 12)}${run.git.dirty ? ' (uncommitted changes)' : ''}` : 'unknown'}`,
    `- Scope: ${scope.join(', ')}; ${run.isolated ? 'one process per benchmark' : 'all in one process'}; total ${formatSeconds(run.totalSeconds)} s`,
    ...(run.code ? [`- Code: ${run.code === 'compiled' ? 'the library compiled by tsc, under plain node (as the published package runs)' : 'TypeScript sources under tsx'}`] : []),
    `- Real data: ${run.realDataDir ?? 'absent (generated data of the same shape)'}`,
    `- Wall time per suite (process start, setup, warm-up and runs): ${suiteTimes(run)}`,
    '',
    resultsTable(run.benchmarks),
    '',
    `Peak RSS is the highest resident set size sampled during warm-up and timed runs. ` +
      `peer / ours above 1× means tunekit is faster. ${PEER_LEGEND}`,
    '',
    NOISE_NOTE,
  ];
  if (run.benchmarks.some((b) => b.peerOf)) parts.push('', '## Against the peers (same run)', '', peersTable(run));
  const failed = failures(run);
  if (failed) parts.push('', '## Failures', '', failed);
  const skipped = skips(run);
  if (skipped) parts.push('', '## Skipped', '', skipped);
  parts.push('', '## What each benchmark does', '', descriptions(run.benchmarks), '');
  return parts.join('\n');
}

/** Within-run ratios survive machine noise best: show how they moved. */
function peerRatios(now: BenchRecord, before: BenchRecord): string {
  if (now.peerRatio === undefined) return '';
  return `${formatRatio(now.peerRatio)} (${before.peerRatio !== undefined ? formatRatio(before.peerRatio) : '–'})`;
}

/** Ratio current / previous of every figure both runs have, as a markdown table. */
export function compareMarkdown(previous: RunRecord, current: RunRecord, previousLabel: string): string {
  const prev = new Map(previous.benchmarks.map((b) => [b.name, b]));
  const lines = [
    `## Compared with ${previousLabel} (${previous.date})`,
    '',
    NOISE_NOTE,
    '',
    `Load average at start: previous ${previous.machine.loadAverage.join(' / ')}, now ${current.machine.loadAverage.join(' / ')}.` +
      (previous.machine.cpuModel !== current.machine.cpuModel ? ` Different CPUs: ${previous.machine.cpuModel} vs ${current.machine.cpuModel}.` : '') +
      (previous.quick !== current.quick ? ' **One run is a quick pass and the other is not: their data differ, so the ratios mean little.**' : ''),
    '',
    '| benchmark | median s now (before) | median now / before | min now / before | peak RSS now / before | peer / ours now (before) | figures now / before |',
    '|---|---:|---:|---:|---:|---:|---|',
  ];
  const ratio = (a: number, b: number) => (b > 0 && Number.isFinite(a / b) ? formatRatio(a / b) : '–');
  for (const b of byGroup(current.benchmarks)) {
    const p = prev.get(b.name);
    if (!p) {
      lines.push(`| ${cell(b.name)} | new | | | | | |`);
      continue;
    }
    if (!b.seconds || !p.seconds) {
      const state = (r: BenchRecord) => (r.seconds ? 'ok' : r.status === 'skipped' ? 'skipped' : 'FAILED');
      lines.push(`| ${cell(b.name)} | ${state(b)} (${state(p)}) | | | | | |`);
      continue;
    }
    const figures = Object.keys(b.figures)
      .filter((k) => p.figures[k] !== undefined)
      .map((k) => `${k} ${ratio(b.figures[k], p.figures[k])}`)
      .join(', ');
    lines.push(
      `| ${cell(b.name)} | ${formatSeconds(b.seconds.median)} (${formatSeconds(p.seconds.median)}) | ` +
        `${ratio(b.seconds.median, p.seconds.median)} | ${ratio(b.seconds.min, p.seconds.min)} | ` +
        `${b.rss && p.rss ? ratio(b.rss.peakRun, p.rss.peakRun) : '–'} | ${peerRatios(b, p)} | ${cell(figures)} |`,
    );
  }
  const gone = previous.benchmarks.filter((b) => !current.benchmarks.some((c) => c.name === b.name)).map((b) => b.name);
  if (gone.length > 0) lines.push('', `Not in this run: ${gone.map((n) => `\`${n}\``).join(', ')}.`);
  return lines.join('\n');
}

/**
 * Tunekit against the tools a user would otherwise pick: one row per peer benchmark and tunekit
 * benchmark it names, both measured in this run, with the load average when each started.
 */
export function peersTable(run: RunRecord): string {
  const lines = [
    '| peer | peer benchmark | peer s | peer quality | tunekit benchmark | tunekit s | tunekit quality | peer / ours | load peer / ours |',
    '|---|---|---:|---|---|---:|---|---:|---|',
  ];
  const byName = new Map(run.benchmarks.map((b) => [b.name, b]));
  for (const peer of byGroup(run.benchmarks)) {
    for (const name of peer.peerOf ?? []) {
      const ours = byName.get(name);
      const tool = cell(peer.tool ?? peer.name);
      if (!peer.seconds) {
        const why = peer.status === 'skipped' ? `skipped: ${peer.skipped}` : `FAILED: ${peer.error ?? ''}`;
        lines.push(`| ${tool} | \`${peer.name}\` | ${cell(why)} | | \`${name}\` | ${ours?.seconds ? formatSeconds(ours.seconds.median) : ''} | | | |`);
        continue;
      }
      const quality = Object.entries(peer.figures).filter(([k]) => /rmse|mae|mse|r2|score|loss/i.test(k));
      const peerQuality = quality.map(([k, v]) => `${k} ${formatNumber(v)}`).join(', ');
      const head = `| ${tool} | \`${peer.name}\` | ${formatSeconds(peer.seconds.median)} | ${peerQuality} | \`${name}\``;
      if (!ours?.seconds) {
        lines.push(`${head} | ${ours ? (ours.status === 'skipped' ? 'skipped' : 'FAILED') : 'not in this run'} | | | |`);
        continue;
      }
      const ourQuality = quality
        .filter(([k]) => ours.figures[k] !== undefined)
        .map(([k]) => `${k} ${formatNumber(ours.figures[k])}`)
        .join(', ');
      lines.push(`${head} | ${formatSeconds(ours.seconds.median)} | ${ourQuality} | ${ratioCell(ours)} | ${peer.loadAverage} / ${ours.loadAverage} |`);
    }
  }
  return lines.join('\n');
}

/** The figures section of `benchmarks/README.md` (between the markers). */
export function readmeFigures(run: RunRecord): string {
  const scope = run.quick
    ? '**Quick smoke pass: tiny data, the figures are not representative.**'
    : run.only
      ? `Partial run (only ${run.only.join(', ')}).`
      : 'Full run (`npm run bench`).';
  const failed = failures(run);
  return [
    README_START,
    '',
    `_Generated by \`npm run bench -- --write-readme\`; do not edit by hand._`,
    '',
    `- Date: ${run.date}`,
    `- Machine: ${machineLine(run.machine)}`,
    `- Commit: ${run.git ? `${run.git.commit.slice(0, 12)}${run.git.dirty ? ' (uncommitted changes)' : ''}` : 'unknown'}`,
    `- ${scope} Total ${formatSeconds(run.totalSeconds)} s (per suite: ${suiteTimes(run)}). Data: ${run.realDataDir ? 'real NYC green taxi months' : 'generated (real data absent)'}.`,
    '',
    '### Against the peers',
    '',
    'Each peer ran in this run, on this machine, on the same rows and features as the tunekit benchmark beside it. ' +
      'peer / ours above 1× means tunekit is faster; load: the 1-minute load average when each side started.',
    '',
    peersTable(run),
    '',
    '### All benchmarks',
    '',
    resultsTable(run.benchmarks),
    '',
    `peer / ours above 1× means tunekit is faster. ${PEER_LEGEND}`,
    '',
    NOISE_NOTE,
    ...(failed ? ['', '#### Failures', '', failed] : []),
    ...(skips(run) ? ['', '#### Skipped', '', skips(run)] : []),
    '',
    '### What each benchmark does',
    '',
    descriptions(run.benchmarks),
    '',
    README_END,
  ].join('\n');
}

/** Replaces the text between the markers (markers included); throws when they are missing. */
export function replaceFigures(readme: string, section: string, file = 'benchmarks/README.md'): string {
  const start = readme.indexOf(README_START);
  const end = readme.indexOf(README_END);
  if (start < 0 || end < start) throw new Error(`${file}: markers ${README_START} … ${README_END} not found`);
  return readme.slice(0, start) + section + readme.slice(end + README_END.length);
}
