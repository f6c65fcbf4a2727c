import { describe, expect, it } from '@jest/globals';
import { plainToInstance, Type } from 'class-transformer';
import { IsInt, IsString, Min, ValidateNested, validateSync } from 'class-validator';
import { ConcurrencyConflict, DomainError } from '@stockflow/event-sourcing';
import { HttpException, NotFoundException } from '@nestjs/common';
import { flattenValidationErrors, ProblemTypes, resolveProblem } from '../index.js';

class Item {
  @IsInt()
  @Min(1)
  quantity!: number;
}

class Group {
  @ValidateNested({ each: true })
  @Type(() => Item)
  items!: Item[];
}

class Root {
  @IsString()
  name!: string;

  @ValidateNested({ each: true })
  @Type(() => Group)
  groups!: Group[];
}

describe('flattenValidationErrors', () => {
  it('builds dotted and indexed paths through nested arrays', () => {
    const root = plainToInstance(Root, { name: 1, groups: [{ items: [{ quantity: 1 }] }, { items: [{ quantity: 1 }, { quantity: 0 }] }] });
    expect(flattenValidationErrors(validateSync(root))).toEqual([
      { field: 'name', messages: ['name must be a string'] },
      { field: 'groups[1].items[1].quantity', messages: ['quantity must not be less than 1'] },
    ]);
  });
});

describe('resolveProblem', () => {
  it('maps domain and concurrency errors', () => {
    expect(resolveProblem(new DomainError('rejected', 'no', 'rule-x')).problem).toMatchObject({ status: 422, code: 'rule-x' });
    expect(resolveProblem(new ConcurrencyConflict('s', '1', 2), { headers: { 'if-match': '"1"' } }).problem.status).toBe(412);
    expect(resolveProblem(new ConcurrencyConflict('s', '1', 2), { headers: {} }).problem.status).toBe(409);
  });

  it('keeps HttpException statuses and messages', () => {
    expect(resolveProblem(new NotFoundException('no such sku')).problem).toMatchObject({ type: ProblemTypes.notFound, status: 404, detail: 'no such sku' });
    expect(resolveProblem(new HttpException('slow down', 429)).problem).toMatchObject({ type: ProblemTypes.tooManyRequests, status: 429 });
  });

  it('hides everything else behind a 500', () => {
    const { problem, serverError } = resolveProblem(new TypeError('x is undefined'));
    expect(serverError).toBe(true);
    expect(problem.status).toBe(500);
    expect(problem.detail).not.toContain('undefined');
  });
});
