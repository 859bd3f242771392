// `npm run docs` (part 1): draws the docs' marble diagrams (marble-tests/diagrams.ts, asserted by
// marble-tests/diagrams.marble.ts) as SVG files under docs/img/. `--check` fails on a stale file.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { diagrams, type Diagram } from '../marble-tests/diagrams.js';

const FRAME = 28;
const LEFT = 76;
const ROW = 46;
const COLORS = ['#e8a33d', '#4aa3df', '#7bc86c', '#9b7fd1', '#d46a6a', '#4ec9b0', '#e07bb5'];

interface Event {
  readonly frame: number;
  readonly kind: 'value' | 'complete' | 'error';
  readonly letter?: string;
  readonly slot: number;
}

/** Reads a marble string the way TestScheduler.run does: one character a frame, groups at their '('. */
function parse(marble: string, offset: number): { events: Event[]; end: number | undefined; length: number } {
  const events: Event[] = [];
  let frame = offset;
  let group: number | undefined;
  let slot = 0;
  let end: number | undefined;
  for (const char of marble.replace(/\s/g, '')) {
    const at = group ?? frame;
    if (char === '(') {
      group = frame;
      slot = 0;
    } else if (char === ')') {
      group = undefined;
    } else if (char === '|' || char === '#') {
      events.push({ frame: at, kind: char === '|' ? 'complete' : 'error', slot: slot++ });
      end = at;
    } else if (char !== '-') {
      events.push({ frame: at, kind: 'value', letter: char, slot: slot++ });
    }
    frame++;
    if (group === undefined) slot = 0;
  }
  return { events, end, length: frame };
}

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const valueWidth = (text: string) => Math.max(22, text.length * 7 + 10);
/** An output value not found on any input: drawn in a neutral colour. */
const NEUTRAL = '#8a8f98';

/**
 * Where each frame starts, left to right. A frame is as wide as the widest group of values drawn at
 * it on any line (plus a gap), so grouped values never overlap their neighbours.
 */
function frameLayout(lines: { events: Event[]; values: Readonly<Record<string, string>> }[], frames: number): (frame: number) => number {
  const widths = new Array<number>(frames + 1).fill(FRAME);
  for (const { events, values } of lines) {
    const byFrame = new Map<number, number>();
    for (const e of events) byFrame.set(e.frame, (byFrame.get(e.frame) ?? 0) + (e.kind === 'value' ? valueWidth(values[e.letter!] ?? e.letter!) + 4 : 10));
    for (const [frame, w] of byFrame) if (frame <= frames) widths[frame] = Math.max(widths[frame]!, w);
  }
  const starts = [LEFT + 14];
  for (let f = 0; f < frames + 1; f++) starts.push(starts[f]! + widths[f]!);
  return (frame: number) => starts[Math.max(0, Math.min(frame, starts.length - 1))]!;
}

interface LineOptions {
  readonly values?: Readonly<Record<string, string>>;
  readonly spans?: string[];
  /** The colour of each letter: its input's colour. */
  readonly colours: ReadonlyMap<string, string>;
}

function line(y: number, label: string, marble: string, offset: number, frames: number, x: (frame: number) => number, options: LineOptions): string[] {
  const { events, end } = parse(marble, offset);
  const { values = {}, spans, colours } = options;
  const out: string[] = [];
  const never = spans !== undefined && spans.length === 0;
  out.push(`<text x="8" y="${y + 5}" class="label">${escape(label)}</text>`);
  if (never) out.push(`<text x="8" y="${y + 19}" class="note">never subscribed</text>`);
  out.push(`<g${never ? ' opacity="0.35"' : ''}>`);
  const stop = end === undefined ? x(frames) : x(end);
  out.push(`<line x1="${x(offset)}" y1="${y}" x2="${stop}" y2="${y}" class="time"/>`);
  // a tick at every frame the line lives through
  for (let f = offset; f <= (end ?? frames - 1); f++) out.push(`<line x1="${x(f)}" y1="${y - 3}" x2="${x(f)}" y2="${y + 3}" class="tick"/>`);
  if (end === undefined) out.push(`<path d="M${x(frames) - 8},${y - 5} L${x(frames)},${y} L${x(frames) - 8},${y + 5}" class="time"/>`);
  // who was subscribed, and until which frame: one bar per subscription
  (spans ?? []).forEach((span, i) => {
    const from = span.indexOf('^');
    const until = span.indexOf('!');
    if (from < 0) return;
    const to = until < 0 ? frames : until;
    out.push(`<rect x="${x(from) - 3}" y="${y + 15 + i * 6}" width="${Math.max(6, x(to) - x(from) + 6)}" height="4" rx="2" class="span"/>`);
  });
  for (const e of events) {
    // the members of a group sit side by side from the frame's left edge (a lone value is centred
    // on its frame's tick), within the frame's width
    const before = events.filter((o) => o.frame === e.frame && o.slot < e.slot);
    const left = x(e.frame) - 11 + before.reduce((sum, o) => sum + (o.kind === 'value' ? valueWidth(values[o.letter!] ?? o.letter!) + 4 : 10), 0);
    if (e.kind === 'value') {
      const text = values[e.letter!] ?? e.letter!;
      const w = valueWidth(text);
      const cx = left + w / 2;
      out.push(`<rect x="${cx - w / 2}" y="${y - 11}" width="${w}" height="22" rx="11" fill="${colours.get(e.letter!) ?? NEUTRAL}" class="value"/>`);
      out.push(`<text x="${cx}" y="${y + 4}" class="v">${escape(text)}</text>`);
    } else {
      const cx = before.length === 0 ? x(e.frame) : left + 5;
      if (e.kind === 'complete') out.push(`<line x1="${cx}" y1="${y - 12}" x2="${cx}" y2="${y + 12}" class="end"/>`);
      else out.push(`<path d="M${cx - 8},${y - 8} L${cx + 8},${y + 8} M${cx + 8},${y - 8} L${cx - 8},${y + 8}" class="error"/>`);
    }
  }
  out.push('</g>');
  return out;
}

export function renderDiagram(d: Diagram): string {
  const lengths = [...d.inputs.map((l) => parse(l.marble, l.at ?? 0).length), parse(d.output, 0).length];
  const frames = Math.max(...lengths) + 1;
  const x = frameLayout(
    [...d.inputs.map((l) => ({ events: parse(l.marble, l.at ?? 0).events, values: {} })), { events: parse(d.output, 0).events, values: d.values ?? {} }],
    frames,
  );
  // each input line has its colour; an output value takes the colour of the input it came from
  const colours = new Map<string, string>();
  d.inputs.forEach((input, i) => {
    for (const e of parse(input.marble, 0).events) if (e.kind === 'value' && !colours.has(e.letter!)) colours.set(e.letter!, COLORS[i % COLORS.length]!);
  });
  const width = Math.max(x(frames) + 24, LEFT + d.call.length * 8 + 48);
  const rows: string[] = [];
  // the frame ruler
  let y = 16;
  for (let f = 0; f < frames; f += 5) rows.push(`<text x="${x(f)}" y="${y}" class="ruler">${f}</text>`);
  y = 40;
  d.inputs.forEach((input, i) => {
    const spans = d.subscriptions[i];
    const list = typeof spans === 'string' ? [spans] : [...(spans ?? [])];
    rows.push(...line(y, input.label, input.marble, input.at ?? 0, frames, x, { spans: list, colours }));
    y += ROW + Math.max(0, list.length - 1) * 6;
  });
  const boxTop = y - 14;
  rows.push(`<rect x="${LEFT}" y="${boxTop}" width="${width - LEFT - 16}" height="34" rx="6" class="op"/>`);
  rows.push(`<text x="${LEFT + (width - LEFT - 16) / 2}" y="${boxTop + 22}" class="call">${escape(d.call)}</text>`);
  y += 44;
  rows.push(...line(y, 'output', d.output, 0, frames, x, { values: d.values, colours }));
  const height = y + 34;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escape(`${d.call}: ${d.output}`)}">`,
    '<style>',
    '  .label{font:13px monospace;fill:#555}.note{font:italic 10px sans-serif;fill:#888}.call{font:13px monospace;fill:#222;text-anchor:middle}',
    '  .v{font:bold 11px sans-serif;fill:#fff;text-anchor:middle}.time{stroke:#333;stroke-width:1.5;fill:none}.tick{stroke:#999;stroke-width:1}',
    '  .ruler{font:10px monospace;fill:#999;text-anchor:middle}',
    '  .end{stroke:#333;stroke-width:2.5}.error{stroke:#c0392b;stroke-width:2.5;fill:none}',
    '  .value{stroke:#333;stroke-width:1}.op{fill:#f4f4f8;stroke:#999}.span{fill:#b8c7e0}',
    '</style>',
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    ...rows.map((r) => `  ${r}`),
    '</svg>',
    '',
  ].join('\n');
}

export const imageDir = fileURLToPath(new URL('../docs/img/', import.meta.url));
const root = fileURLToPath(new URL('..', import.meta.url));

/** A diagram as the text blocks of JSDoc and docs pages show it: inputs, call, output, subscriptions. */
export function diagramText(d: Diagram): string {
  const width = Math.max(...d.inputs.map((i) => `${i.label} subs`.length), 'output'.length) + 3;
  const pad = (label: string) => `${label}:`.padEnd(width);
  const lines = d.inputs.map((i) => `${pad(i.label)}${' '.repeat(i.kind === 'cold' ? (i.at ?? 0) : 0)}${i.marble}`.trimEnd());
  lines.push(d.call);
  const values = d.values ? Object.entries(d.values).map(([k, v]) => `${k} = ${v}`).join(', ') : '';
  lines.push(`${pad('output')}${d.output}${values ? `    ${values}` : ''}`);
  d.inputs.forEach((input, index) => {
    const subs = d.subscriptions[index]!;
    const list = typeof subs === 'string' ? [subs] : subs;
    if (list.length === 0) lines.push(`${pad(`${input.label} subs`)}(never subscribed)`);
    for (const frames of list) lines.push(`${pad(`${input.label} subs`)}${frames}`);
  });
  return lines.join('\n');
}

const JSDOC_BLOCK = /^ \* ```text\n[\s\S]*?^ \* ```$/gm;
const MD_BLOCK = /^```text\n[\s\S]*?^```$/gm;

/** `text` with its ```text blocks replaced, in order, by `blocks` (extra blocks follow the last one). */
export function withTextBlocks(text: string, blocks: readonly string[], jsdoc: boolean): string {
  const fence = (body: string) =>
    jsdoc ? [' * ```text', ...body.split('\n').map((l) => ` * ${l}`.trimEnd()), ' * ```'].join('\n') : ['```text', body, '```'].join('\n');
  let index = 0;
  let lastEnd = -1;
  const out = text.replace(jsdoc ? JSDOC_BLOCK : MD_BLOCK, (match, offset: number) => {
    lastEnd = offset + match.length;
    return index < blocks.length ? fence(blocks[index++]!) : match;
  });
  if (index >= blocks.length) return out;
  if (lastEnd < 0) throw new Error('no ```text block to put the diagram in');
  // offsets shift with the replacements above: find the last fence again in the new text
  const ends = [...out.matchAll(jsdoc ? JSDOC_BLOCK : MD_BLOCK)];
  const at = ends[ends.length - 1]!.index! + ends[ends.length - 1]![0].length;
  const extra = blocks.slice(index).map((b) => (jsdoc ? `\n *\n${fence(b)}` : `\n\n${fence(b)}`)).join('');
  return out.slice(0, at) + extra + out.slice(at);
}

/** Each file that shows diagrams as text (sources' JSDoc, docs pages), as it should read. */
export function textDiagramFiles(): { file: string; expected: string }[] {
  const byFile = new Map<string, { jsdoc: boolean; blocks: string[] }>();
  for (const d of diagrams) {
    for (const [file, jsdoc] of [[d.source, true], [`docs/${d.page}`, false]] as const) {
      const entry = byFile.get(file) ?? { jsdoc, blocks: [] };
      entry.blocks.push(diagramText(d));
      byFile.set(file, entry);
    }
  }
  return [...byFile].map(([file, { jsdoc, blocks }]) => ({ file, expected: withTextBlocks(readFileSync(`${root}${file}`, 'utf8'), blocks, jsdoc) }));
}

export function staleImages(): string[] {
  return diagrams.filter((d) => {
    try {
      return readFileSync(`${imageDir}${d.name}.svg`, 'utf8') !== renderDiagram(d);
    } catch {
      return true;
    }
  }).map((d) => d.name);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes('--check')) {
    const stale = staleImages();
    if (stale.length) {
      console.error(`stale marble pictures: ${stale.join(', ')} (run npm run docs)`);
      process.exit(1);
    }
  } else {
    mkdirSync(imageDir, { recursive: true });
    for (const d of diagrams) writeFileSync(`${imageDir}${d.name}.svg`, renderDiagram(d));
    const texts = textDiagramFiles();
    for (const { file, expected } of texts) writeFileSync(`${root}${file}`, expected);
    console.log(`drew ${diagrams.length} marble diagrams into docs/img/ and the text blocks of ${texts.length} files`);
  }
}
