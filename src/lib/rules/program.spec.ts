import { describe, expect, it } from 'vitest';
import { compileProgram, type Instruction } from './program.ts';
import type { ActionModel } from './types.ts';

function step(id: string, type = 'update_record', then: ActionModel[] = [], otherwise: ActionModel[] = []): ActionModel {
  return { id, type, settings: {}, then, else: otherwise };
}

function shape(program: readonly Instruction[]): string[] {
  return program.map((i) => (i.kind === 'action' ? i.step.id : i.kind === 'branch' ? `${i.step.id}?${i.elseAt}` : `→${i.to}`));
}

describe('compileProgram', () => {
  it('keeps plain steps in order', () => {
    expect(shape(compileProgram([step('a'), step('b')]))).toEqual(['a', 'b']);
  });

  it('jumps over the then-part when a branch without else is false', () => {
    expect(shape(compileProgram([step('b', 'branch', [step('t1'), step('t2')]), step('after')]))).toEqual(['b?3', 't1', 't2', 'after']);
  });

  it('jumps from the end of then over the else-part', () => {
    expect(shape(compileProgram([step('b', 'branch', [step('t')], [step('e1'), step('e2')]), step('after')]))).toEqual(['b?3', 't', '→5', 'e1', 'e2', 'after']);
  });

  it('nests branches', () => {
    const inner = step('inner', 'branch', [step('x')], [step('y')]);
    expect(shape(compileProgram([step('outer', 'branch', [inner], [step('z')])]))).toEqual(['outer?6', 'inner?4', 'x', '→5', 'y', '→7', 'z']);
  });
});
