export default function task({ kind, x }) {
  if (kind === 'spin') for (;;) {}
  return x + 1;
}
