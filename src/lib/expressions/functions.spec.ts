import { describe, expect, it } from 'vitest';
import { compileError, evalError, value } from './expression-fixture.ts';
import { FUNCTION_NAMES } from './functions.ts';

const NOW = new Date('2025-06-15T10:30:00Z');

describe('the function list', () => {
  it('is exactly the documented allow-list', () => {
    expect([...FUNCTION_NAMES].sort()).toEqual(
      [
        'today', 'now', 'days_between', 'add_days', 'year', 'month', 'day', 'birthday_in_days',
        'lower', 'upper', 'contains', 'starts_with', 'len', 'concat',
        'round', 'floor', 'ceil', 'min', 'max', 'abs',
        'if', 'coalesce', 'is_empty',
      ].sort(),
    );
  });

  it.each([
    ['today(1)', 'function "today" takes 0 arguments, not 1'],
    ['now(1, 2)', 'function "now" takes 0 arguments, not 2'],
    ['days_between(closes_on)', 'function "days_between" takes 2 arguments, not 1'],
    ['add_days(closes_on)', 'function "add_days" takes 2 arguments, not 1'],
    ['year()', 'function "year" takes 1 argument, not 0'],
    ['upper(name, name)', 'function "upper" takes 1 argument, not 2'],
    ['round(amount, 1, 2)', 'function "round" takes 1 or 2 arguments, not 3'],
    ['round()', 'function "round" takes 1 or 2 arguments, not 0'],
    ['concat()', 'function "concat" takes at least 1 argument, not 0'],
    ['min()', 'function "min" takes at least 1 argument, not 0'],
    ['if(active, 1)', 'function "if" takes 3 arguments, not 2'],
    ['coalesce()', 'function "coalesce" takes at least 1 argument, not 0'],
    ['is_empty()', 'function "is_empty" takes 1 argument, not 0'],
  ])('checks the argument count of %s', (source, message) => {
    expect(compileError(source)).toBe(message);
  });

  it('says when a field is called or a function is used as a value', () => {
    expect(compileError('stage(1)')).toBe('"stage" is a field, not a function');
    expect(compileError('today + 1')).toBe('"today" is a function: call it as today(…)');
    expect(compileError('uper(name)')).toContain('(did you mean "upper"?)');
  });
});

describe('date functions', () => {
  it('today() and now()', () => {
    expect(value('today()', { now: NOW })).toBe('2025-06-15');
    expect(value('now()', { now: NOW })).toBe('2025-06-15T10:30:00.000Z');
  });

  it('days_between counts whole calendar days from a to b, dates or datetimes', () => {
    expect(value('days_between("2024-01-01", "2024-03-01")')).toBe('60');
    expect(value('days_between("2024-03-01", "2024-01-01")')).toBe('-60');
    expect(value('days_between(closes_on, met_at)')).toBe('1');
    expect(value('days_between(closes_on, met_at)', { timeZone: 'Asia/Tehran' })).toBe('2');
    expect(value('days_between(note, closes_on)')).toBeNull();
    expect(evalError('days_between("2024-02-30", closes_on)')).toBe('days_between(): needs a date or a datetime, not "2024-02-30"');
    expect(evalError('days_between(1, closes_on)')).toBe('days_between(): needs a date or a datetime, not a number');
  });

  it('add_days moves dates by calendar days and datetimes by 24 hours', () => {
    expect(value('add_days(closes_on, 1)')).toBe('2024-03-01');
    expect(value('add_days(closes_on, -60)')).toBe('2023-12-31');
    expect(value('add_days("2023-12-31", 366)')).toBe('2024-12-31');
    expect(value('add_days(met_at, 2)')).toBe('2024-03-03T20:45:00.000Z');
    expect(value('add_days(note, 2)')).toBeNull();
    expect(evalError('add_days(closes_on, 1.5)')).toBe('add_days() needs a whole number, not 1.5');
    expect(evalError('add_days("9999-12-31", 1)')).toBe('add_days(): the date falls outside the years 1 to 9999');
    expect(evalError('add_days(name, 1)')).toBe('add_days(): needs a date or a datetime, not "Acme"');
  });

  it('year, month and day, of datetimes in the time zone', () => {
    expect(value('[year(closes_on), month(closes_on), day(closes_on)]')).toEqual(['2024', '2', '29']);
    expect(value('[year(met_at), month(met_at), day(met_at)]')).toEqual(['2024', '3', '1']);
    expect(value('[year(met_at), month(met_at), day(met_at)]', { timeZone: 'Asia/Tehran' })).toEqual(['2024', '3', '2']);
    expect(value('year(note)')).toBeNull();
    expect(evalError('month(amount)')).toBe('month(): needs a date or a datetime, not a number');
  });
});

describe('text functions', () => {
  it('lower and upper', () => {
    expect(value('lower(name)')).toBe('acme');
    expect(value('upper(name)')).toBe('ACME');
    expect(value('upper(note)')).toBeNull();
    expect(evalError('upper(3)')).toBe('upper(): needs text, not a number');
    expect(evalError('lower(tags)')).toBe('lower(): needs text, not a list');
  });

  it('contains looks in text and in lists', () => {
    expect(value('contains(name, "cm")')).toBe(true);
    expect(value('contains(name, "x")')).toBe(false);
    expect(value('contains(tags, "vip")')).toBe(true);
    expect(value('contains(tags, "cm")')).toBe(false);
    expect(value('contains(note, "x")')).toBe(false);
    expect(evalError('contains(name, 1)')).toBe('contains(): looks for text in text, not for a number');
    expect(evalError('contains(amount, "1")')).toBe('contains(): needs text, not a number');
  });

  it('starts_with', () => {
    expect(value('starts_with(name, "Ac")')).toBe(true);
    expect(value('starts_with(name, "ac")')).toBe(false);
    expect(value('starts_with(note, "a")')).toBe(false);
    expect(evalError('starts_with(name, 1)')).toBe('starts_with(): needs text, not a number');
  });

  it('len counts characters (not UTF-16 units) and list items', () => {
    expect(value('len(name)')).toBe('4');
    expect(value('len("سلام")')).toBe('4');
    expect(value('len("😀")')).toBe('1');
    expect(value('len(tags)')).toBe('2');
    expect(value('len(note)')).toBe('0');
    expect(evalError('len(amount)')).toBe('len(): needs text or a list, not a number');
  });

  it('concat joins anything but lists', () => {
    expect(value('concat(name, ": ", amount, " ", active, note)')).toBe('Acme: 1200.5 true');
    expect(evalError('concat(tags)')).toBe('concat() cannot join a list as text');
  });
});

describe('math functions', () => {
  it('round rounds half away from zero, to given digits', () => {
    expect(value('[round(2.5), round(-2.5), round(2.4), round(0.5), round(-0.5)]')).toEqual(['3', '-3', '2', '1', '-1']);
    expect(value('round(1.005, 2)')).toBe('1.01');
    expect(value('round(amount, 1)')).toBe('1200.5');
    expect(value('round(1234.5, -2)')).toBe('1200');
    expect(value('round(note)')).toBeNull();
    expect(evalError('round(1, 0.5)')).toBe('round() needs a whole number, not 0.5');
    expect(evalError('round(1, 21)')).toBe('round() needs a whole number from -20 to 20');
    expect(evalError('round(name)')).toBe('round(): needs a number, not text');
  });

  it('floor and ceil go down and up, also below zero', () => {
    expect(value('[floor(1.5), floor(-1.5), floor(2), ceil(1.2), ceil(-1.5), ceil(-0.5)]')).toEqual(['1', '-2', '2', '2', '-1', '0']);
    expect(value('floor(note)')).toBeNull();
    expect(evalError('ceil("1")')).toBe('ceil(): needs a number, not text');
  });

  it('abs', () => {
    expect(value('abs(-1.25)')).toBe('1.25');
    expect(value('abs(note)')).toBeNull();
    expect(evalError('abs(active)')).toBe('abs(): needs a number, not a boolean');
  });

  it('min and max of numbers or texts, skipping empty values, or of one list', () => {
    expect(value('min(3, amount, 2.5)')).toBe('2.5');
    expect(value('max(3, amount, note)')).toBe('1200.5');
    expect(value('max(closes_on, "2024-01-01")')).toBe('2024-02-29');
    expect(value('min(tags)')).toBe('north');
    expect(value('max(note)')).toBeNull();
    expect(evalError('min(1, "a")')).toBe('min(): cannot compare a number with text');
    expect(evalError('max(active)')).toBe('max(): cannot compare a boolean');
  });
});

describe('logic functions', () => {
  it('if evaluates only the branch it takes', () => {
    expect(value('if(amount > 1000, "big", 1 / 0)')).toBe('big');
    expect(value('if(note, 1 / 0, "none")')).toBe('none');
  });

  it('coalesce gives the first non-empty value, and evaluates no further', () => {
    expect(value('coalesce(note, name, 1 / 0)')).toBe('Acme');
    expect(value('coalesce(note, null)')).toBeNull();
    expect(value('coalesce(note, "")')).toBe('');
  });

  it('is_empty is true for null, empty text and the empty list', () => {
    expect(value('[is_empty(note), is_empty(""), is_empty([]), is_empty(name), is_empty(0), is_empty(false), is_empty(tags)]')).toEqual([true, true, true, false, false, false, false]);
  });
});
