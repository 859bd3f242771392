// The code blocks of README.md and docs/**/*.md, each either an excerpt of a file under examples/
// (which `npm test` type-checks and runs) or a fragment marked with its reason:
//   ```ts                                   the old form: the block's first line names the file,
//   // file: examples/recipes/x.ts          which holds that line and the block's text after it
//   <!-- excerpt: examples/docs/x.ts -->    the line before the block: the file holds the block's
//                                           text (the file marks it `// docs: begin` … `// docs: end`)
//   <!-- fragment: <why it cannot run as shown> -->
// spec/docs.spec.ts fails on a block that is neither; `tsx scripts/snippets.ts --write` copies each
// `// docs: begin … end` region into the blocks that quote its file, in order.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const CODE = /^```(ts|js|typescript|javascript|mjs|cjs|tsx)\s*$/;

export interface Block {
  readonly page: string;
  /** 1-based line of the opening fence */
  readonly line: number;
  readonly body: string;
  readonly kind: 'file' | 'excerpt' | 'fragment' | 'none';
  /** the file quoted, or the fragment's reason */
  readonly ref: string;
}

export function pages(): string[] {
  return ['README.md', ...readdirSync(`${root}docs`, { recursive: true }).map(String).filter((f) => f.endsWith('.md') && !f.startsWith('api/')).map((f) => `docs/${f}`)];
}

export function blocks(page: string, text = readFileSync(`${root}${page}`, 'utf8')): Block[] {
  const lines = text.split('\n');
  const found: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!CODE.test(lines[i]!)) {
      if (/^```/.test(lines[i]!)) for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++);
      continue;
    }
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
    const text = body.length > 0 ? `${body.join('\n')}\n` : '';
    const marker = /^<!-- (excerpt|fragment): (.+?) -->\s*$/.exec(lines[start - 1] ?? '');
    const file = /^\/\/ file: (\S+)$/.exec(body[0] ?? '');
    const kind = marker ? (marker[1] as 'excerpt' | 'fragment') : file ? 'file' : 'none';
    found.push({ page, line: start + 1, body: text, kind, ref: marker ? marker[2]! : file ? file[1]! : '' });
  }
  return found;
}

/** The `// docs: begin` … `// docs: end` regions of an example file, in order, less the markers' indentation. */
export function regions(file: string): string[] {
  const text = readFileSync(`${root}${file}`, 'utf8');
  return [...text.matchAll(/^([ \t]*)\/\/ docs: begin\n([\s\S]*?)^[ \t]*\/\/ docs: end$/gm)].map((m) =>
    m[2]!.split('\n').map((line) => (line.startsWith(m[1]!) ? line.slice(m[1]!.length) : line)).join('\n'),
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href && process.argv.includes('--write')) {
  for (const page of pages()) {
    const text = readFileSync(`${root}${page}`, 'utf8');
    const lines = text.split('\n');
    const used = new Map<string, number>();
    let changed = false;
    // from the last block up, so that earlier line numbers stay right
    const all = blocks(page, text).filter((b) => b.kind === 'excerpt');
    const order = all.map((b) => {
      const n = used.get(b.ref) ?? 0;
      used.set(b.ref, n + 1);
      return { block: b, region: regions(b.ref)[n] };
    });
    for (const { block, region } of order.reverse()) {
      if (region === undefined) throw new Error(`${page}:${block.line}: ${block.ref} has no region ${used.get(block.ref)}`);
      const count = block.body === '' ? 0 : block.body.split('\n').length - 1;
      lines.splice(block.line, count, ...region.replace(/\n$/, '').split('\n'));
      changed = true;
    }
    if (changed) writeFileSync(`${root}${page}`, lines.join('\n'));
  }
}
