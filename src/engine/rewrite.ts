/**
 * A conversion is a set of replacements of source ranges, composed bottom-up:
 * a replacement of a node absorbs the edits inside it (the hook that made it
 * read them through text()). Untouched text is never re-printed.
 */

interface Edit {
  start: number;
  end: number;
  text: string;
  /** Zero-width edits that must stay after any replacement ending at `start`. */
  trailing: boolean;
}

export class EditSet {
  private edits: Edit[] = [];

  constructor(readonly source: string) {}

  get size(): number {
    return this.edits.length;
  }

  /** Replace [start, end) with text; edits inside are absorbed. */
  replace(start: number, end: number, text: string, statementLevel = false): void {
    this.edits = this.edits.filter(e => !this.inside(e, start, end, statementLevel));
    this.edits.push({ start, end, text, trailing: false });
  }

  /** Insert text at a position (e.g. a parameter). */
  insert(at: number, text: string): void {
    this.edits.push({ start: at, end: at, text, trailing: false });
  }

  /** Insert text at the end of a statement, after whatever replaces the statement's last node. */
  append(at: number, text: string): void {
    this.edits.push({ start: at, end: at, text, trailing: true });
  }

  hasEditsIn(start: number, end: number): boolean {
    return this.edits.some(e => this.inside(e, start, end, true));
  }

  /** The text of [start, end) with the edits inside applied. */
  text(start: number, end: number, statementLevel = false): string {
    const inner = this.edits.filter(e => this.inside(e, start, end, statementLevel));
    return this.apply(this.source.slice(start, end), start, inner);
  }

  /** The whole converted text. */
  result(): string {
    return this.apply(this.source, 0, this.edits);
  }

  private inside(e: Edit, start: number, end: number, statementLevel: boolean): boolean {
    if (e.start === e.end) {
      if (e.trailing) {
        return start < e.start && (e.start < end || (statementLevel && e.start === end));
      }
      return start < e.start && e.start < end;
    }
    return start <= e.start && e.end <= end;
  }

  private apply(text: string, offset: number, edits: Edit[]): string {
    if (edits.length === 0) {
      return text;
    }
    // Stable sort by position: a replacement before a trailing insertion at its end.
    const order = edits
      .map((e, i) => ({ e, i }))
      .sort((a, b) => a.e.start - b.e.start || a.e.end - b.e.end || a.i - b.i);
    let out = '';
    let pos = offset;
    let deleting = false;
    for (const { e } of order) {
      if (e.start < pos && deleting && e.text === '' && e.end > pos) {
        // two removed statements whose ranges overlap (the last of a block takes the line
        // break before it): remove both, and the line left empty
        pos = e.end;
        if (this.source[pos] === '\n' || pos === this.source.length) {
          out = out.replace(/\n[ \t]*$/, '');
        }
        continue;
      }
      if (e.start < pos) {
        continue; // overlaps an edit already applied; the outer one wins
      }
      deleting = e.text === '' && e.end > e.start;
      out += this.source.slice(pos, e.start) + e.text;
      pos = e.end;
    }
    return out + this.source.slice(pos, offset + text.length);
  }
}
