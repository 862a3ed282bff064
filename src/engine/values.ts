/** Value converters named by knowledge-base entries: they work on already-converted argument text. */

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const INT = /^\d+$/;

function isTuple(text: string): boolean {
  return /^[([]/.test(text.trim());
}

/** Format a float the way a person would write it: 0.9, not 0.9000000000000000222. */
export function formatNumber(value: number): string {
  const text = String(parseFloat(value.toPrecision(12)));
  return /[.eE]/.test(text) ? text : `${text}.0`;
}

function oneMinus(text: string): string {
  return NUMBER.test(text.trim()) ? formatNumber(1 - Number(text)) : `1 - ${text}`;
}

function repeatTuple(n: number) {
  return (text: string): string => {
    if (isTuple(text)) {
      return text.trim().startsWith('[') ? `(${text.trim().slice(1, -1)})` : text;
    }
    return n === 1 ? `(${text},)` : `(${new Array(n).fill(text).join(', ')})`;
  };
}

function convPadding(n: number) {
  return (text: string): string => {
    const t = text.trim();
    const quoted = /^(['"])(\w+)\1$/.exec(t);
    if (quoted) {
      return `'${quoted[2].toUpperCase()}'`;
    }
    if (t === '0') {
      return "'VALID'";
    }
    if (isTuple(t)) {
      const parts = t
        .slice(1, -1)
        .split(',')
        .map(p => p.trim())
        .filter(p => p.length > 0);
      return `(${parts.map(p => `(${p}, ${p})`).join(', ')}${parts.length === 1 ? ',' : ''})`;
    }
    if (INT.test(t)) {
      return `(${new Array(n).fill(`(${t}, ${t})`).join(', ')}${n === 1 ? ',' : ''})`;
    }
    return `[(${t}, ${t})] * ${n}`;
  };
}

function unbiasedToDdof(text: string): string {
  const t = text.trim();
  if (t === 'True') {
    return '1';
  }
  if (t === 'False') {
    return '0';
  }
  return `int(${t})`;
}

function geluApproximate(text: string): string {
  const t = text.trim().replace(/["']/g, '');
  if (t === 'none') {
    return 'False';
  }
  if (t === 'tanh') {
    return 'True';
  }
  return `${text} == 'tanh'`;
}

function negate(text: string): string {
  const t = text.trim();
  if (t === 'True') {
    return 'False';
  }
  if (t === 'False') {
    return 'True';
  }
  if (t.startsWith('not ')) {
    return t.slice(4);
  }
  return /^[\w.]+$/.test(t) ? `not ${t}` : `not (${t})`;
}

function upper(text: string): string {
  const quoted = /^(['"])(\w+)\1$/.exec(text.trim());
  return quoted ? `'${quoted[2].toUpperCase()}'` : text;
}

export const VALUE_CONVERTERS: Record<string, (text: string) => string> = {
  one_minus: oneMinus,
  pair: repeatTuple(2),
  triple: repeatTuple(3),
  single: repeatTuple(1),
  conv_padding1d: convPadding(1),
  conv_padding2d: convPadding(2),
  conv_padding3d: convPadding(3),
  unbiased_to_ddof: unbiasedToDdof,
  gelu_approximate: geluApproximate,
  negate,
  upper
};
