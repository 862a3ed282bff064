import { EditSet } from '../src/engine/rewrite';

describe('EditSet: range replacements composed bottom-up', () => {
  const source = 'f(g(x), y)';

  test('untouched text is kept byte for byte', () => {
    const edits = new EditSet(source);
    edits.replace(2, 6, 'G(x)');
    expect(edits.result()).toBe('f(G(x), y)');
  });

  test('a parent replacement absorbs the edits inside it, which it read through text()', () => {
    const edits = new EditSet(source);
    edits.replace(4, 5, 'X');
    expect(edits.text(2, 6)).toBe('g(X)');
    edits.replace(2, 6, `h(${edits.text(4, 5)})`);
    edits.replace(0, 10, `F(${edits.text(2, 6)}, ${edits.text(8, 9)})`);
    expect(edits.result()).toBe('F(h(X), y)');
    expect(edits.size).toBe(1);
  });

  test('a statement-end insertion stays after whatever replaces the last node of the statement', () => {
    const edits = new EditSet('a = f(x)\nb = 1\n');
    edits.append(8, '  # note');
    edits.replace(4, 8, 'F(x)');
    expect(edits.text(4, 8)).toBe('F(x)');
    expect(edits.text(0, 8, true)).toBe('a = F(x)  # note');
    expect(edits.result()).toBe('a = F(x)  # note\nb = 1\n');
  });

  test('insertions inside a range are absorbed by a replacement of that range', () => {
    const edits = new EditSet('def f(a):\n    pass\n');
    edits.insert(7, ', b');
    expect(edits.text(5, 8)).toBe('(a, b)');
    expect(edits.result()).toBe('def f(a, b):\n    pass\n');
  });
});
