import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { neutraliseCell, restoreCell } from './neutralise.ts';
import { csvCell, csvLine } from './csv-write.ts';

describe('neutraliseCell', () => {
  it.each(['=1+1', '+1+cmd', '-2+3', '@SUM(A1)', '\t=1', '\r=1', '   =HYPERLINK("http://x")', ' @x', '-', '+'])('prefixes %j', (text) => {
    expect(neutraliseCell(text)).toBe(`'${text}`);
  });

  it.each(['plain', '12', '-12.5', '+14155550100', 'a=b', '', ' spaced', "it's", '۱۲', '12.50 USD'])('leaves %j alone', (text) => {
    expect(neutraliseCell(text)).toBe(text);
  });

  it('neutralises a money amount that is not a plain number', () => {
    expect(neutraliseCell('-12.50 USD')).toBe("'-12.50 USD");
  });

  it('adds one more apostrophe to a value that already hides a trigger behind apostrophes', () => {
    expect(neutraliseCell("'=1")).toBe("''=1");
    expect(restoreCell("''=1")).toBe("'=1");
  });

  it('is undone by restoreCell for every text', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom("'", '=', '+', '-', '@', '\t', '\r', ' ', 'a', '1', '.') }), (text) => {
        expect(restoreCell(neutraliseCell(text))).toBe(text);
      }),
    );
  });

  it('restoreCell leaves a plain apostrophe alone', () => {
    expect(restoreCell("'abc")).toBe("'abc");
    expect(restoreCell("'12")).toBe("'12");
  });
});

describe('csv writing', () => {
  it('quotes delimiters, quotes, newlines and outer spaces, and neutralises', () => {
    expect(csvLine(['Sara', 'a "quoted", word', '=1+1', 'two\nlines', ' x'])).toBe('Sara,"a ""quoted"", word",\'=1+1,"two\nlines"," x"\r\n');
    expect(csvCell('a;b', ';')).toBe('"a;b"');
    expect(csvCell('\t=cmd')).toBe("'\t=cmd");
  });
});
